"""generate_city: one seeded synthetic city, its departments' extracts, a config and the ground truth."""
from __future__ import annotations

import time
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .geography import DISTRICT_CODES
from .population import Population, build_population
from .shapes import SourceSpec, get_shape
from .sources import Context, build_extract
from .text import format_dates
from .writers import assign_keys, bad_counts, config_yaml, plan_table, write_table

XLSX_MAX_ROWS = 200_000
FRESH_KEY_KINDS = ("bad_field_count", "undecodable")


def generate_city(out_dir, seed: int = 1, n_persons: int = 20000, shape: str = "default") -> dict:
    """Write out_dir/sources/*, out_dir/config.yaml and out_dir/truth/*; return a summary.

    Deterministic for (seed, n_persons, shape). An XLSX extract with more than 200,000 rows is
    written as Parquet instead (path and config follow), since openpyxl is too slow for it.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    city = get_shape(shape)
    rng = np.random.default_rng([seed, zlib.crc32(b"population")])
    pop = build_population(rng, n_persons, city.shares, city.twin_rate)
    ctx = Context(pop, seed)
    specs, records, bad, per_source = [], [], [], {}
    for spec in city.sources:
        spec, stats, rec, bad_rows = _write_source(ctx, spec, out)
        specs.append(spec)
        records.append(rec)
        bad.append(bad_rows)
        per_source[spec.name] = stats
    (out / "config.yaml").write_text(
        config_yaml(specs, {s.name: s.path for s in specs}, {s.name: s.fmt for s in specs}), encoding="utf-8")
    person_records = pd.concat(records, ignore_index=True)
    _write_truth(out / "truth", pop, person_records, pd.concat(bad, ignore_index=True))
    seen = np.zeros(len(pop), dtype=bool)
    seen[person_records["person_uid"].str.slice(1).astype(np.int64).to_numpy()] = True
    return {
        "seed": seed, "shape": shape, "n_persons": n_persons, "out_dir": str(out),
        "config": str(out / "config.yaml"), "properties": len(pop.props),
        "twin_pairs": int((pop.twin >= 0).sum() // 2), "persons_in_no_source": int((~seen).sum()),
        "sources": per_source,
        "records": int(sum(s["records"] for s in per_source.values())),
        "bad_rows": int(sum(s["bad_rows"] for s in per_source.values())),
        "rows_written": int(sum(s["rows"] for s in per_source.values())),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _fit_format(spec: SourceSpec, n: int) -> SourceSpec:
    if spec.fmt == "xlsx" and n > XLSX_MAX_ROWS:
        return replace(spec, fmt="parquet", path=str(Path(spec.path).with_suffix(".parquet")))
    return spec


def _write_source(ctx: Context, spec: SourceSpec, out: Path):
    extract = build_extract(ctx, spec)
    n = len(extract.persons)
    spec = _fit_format(spec, n)
    rng = ctx.rng(spec.name, "rows")
    counts = bad_counts(spec, n)
    keys, fresh = assign_keys(rng, spec, extract.cols.get("key"), n, sum(counts.get(k, 0) for k in FRESH_KEY_KINDS))
    table = plan_table(rng, spec, extract.cols, keys, fresh, counts)
    write_table(out / spec.path, spec, table)
    records = pd.DataFrame({"source": spec.name, "record_key": keys, "person_uid": ctx.pop.uid[extract.persons]})
    bad = pd.DataFrame({"source": spec.name, "row_number": table.row_numbers(), "reason": [b.kind for b in table.bad]})
    stats = {"path": spec.path, "format": spec.fmt, "encoding": spec.config_encoding if spec.fmt == "csv" else None,
             "records": n, "bad_rows": len(table.bad), "rows": n + len(table.bad)}
    return spec, stats, records, bad


def _write_truth(truth: Path, pop: Population, person_records: pd.DataFrame, bad: pd.DataFrame) -> None:
    truth.mkdir(parents=True, exist_ok=True)
    person_records.to_csv(truth / "person_records.csv", index=False)
    bad.to_csv(truth / "bad_rows.csv", index=False)
    persons_frame(pop).to_csv(truth / "persons.csv", index=False)
    a = np.flatnonzero((pop.twin >= 0) & (np.arange(len(pop)) < pop.twin))
    pd.DataFrame({"person_uid_a": pop.uid[a], "person_uid_b": pop.uid[pop.twin[a]]}).to_csv(truth / "twins.csv", index=False)
    pop.props.frame().to_csv(truth / "properties.csv", index=False)


def persons_frame(pop: Population) -> pd.DataFrame:
    """The true persons; district codes and property uids are set exactly where the flag is true."""
    props = pop.props
    reg = np.where(pop.registered_in_city, pop.reg_property, -1)
    res = np.where(pop.resident_in_city, pop.res_property, -1)
    district = lambda prop: np.where(prop >= 0, DISTRICT_CODES[props.district[np.maximum(prop, 0)]], "")
    uid = lambda prop: np.where(prop >= 0, props.uid[np.maximum(prop, 0)], "")
    return pd.DataFrame({
        "person_uid": pop.uid, "id_number": pop.id_number, "name": pop.name, "sex": pop.sex,
        "birth_date": format_dates(pop.birth, "iso"), "status": pop.status,
        "registered_in_city": pop.registered_in_city, "registered_district_code": district(reg),
        "resident_in_city": pop.resident_in_city, "residence_district_code": district(res),
        "residence_property_uid": uid(res), "registered_property_uid": uid(reg),
        "category": pop.category, "document_number": pop.document, "household_id": pop.family,
        "status_date": format_dates(pop.status_date, "iso"),
    })
