"""The pipeline: the only module that knows the order of the stages.

ingest -> standardise -> link -> cluster -> golden -> relate -> reconcile, for persons,
enterprises and properties. A run builds a new registry file beside
the old one and moves it into place only when every stage finished and the invariants hold,
so an interrupted or failed run leaves the previous registry as it was.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from resolve import __version__
from resolve.cluster import cluster_registries
from resolve.config import Config
from resolve.engine import Engine
from resolve.errors import ResolveError
from resolve.golden import (
    build_enterprise_golden,
    build_person_golden,
    build_property_golden,
)
from resolve.identity import PREVIOUS, assign_stable_ids, run_number, write_id_history
from resolve.ingest import ingest
from resolve.link.enterprise import link_enterprises
from resolve.link.person import link_persons
from resolve.link.property import link_properties
from resolve.overrides import load_overrides, write_log, write_status
from resolve.reconcile import reconcile
from resolve.relate import relate
from resolve.outputs import building, commit, committing, output_folder, remove
from resolve.report import REPORT_FOLDER, build_report
from resolve.standardise.enterprise import standardise_enterprises
from resolve.standardise.person import standardise_persons
from resolve.standardise.property import standardise_properties

REGISTRY_FILE = "registry.duckdb"
PARQUET_FOLDER = "registry.parquet"  # a Spark run's registry, a folder of Parquet per table
PERSON_MODEL_FILE = "person_model.json"
ENTERPRISE_MODEL_FILE = "enterprise_model.json"
PROPERTY_MODEL_FILE = "property_model.json"
MODEL_FILES = {"person": PERSON_MODEL_FILE, "enterprise": ENTERPRISE_MODEL_FILE, "property": PROPERTY_MODEL_FILE}


@dataclass
class RunResult:
    registry: Path
    sources: pd.DataFrame
    counts: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)  # entity -> where its model came from, and why


def check_nothing_lost(engine: Engine) -> pd.DataFrame:
    """Rows read = xref rows + quarantine rows, per source; raise if any source breaks it."""
    xrefs = " UNION ALL ".join(f"SELECT source FROM {e}_xref" for e in LINKED_ENTITIES
                               if engine.has_table(f"{e}_xref"))
    frame = engine.df(f"""
        WITH x AS (SELECT source, count(*) AS linked FROM ({xrefs}) GROUP BY source),
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
                   progress: Callable[[str], None] | None = None,
                   update: str | None = None) -> tuple[dict[str, float], dict[str, str]]:
    """Run every stage on ``engine``; return each stage's seconds and notes for run_info.

    ``update`` names a source whose new delivery is linked to the previous registry (attached
    as ``previous``) with the models saved beside it (``model_in``: the person model; the
    others beside it): nothing is trained, and only the person pairs touching the delivery
    are scored."""
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    notes: dict[str, str] = {}

    def stage(name: str, fn: Callable[[], None]) -> None:
        say(name)
        start = time.perf_counter()
        fn()
        timings[name] = time.perf_counter() - start

    def beside(entity: str) -> Path | None:  # the other models are written beside the person model
        return model_out.with_name(model_out.name.replace(PERSON_MODEL_FILE, MODEL_FILES[entity])) \
            if model_out else None

    def saved(entity: str) -> Path | None:
        return model_in.with_name(MODEL_FILES[entity]) if update and model_in else None

    threshold = config.link.threshold
    entries = load_overrides(config)
    write_log(engine, entries)
    if config.overrides_dir:
        notes["overrides"] = f"{len(entries)} entries in {config.overrides_dir}"
    stage("ingest", lambda: ingest(engine, config, progress=say, only=update, previous=PREVIOUS if update else None))
    # properties first: their records teach the other names of places (standardise/places.py)
    stage("standardise_property", lambda: standardise_properties(engine, config))
    stage("standardise_person", lambda: standardise_persons(engine, config))
    # after the others: it links their employer and owner fields too
    stage("standardise_enterprise", lambda: standardise_enterprises(engine, config))
    stage("link_person", lambda: notes.update(
        person_model=link_persons(engine, config, model_out=model_out, model_in=model_in,
                                  changed=[update] if update else None, previous=PREVIOUS if update else None)))
    stage("link_enterprise", lambda: notes.update(
        enterprise_model=link_enterprises(engine, config, model_out=beside("enterprise"),
                                          model_in=saved("enterprise"))))
    stage("link_property", lambda: notes.update(
        property_model=link_properties(engine, config, model_out=beside("property"), model_in=saved("property"))))
    stage("cluster", lambda: cluster_registries(engine, config, threshold))
    stage("identify", lambda: notes.update(run=str(identify(engine))))
    stage("golden", lambda: (build_person_golden(engine, config), build_enterprise_golden(engine, config),
                             build_property_golden(engine, config)))
    stage("relate", lambda: relate(engine, config))
    stage("reconcile", lambda: reconcile(engine, config))
    write_status(engine)
    return timings, notes


def identify(engine: Engine) -> int:
    """Carry the previous registry's IDs over (see resolve/identity.py); return the run number."""
    run = run_number(engine)
    at = dt.datetime.now().replace(microsecond=0)
    for entity in LINKED_ENTITIES:
        if engine.has_table(f"cluster_{entity}"):
            assign_stable_ids(engine, entity, run, at)
    write_id_history(engine, LINKED_ENTITIES)
    return run


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


LINKED_ENTITIES = ("person", "enterprise", "property")


def run(config: Config, out_dir: str | Path, model: str | Path | None = None,
        progress: Callable[[str], None] | None = None, update: str | None = None,
        permissions: str | None = None, backend: str = "duckdb", spark_master: str = "local[*]") -> RunResult:
    """Build ``out_dir/registry.duckdb``, its models and its report; with ``update``, link that
    source's new delivery to the registry already there with its saved models instead of
    rebuilding from scratch. Registry, models and report are built beside the old ones and
    replace them together (resolve/outputs.py): a failed run changes nothing. ``backend``
    ``spark`` runs the same stages on Spark (``spark_master``) and also writes the registry
    as Parquet (``registry.parquet``)."""
    out = Path(out_dir)
    if backend not in ("duckdb", "spark"):
        raise ResolveError(f"backend '{backend}' is not one of duckdb, spark")
    with output_folder(out, permissions or config.output.permissions):
        return _run(config, out, model, progress, update, permissions or config.output.permissions,
                    backend, spark_master)


def _engine(backend: str, spark_master: str) -> Engine:
    if backend == "duckdb":
        return Engine()  # the workspace: stages run in memory, the registry file is written once
    from resolve.engine import SparkEngine

    return SparkEngine(master=spark_master)


def _run(config: Config, out: Path, model: str | Path | None, progress: Callable[[str], None] | None,
         update: str | None, permissions: str, backend: str = "duckdb", spark_master: str = "local[*]") -> RunResult:
    final = out / REGISTRY_FILE
    registry = building(out, REGISTRY_FILE)
    parquet = building(out, PARQUET_FOLDER) if backend == "spark" else None
    models = {name: building(out, name) for name in MODEL_FILES.values()}
    report = building(out, REPORT_FOLDER)
    if update is not None:
        if update not in {s.name for s in config.sources}:
            raise ResolveError(f"'{update}' is not a source in {config.config_path}; use one of "
                               f"{sorted(s.name for s in config.sources)}")
        if not final.exists():
            raise ResolveError(f"{final}: no registry to update; build one with `resolve run CONFIG --out {out}`")
        needed = [out / MODEL_FILES[e] for e in LINKED_ENTITIES if config.sources_for(e)]
        missing = [str(p) for p in needed if not p.exists()]
        if missing:
            raise ResolveError(f"saved model(s) missing: {', '.join(missing)}; rebuild with `resolve run` to save them")
        model = out / PERSON_MODEL_FILE
    if model is not None and not Path(model).exists():
        raise ResolveError(f"model file not found: {model}; pass a person_model.json saved by an earlier run")
    if progress:
        progress(f"starting {backend}")
    engine = _engine(backend, spark_master)
    try:
        if final.exists():  # its IDs are carried over
            engine.attach(final, PREVIOUS)
        timings, notes = build_registry(engine, config, model_out=None if update else models[PERSON_MODEL_FILE],
                                        model_in=Path(model) if model else None, progress=progress, update=update)
        if update:
            notes["update"] = update
        notes["command"] = (f"resolve update {config.config_path} --source {update} --out {out.resolve()}" if update
                            else f"resolve run {config.config_path} --out {out.resolve()}"
                            + (f" --model {Path(model).resolve()}" if model else "")
                            + (f" --backend spark --spark-master '{spark_master}'" if backend == "spark" else ""))
        sources = check_nothing_lost(engine)
        counts = {
            "golden_persons": engine.scalar("SELECT count(*) FROM person_golden"),
            "golden_enterprises": engine.scalar("SELECT count(*) FROM enterprise_golden"),
            "enterprise_records": engine.scalar("SELECT count(*) FROM enterprise_xref"),
            "golden_properties": engine.scalar("SELECT count(*) FROM property_golden"),
            "property_records": engine.scalar("SELECT count(*) FROM property_xref"),
            "person_records": engine.scalar("SELECT count(*) FROM person_xref"),
            "quarantined": engine.scalar("SELECT count(*) FROM quarantine"),
            "overrides": dict(engine.fetchall("SELECT status, count(*) FROM override_status GROUP BY 1 ORDER BY 1")),
        }
        if progress:
            progress("write registry")
        start = time.perf_counter()
        _write_run_info(engine, config, timings, notes)
        engine.persist(registry, parquet=parquet)
        timings["write"] = time.perf_counter() - start
        engine.close()
        if progress:
            progress("report")
        start = time.perf_counter()
        build_report(registry, report)  # from the new registry, before anything is replaced
        timings["report"] = time.perf_counter() - start
        commit(out, [(registry, final), *((models[n], out / n) for n in MODEL_FILES.values()),
                     (report, out / REPORT_FOLDER), *([(parquet, out / PARQUET_FOLDER)] if parquet else [])],
               permissions)
    except BaseException:
        engine.close()
        if not committing(out):  # else they are moved into place by the next command
            for path in [registry, Path(str(registry) + ".wal"), report, *models.values(), *([parquet] if parquet else [])]:
                remove(path)
        raise
    models_used = {k.removesuffix("_model"): v for k, v in notes.items() if k.endswith("_model")}
    return RunResult(registry=final, sources=sources, counts=counts, timings=timings, models=models_used)
