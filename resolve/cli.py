"""The `resolve` command line. A user's mistake ends in `Error: ...` and exit 1, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from resolve.errors import ResolveError

console = Console(stderr=False)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ResolveError as exc:
            _fail(str(exc))


@click.group(cls=_Group)
@click.version_option(package_name="resolve")
def main() -> None:
    """Entity resolution for a city's population, enterprise and housing registries.

    \b
    Example:
        resolve run configs/demo.yaml --out out/demo
    """


@main.command()
@click.argument("config_path", metavar="CONFIG", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for registry.duckdb and the saved model.")
@click.option("--model", type=click.Path(dir_okay=False), default=None,
              help="Reuse a person_model.json from an earlier run instead of training.")
def run(config_path: str, out_dir: str, model: str | None) -> None:
    """Build DIR/registry.duckdb from the sources CONFIG names.

    Paths in CONFIG are relative to CONFIG's folder, whatever the working directory.
    The previous registry stays in place until the new one is complete.

    \b
    Example:
        resolve run configs/demo.yaml --out out/demo
    """
    from resolve.config import load_config
    from resolve.pipeline import run as run_pipeline

    config = load_config(config_path)
    with console.status("starting") as status:
        result = run_pipeline(config, out_dir, model=model,
                              progress=lambda msg: status.update(f"[bold]{msg}[/]"))
    table = Table(title=f"{config.city} registry ({config.snapshot_date})")
    for col in ("source", "entity", "read", "linked", "quarantined"):
        table.add_column(col, justify="right" if col in ("read", "linked", "quarantined") else "left")
    for r in result.sources.itertuples():
        table.add_row(r.source, r.entity, f"{r.rows_read:,}", f"{r.linked:,}", f"{r.quarantined:,}")
    console.print(table)
    c = result.counts
    for entity, plural in (("person", "persons"), ("enterprise", "enterprises"), ("property", "properties")):
        console.print(f"golden {plural}: {c['golden_' + plural]:,} from {c[entity + '_records']:,} records")
    console.print(f"quarantined: {c['quarantined']:,} rows")
    console.print("stage seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items()))
    console.print(f"registry: {result.registry.resolve()}")
    console.print(f"report:   {(result.registry.parent / 'report' / 'index.html').resolve()}")


@main.command()
@click.option("--registry", "registry_dir", required=True, type=click.Path(),
              help="The folder `resolve run --out` wrote (or its registry.duckdb).")
@click.option("--unmasked", is_flag=True, default=False,
              help="Show full citizen IDs and phone numbers (masked by default).")
def report(registry_dir: str, unmasked: bool) -> None:
    """Rebuild DIR/report/index.html and its drill-down files from an existing registry.

    \b
    Example:
        resolve report --registry out/demo
    """
    from resolve.pipeline import REGISTRY_FILE
    from resolve.report import build_report

    path = Path(registry_dir)
    registry = path / REGISTRY_FILE if path.is_dir() else path
    index = build_report(registry, registry.parent, unmasked=unmasked)
    console.print(f"report: {index.resolve()}")


@main.command()
@click.argument("config_path", metavar="CONFIG", type=click.Path(dir_okay=False))
def validate(config_path: str) -> None:
    """Check CONFIG and the headers of its source files; list every problem at once.

    \b
    Example:
        resolve validate configs/demo.yaml
    """
    from resolve.config import load_config

    config = load_config(config_path)
    click.echo(f"{config_path}: OK, {len(config.sources)} sources")


@main.command()
@click.option("--registry", "registry_dir", required=True, type=click.Path(file_okay=False),
              help="Output folder of `resolve run` (holding registry.duckdb).")
@click.option("--truth", "truth_dir", required=True, type=click.Path(file_okay=False),
              help="Folder with truth/person_records.csv (and twins.csv) from `resolve generate`.")
def evaluate(registry_dir: str, truth_dir: str) -> None:
    """Score a registry against ground truth: precision / recall / F1 of persons, enterprises
    and properties, twins and branches merged, and the accuracy of every relation.

    \b
    Example:
        resolve evaluate --registry out/demo --truth build/demo-city
    """
    from resolve.evaluate import evaluate_registry

    report = evaluate_registry(Path(registry_dir), Path(truth_dir))
    table = Table(title="evaluation")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in report.items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else f"{value:,}")
    console.print(table)


@main.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for sources/, truth/ and config.yaml.")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--persons", default=20000, show_default=True, type=int, help="People in the city.")
@click.option("--shape", default="default", show_default=True, type=click.Choice(["default", "alt"]),
              help="Department mix and error profile.")
def generate(out_dir: str, seed: int, persons: int, shape: str) -> None:
    """Generate a synthetic city: department extracts, their config and the ground truth.

    \b
    Example:
        resolve generate --out build/demo-city --seed 1 --persons 20000
    """
    from resolve.synth import generate_city

    summary = generate_city(Path(out_dir), seed=seed, n_persons=persons, shape=shape)
    click.echo(f"generated {out_dir}: " + ", ".join(f"{k}={v}" for k, v in summary.items()
                                                     if not isinstance(v, dict)))


if __name__ == "__main__":  # pragma: no cover
    main()
