"""The notebooks run: every code cell executes against a freshly built registry."""

import json
from pathlib import Path

import pytest

from resolve.config import load_config
from resolve.pipeline import run
from resolve.synth import generate_city

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nb")
    generate_city(folder / "city", seed=5, n_persons=1500)
    run(load_config(folder / "city" / "config.yaml"), folder / "out")
    return folder / "out" / "registry.duckdb"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_cells_run(notebook, registry, monkeypatch):
    monkeypatch.setenv("RESOLVE_REGISTRY", str(registry))
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    namespace: dict = {}
    queries = 0
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        code = "".join(cell["source"]).strip()
        if code.startswith("con.sql("):  # a cell that shows a query: it must show rows
            shown = eval(compile(code, notebook.name, "eval"), namespace)  # noqa: S307 - our own notebook
            assert len(shown.fetchall()) > 0, code
            queries += 1
        else:
            exec(compile(code, notebook.name, "exec"), namespace)  # noqa: S102
    assert queries > 0
