"""The pipeline: the only module that knows the order of the stages.

ingest -> standardise -> link -> cluster -> golden. A run builds a new registry file beside
the old one and moves it into place only when every stage finished and the invariants hold,
so an interrupted or failed run leaves the previous registry as it was.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from resolve import __version__
from resolve.cluster import cluster_persons
from resolve.config import Config
from resolve.engine import Engine
from resolve.errors import ResolveError
from resolve.golden import build_person_golden
from resolve.ingest import ingest
from resolve.link.person import link_persons
from resolve.standardise.person import standardise_persons

REGISTRY_FILE = "registry.duckdb"
PERSON_MODEL_FILE = "person_model.json"


@dataclass
class RunResult:
    registry: Path
    sources: pd.DataFrame
    counts: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)


def check_nothing_lost(engine: Engine) -> pd.DataFrame:
    """Rows read = xref rows + quarantine rows, per source; raise if any source breaks it."""
    frame = engine.df("""
        WITH x AS (SELECT source, count(*) AS linked FROM person_xref GROUP BY source),
             q AS (SELECT source, count(*) AS quarantined FROM quarantine GROUP BY source)
        SELECT i.source, i.entity, i.rows_read, coalesce(x.linked, 0) AS linked,
               coalesce(q.quarantined, 0) AS quarantined
        FROM ingest_sources i LEFT JOIN x USING (source) LEFT JOIN q USING (source)
        ORDER BY i.source""")
    broken = frame[frame["rows_read"] != frame["linked"] + frame["quarantined"]]
    if len(broken):
        rows = "; ".join(f"{r.source}: read {r.rows_read}, linked {r.linked}, quarantined {r.quarantined}"
                         for r in broken.itertuples())
        raise ResolveError(f"records were lost between ingest and the registry ({rows}); "
                           "the previous registry is left in place")
    return frame


def build_registry(engine: Engine, config: Config, model_out: Path | None = None,
                   model_in: Path | None = None,
                   progress: Callable[[str], None] | None = None) -> tuple[dict[str, float], dict[str, str]]:
    """Run every stage on ``engine``; return each stage's seconds and notes for run_info."""
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    notes: dict[str, str] = {}

    def stage(name: str, fn: Callable[[], None]) -> None:
        say(name)
        start = time.perf_counter()
        fn()
        timings[name] = time.perf_counter() - start

    stage("ingest", lambda: ingest(engine, config, progress=say))
    stage("standardise", lambda: standardise_persons(engine, config))
    stage("link", lambda: notes.update(
        person_model=link_persons(engine, config, model_out=model_out, model_in=model_in)))
    stage("cluster", lambda: cluster_persons(engine, config.link.threshold,
                                             config.link.valid_ids_never_merge,
                                             config.link.require_identity_evidence))
    stage("golden", lambda: build_person_golden(engine, config))
    return timings, notes


def _write_run_info(engine: Engine, config: Config, timings: dict[str, float], notes: dict[str, str]) -> None:
    """Written last, so it records every stage's time (the write itself is timed in RunResult)."""
    info = {
        "resolve_version": __version__,
        "config": str(config.config_path),
        "city": config.city,
        "region_code": config.region_code,
        "snapshot_date": config.snapshot_date.isoformat(),
        "threshold": str(config.link.threshold),
        "finished_at": dt.datetime.now().isoformat(timespec="seconds"),
        **{f"seconds_{k}": f"{v:.2f}" for k, v in timings.items()},
    }
    info.update(notes)
    engine.create_table_from_frame("run_info", pd.DataFrame({"key": list(info), "value": list(info.values())}))


LINKED_ENTITIES = ("person",)


def check_entities(config: Config) -> None:
    """Refuse, before any work, sources of an entity this version cannot link: their records
    would reach no xref table, and the registry must account for every row it reads."""
    waiting = [s for s in config.sources if s.entity not in LINKED_ENTITIES]
    if waiting:
        names = ", ".join(f"{s.name} ({s.entity})" for s in waiting)
        raise ResolveError(f"{config.config_path}: sources {names} cannot be linked by this version, which "
                           f"builds the {' and '.join(LINKED_ENTITIES)} registry; leave them out of this config "
                           "for now")


def run(config: Config, out_dir: str | Path, model: str | Path | None = None,
        progress: Callable[[str], None] | None = None) -> RunResult:
    check_entities(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    final = out / REGISTRY_FILE
    building = out / f".{REGISTRY_FILE}.building-{os.getpid()}"
    model_tmp = out / f".{PERSON_MODEL_FILE}.building-{os.getpid()}"
    for leftover in (building, model_tmp, Path(str(building) + ".wal")):
        leftover.unlink(missing_ok=True)
    if model is not None and not Path(model).exists():
        raise ResolveError(f"model file not found: {model}; pass a person_model.json saved by an earlier run")
    engine = Engine()  # the workspace: stages run in memory, the registry file is written once
    try:
        timings, notes = build_registry(engine, config, model_out=model_tmp,
                                        model_in=Path(model) if model else None, progress=progress)
        sources = check_nothing_lost(engine)
        counts = {
            "golden_persons": engine.scalar("SELECT count(*) FROM person_golden"),
            "person_records": engine.scalar("SELECT count(*) FROM person_xref"),
            "quarantined": engine.scalar("SELECT count(*) FROM quarantine"),
        }
        if progress:
            progress("write registry")
        start = time.perf_counter()
        _write_run_info(engine, config, timings, notes)
        engine.persist(building)
        timings["write"] = time.perf_counter() - start
    except BaseException:
        engine.close()
        building.unlink(missing_ok=True)
        Path(str(building) + ".wal").unlink(missing_ok=True)
        model_tmp.unlink(missing_ok=True)
        raise
    engine.close()
    os.replace(building, final)
    if model_tmp.exists():
        os.replace(model_tmp, out / PERSON_MODEL_FILE)
    return RunResult(registry=final, sources=sources, counts=counts, timings=timings)
