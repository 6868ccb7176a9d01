import duckdb
import pytest

from resolve.engine import Engine
from resolve.standardise.addresses import register_address_macros
from resolve.standardise.sql import register_macros


def city_engine(city: str, region_code: str):
    """An engine with the standardisers' macros for ``city``, closed when the fixture ends."""
    e = Engine()
    register_macros(e)
    register_address_macros(e, city, region_code)
    yield e
    e.close()


@pytest.fixture(scope="module")
def engine():
    yield from city_engine("深圳市", "440300")


def write_config(folder, sources_yaml: str, extra: str = "") -> str:
    text = (
        "city: 深圳市\n"
        "region_code: \"440300\"\n"
        "snapshot_date: 2026-10-31\n"
        f"{extra}"
        "sources:\n" + sources_yaml
    )
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory):
    """A person model trained on a generated city, as a steward reuses last month's model on a
    small delivery (the hand-made fixture cities are too small to train on)."""
    from resolve.config import load_config
    from resolve.pipeline import run
    from resolve.synth import generate_city

    folder = tmp_path_factory.mktemp("trained")
    generate_city(folder / "city", seed=31, n_persons=3000)
    run(load_config(folder / "city" / "config.yaml"), folder / "out")
    return folder / "out" / "person_model.json"


def run_fixture_city(config_path, folder, model):
    """Run a fixture city's config with ``model``; its registry opened read-only."""
    from resolve.config import load_config
    from resolve.pipeline import run

    run(load_config(config_path), folder / "out", model=model)
    return duckdb.connect(str(folder / "out" / "registry.duckdb"), read_only=True)


def city_metrics(folder, generate, seed: int, n_persons: int) -> dict:
    """A generated city (``generate(out, seed=, n_persons=)``) run and evaluated against its truth."""
    from pathlib import Path

    from resolve.config import load_config
    from resolve.evaluate import evaluate_registry
    from resolve.pipeline import run

    generate(folder / "city", seed=seed, n_persons=n_persons)
    run(load_config(folder / "city" / "config.yaml"), folder / "out")
    return evaluate_registry(Path(folder / "out"), Path(folder / "city"))
