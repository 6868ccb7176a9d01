"""The `resolve` command line. A user's mistake ends in `Error: ...` and exit 1, never a traceback."""

from __future__ import annotations

import errno
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from resolve.errors import ResolveError

console = Console(stderr=False)


def _fail(message: str) -> None:
    # a byte that is not UTF-8 in an argument (a path) comes back as a surrogate: shown as \xNN
    message = message.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _os_problem(exc: OSError) -> str:
    """An operating-system error as the user can act on it; the previous registry is never
    touched before the new one is complete (pipeline.run), so it is intact."""
    where = exc.filename or "the output"
    if exc.errno == errno.ENOSPC:
        return (f"no space left on the device writing {where}; free some space or choose another folder "
                "with --out (any previous registry is intact)")
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"cannot write {where}: permission denied or a read-only file system; choose a folder you can "
                "write with --out, or fix its permissions (any previous registry is intact)")
    return f"{exc.strerror or exc}: {where}"


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ResolveError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(_os_problem(exc))


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
@click.option("--permissions", type=click.Choice(["owner", "group", "all"]), default=None,
              help="Who may read what is written (default: the config's output.permissions, owner only).")
@click.option("--backend", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="The engine the stages run on: embedded DuckDB, or Spark (pip install -e '.[spark]', Java 17).")
@click.option("--spark-master", default="local[*]", show_default=True,
              help="With --backend spark: the Spark master URL (local[*], spark://host:7077, yarn).")
def run(config_path: str, out_dir: str, model: str | None, permissions: str | None, backend: str,
        spark_master: str) -> None:
    """Build DIR/registry.duckdb from the sources CONFIG names.

    Paths in CONFIG are relative to CONFIG's folder, whatever the working directory.
    The previous registry stays in place until the new one is complete. On Spark the
    registry is also written as Parquet, one folder per table, in DIR/registry.parquet.

    \b
    Example:
        resolve run configs/demo.yaml --out out/demo
        resolve run configs/demo.yaml --out out/demo-spark --backend spark --spark-master 'local[2]'
    """
    from resolve.config import load_config

    config = load_config(config_path)
    _run_and_summarise(config, out_dir, model=model, permissions=permissions, backend=backend,
                       spark_master=spark_master)


def _run_and_summarise(config, out_dir: str, model: str | None = None, update: str | None = None,
                       permissions: str | None = None, backend: str = "duckdb", spark_master: str = "local[*]") -> None:
    from resolve.pipeline import run as run_pipeline

    with console.status("starting") as status:
        result = run_pipeline(config, out_dir, model=model, update=update, permissions=permissions,
                              progress=lambda msg: status.update(f"[bold]{msg}[/]"), backend=backend,
                              spark_master=spark_master)
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
    for entity, origin in result.models.items():
        console.print(f"{entity} model: {origin}")
    for status, n in c.get("overrides", {}).items():
        console.print(f"overrides {status}: {n:,}")
    console.print("stage seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items()))
    console.print(f"registry: {result.registry.resolve()}")
    console.print(f"report:   {(result.registry.parent / 'report' / 'index.html').resolve()}")


@main.command()
@click.argument("config_path", metavar="CONFIG", type=click.Path(dir_okay=False))
@click.option("--source", required=True, help="The source whose new delivery CONFIG now points at.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="The folder of the registry to update (an earlier `resolve run --out`).")
@click.option("--permissions", type=click.Choice(["owner", "group", "all"]), default=None,
              help="Who may read what is written (default: the config's output.permissions, owner only).")
def update(config_path: str, source: str, out_dir: str, permissions: str | None) -> None:
    """Link one department's new delivery to the existing registry in DIR.

    Uses the models saved beside the registry (nothing is retrained) and scores only the
    pairs the delivery touches; clusters, golden records, relations, figures and the report
    are rebuilt, and every entity the delivery does not change keeps its ID.

    \b
    Example:
        resolve update configs/demo.yaml --source grid_survey --out out/demo
    """
    from resolve.config import load_config

    _run_and_summarise(load_config(config_path), out_dir, update=source, permissions=permissions)


@main.group()
def override() -> None:
    """The override log: corrections every rebuild applies (see README, Overrides)."""


@override.command("add")
@click.argument("config_path", metavar="CONFIG", type=click.Path(dir_okay=False))
@click.option("--kind", required=True, type=click.Choice(["same", "different", "detach", "set_attribute",
                                                            "set_use", "revoke"]))
@click.option("--record", "records", multiple=True, help="source:record_key (repeat for several).")
@click.option("--entity-id", default=None, help="A golden ID (P..., E..., H...) instead of a record.")
@click.option("--attribute", default=None, help="For set_attribute: name, birth_date, sex, status, residence_property.")
@click.option("--value", default=None, help="The value to set (set_attribute, set_use).")
@click.option("--status-date", default=None, help="With status: the date it took effect (YYYY-MM-DD).")
@click.option("--revokes", "revoked", default=None, help="For revoke: the id of the entry withdrawn.")
@click.option("--author", required=True)
@click.option("--reason", required=True)
@click.option("--evidence", required=True, help="What the correction rests on (a visit, a document).")
@click.option("--date", "day", default=None, help="When it was established (YYYY-MM-DD; default today).")
@click.option("--registry", "registry_dir", default=None, type=click.Path(file_okay=False),
              help="Also check that the records or entity are in this registry.")
def override_add(config_path, kind, records, entity_id, attribute, value, status_date, revoked, author, reason,
                 evidence, day, registry_dir) -> None:
    """Validate one correction and append it to the config's override log.

    \b
    Example:
        resolve override add configs/demo.yaml --kind different \\
            --record police_hukou:44032101908365 --record grid_survey:WG1140280786 \\
            --author "网格员 李四" --reason "twins" --evidence "visit 2026-11-20, both present"
    """
    from resolve.config import load_config
    from resolve.overrides import append_override, check_against_registry, parse_entry
    from resolve.pipeline import REGISTRY_FILE

    config = load_config(config_path)
    data = {"kind": kind, "records": list(records), "entity_id": entity_id, "attribute": attribute, "value": value,
            "status_date": status_date, "override": revoked, "author": author, "reason": reason,
            "evidence": evidence, "date": day}
    if registry_dir:
        check_against_registry(parse_entry({k: v for k, v in data.items() if v not in (None, "", [])}
                                           | {"date": day or "2000-01-01"}, config),
                               Path(registry_dir) / REGISTRY_FILE)
    entry = append_override(config, data)
    console.print(f"{entry.id}: {entry.kind} appended to {config.overrides_dir}")


@main.command()
@click.option("--registry", "registry_dir", required=True, type=click.Path(),
              help="The folder `resolve run --out` wrote (or its registry.duckdb).")
@click.option("--unmasked", is_flag=True, default=False,
              help="Show full citizen IDs and phone numbers, in DIR/report-unmasked/ (masked by default).")
@click.option("--permissions", type=click.Choice(["owner", "group", "all"]), default="owner", show_default=True,
              help="Who may read the report's files.")
def report(registry_dir: str, unmasked: bool, permissions: str) -> None:
    """Rebuild DIR/report/index.html and its drill-down files from an existing registry.

    The report is built in a fresh folder and swapped in whole. With --unmasked it goes to
    DIR/report-unmasked/ instead, never into the masked report/ that is shared.

    \b
    Example:
        resolve report --registry out/demo
    """
    from resolve.report import publish_report

    path = Path(registry_dir)
    out = path if path.is_dir() or not path.suffix else path.parent
    index = publish_report(out, unmasked=unmasked, permissions=permissions)
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

    The residence is scored over the people a department knows (residence_accuracy), over
    every living resident of the truth (residence_accuracy_living) and over those whose
    records state a residence (residence_accuracy_stated); residence_resolution_share_* and
    site_resolution_share_* give the share of addresses resolved to a property, to a building,
    ambiguous, not found, outside the city and incomplete.

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
@click.option("--shape", default="default", show_default=True,
              type=click.Choice(["default", "alt", "wild", "independent", "chongqing"]),
              help="Department mix and error profile: default (what the product is tuned on), alt (other "
                   "population mix, columns, codes and error rates), wild (estates with other names, lettered "
                   "buildings and 梯 units, urban villages with lanes, and every department writing addresses "
                   "its own way), independent (a Guangzhou written apart from the product: urban-village 巷/社/坊 "
                   "addresses, 梯 units, 之一 doors, per-department writing forms; resolve/synth/independent.py), "
                   "chongqing (a 重庆 written apart from the product: 12-3 floor-flat dashes, 负1 floors and "
                   "street-level entrances, 附 doors, 号 buildings, 组团, old 村 neighbourhoods, rural 组/社; "
                   "resolve/synth/chongqing.py).")
def generate(out_dir: str, seed: int, persons: int, shape: str) -> None:
    """Generate a synthetic city: department extracts, their config and the ground truth.

    \b
    Example:
        resolve generate --out build/demo-city --seed 1 --persons 20000
    """
    if shape == "independent":
        from resolve.synth.independent import generate as generate_independent

        summary = generate_independent(Path(out_dir), seed=seed, n_persons=persons)
    elif shape == "chongqing":
        from resolve.synth.chongqing import generate as generate_chongqing

        summary = generate_chongqing(Path(out_dir), seed=seed, n_persons=persons)
    else:
        from resolve.synth import generate_city

        summary = generate_city(Path(out_dir), seed=seed, n_persons=persons, shape=shape)
    click.echo(f"generated {out_dir}: " + ", ".join(f"{k}={v}" for k, v in summary.items()
                                                     if not isinstance(v, dict)))


@main.command()
@click.option("--registry", "registry_dir", required=True, type=click.Path(),
              help="The folder `resolve run --out` wrote (registry.duckdb and person_model.json).")
@click.option("--id-number", default=None, help="Citizen ID (18 or 15 digits) or any document number.")
@click.option("--other-doc", default=None, help="Passport or permit number (with --id-number: both are used).")
@click.option("--name", default=None, help="Name as written, e.g. 张泽豪.")
@click.option("--birth-date", default=None, help="Birth date in any common form: 1986-08-17, 19860817, 1986年8月.")
@click.option("--sex", default=None, help="M/F, 男/女, 1/2.")
@click.option("--phone", default=None, help="Phone number.")
@click.option("--address", "residence_address", default=None, help="Residence address.")
@click.option("--registered-address", default=None, help="Registered (hukou) address.")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(min=1), help="Candidates to show.")
@click.option("--json", "as_json", is_flag=True, default=False, help="Print JSON instead of a table.")
def lookup(registry_dir: str, limit: int, as_json: bool, **fields: str | None) -> None:
    """Match one record against a registry: candidate golden persons, scores and explanations.

    The record is standardised as `resolve run` standardises a department's record, blocked
    and scored with the registry's own person model; each candidate shows the comparisons
    that added or took away weight (log2 Bayes factors). A candidate clustering would never
    join the record to (another valid citizen ID; no document or name agreeing) says why and
    comes last. Nothing is masked (full citizen IDs and phone numbers): this is a privileged
    service.

    \b
    Example:
        resolve lookup --registry out/demo --id-number 440306198608177350 --name 张泽豪
    """
    import json

    from resolve.lookup import PersonLookup

    record = {k: v for k, v in fields.items() if v is not None and v.strip()}
    if not record:
        raise ResolveError("give at least one of --id-number, --other-doc, --name, --birth-date, --sex, --phone, "
                           "--address, --registered-address (a name or a document number at least)")
    with PersonLookup(registry_dir) as registry:
        query = registry.standardise(record)
        candidates = registry.match(record, limit=limit)
    if as_json:
        click.echo(json.dumps({"query": query, "candidates": [c.to_dict() for c in candidates]},
                              ensure_ascii=False, indent=2, default=str))
        return
    shown = ", ".join(f"{k}={query[k]}" for k in ("name_std", "id_number", "other_doc", "sex", "birth_date", "phone")
                      if query.get(k) is not None)
    console.print(f"query: {shown}")
    if not candidates:
        console.print("no candidate: no registry record shares a blocking key with this record")
        return
    table = Table(title=f"candidates among {registry.n_persons:,} golden persons")
    refusals = any(c.refused for c in candidates)
    for col in ("#", "person_id", "probability", "weight", "name", "birth date", "sex", "ID", "best record") \
            + (("not joined: why",) if refusals else ()):
        table.add_column(col, justify="right" if col in ("#", "probability", "weight") else "left")
    for i, c in enumerate(candidates, 1):
        table.add_row(str(i), c.person_id, f"{c.match_probability:.6f}", f"{c.match_weight:.2f}", c.name or "",
                      c.birth_date or "", c.sex or "", c.id_number or "", f"{c.source} {c.record_key}",
                      *((c.refused or "",) if refusals else ()))
    console.print(table)
    for i, c in enumerate(candidates, 1):
        why = Table(title=f"#{i} {c.person_id}: why", title_justify="left")
        for col in ("comparison", "level", "weight"):
            why.add_column(col, justify="right" if col == "weight" else "left")
        why.add_row("prior", "two random records match", f"{c.prior_weight:+.2f}")
        for e in c.explanation:
            tf = f" (term frequency {e.tf_adjustment:+.2f})" if e.tf_adjustment else ""
            why.add_row(e.comparison, e.level + tf, f"{e.weight:+.2f}")
        why.add_row("total", f"match probability {c.match_probability:.6f}", f"{c.match_weight:+.2f}")
        console.print(why)

@main.command()
@click.option("--registry", "registry_dir", required=True, type=click.Path(file_okay=False),
              help="The folder `resolve run --out` wrote.")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
              help="The config the registry was built from (default: the one its run_info names).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--lookups", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Lookups answered at once (each keeps the registry's lookup indexes in memory).")
def serve(registry_dir: str, config_path: str | None, host: str, port: int, lookups: int) -> None:
    """Serve the registry over HTTP: lookups, corrections and the steward's review.

    \b
    POST /lookup          one person's record (JSON) -> candidates, probabilities, explanations
    POST /overrides       a correction, appended to the override log as `resolve override add` does
    GET  /overrides       every entry of the log with what the registry made of it
    GET  /review          the steward's queue of uncertain pairs (page)
    GET  /grid            the grid worker's page: a property, its residents, a correction

    Callers send `Authorization: Bearer <token>`; the tokens and roles (steward, grid_worker,
    approval) are in the file the config's `service.tokens` names. Every request is logged to
    `service.log` (default service-log.jsonl beside the config).

    \b
    Example:
        resolve serve --registry out/demo --port 8000
    """
    import uvicorn

    from resolve.serve import Service, create_app

    service = Service(registry_dir, config_path, lookups=lookups)
    console.print(f"registry {service.registry} ({service.n_persons:,} persons), "
                  f"{len(service.tokens)} callers; log {service.log_path}")
    console.print(f"pages: http://{host}:{port}/review (steward), http://{host}:{port}/grid (grid worker)")
    try:
        uvicorn.run(create_app(service), host=host, port=port, log_level="warning")
    finally:
        service.close()


if __name__ == "__main__":  # pragma: no cover
    main()
