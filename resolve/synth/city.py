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
from .registries import REGISTRY_BUILDERS, Enterprises, build_enterprises
from .shapes import SourceSpec, get_shape
from .sources import Context, build_extract
from .text import format_dates
from .wild import wild_universe
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
    universe = wild_universe(seed) if city.universe == "wild" else None
    pop = build_population(rng, n_persons, city.shares, city.twin_rate, universe)
    ctx = Context(pop, seed)
    specs, records, bad, per_source = [], [], [], {}
    for spec in city.sources:
        spec, stats, rec, bad_rows = _write_source(ctx, spec, out)
        specs.append(spec)
        records.append(rec)
        bad.append(bad_rows)
        per_source[spec.name] = stats
    # Enterprises and properties: drawn after everything above, from streams of their own.
    ent = build_enterprises(np.random.default_rng([seed, 2]), pop)
    reg_records: dict[str, list[pd.DataFrame]] = {"enterprise": [], "property": []}
    for spec in city.registries:
        spec, stats, rec, bad_rows = _write_registry(ctx, ent, spec, out)
        specs.append(spec)
        reg_records[spec.entity].append(rec)
        bad.append(bad_rows)
        per_source[spec.name] = stats
    paths, formats = {s.name: s.path for s in specs}, {s.name: s.fmt for s in specs}
    (out / "config.yaml").write_text(config_yaml(specs, paths, formats), encoding="utf-8")
    person_records = pd.concat(records, ignore_index=True)
    all_bad = pd.concat(bad, ignore_index=True)
    _write_truth(out / "truth", pop, person_records, all_bad)
    ent_records, prop_records = _write_registry_truth(out / "truth", pop, ent, reg_records)
    seen = np.zeros(len(pop), dtype=bool)
    seen[person_records["person_uid"].str.slice(1).astype(np.int64).to_numpy()] = True
    return {
        "seed": seed, "shape": shape, "n_persons": n_persons, "out_dir": str(out),
        "config": str(out / "config.yaml"), "properties": len(pop.props),
        "twin_pairs": int((pop.twin >= 0).sum() // 2), "persons_in_no_source": int((~seen).sum()),
        "enterprises": len(ent), "enterprise_records": ent_records, "property_records": prop_records,
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


def _write_registry(ctx: Context, ent: Enterprises, spec: SourceSpec, out: Path):
    """One enterprise or property source: rows, bad rows and the true entity of every record."""
    pop = ctx.pop
    rows, cols, extra = REGISTRY_BUILDERS[spec.builder](pop, ent, spec, ctx.rng(spec.name, "records"))
    n = len(rows)
    spec = _fit_format(spec, n)
    rng = ctx.rng(spec.name, "rows")
    counts = bad_counts(spec, n)
    keys, fresh = assign_keys(rng, spec, None, n, sum(counts.get(k, 0) for k in FRESH_KEY_KINDS))
    table = plan_table(rng, spec, cols, keys, fresh, counts)
    write_table(out / spec.path, spec, table)
    uid = ent.uid[rows] if spec.entity == "enterprise" else pop.props.uid[rows]
    records = pd.DataFrame({"source": spec.name, "record_key": keys, f"{spec.entity}_uid": uid, **extra})
    bad = pd.DataFrame({"source": spec.name, "row_number": table.row_numbers(), "reason": [b.kind for b in table.bad]})
    stats = {"path": spec.path, "format": spec.fmt, "encoding": spec.config_encoding if spec.fmt == "csv" else None,
             "entity": spec.entity, "records": n, "bad_rows": len(table.bad), "rows": n + len(table.bad)}
    return spec, stats, records, bad


def _write_registry_truth(truth: Path, pop: Population, ent: Enterprises,
                          records: dict[str, list[pd.DataFrame]]) -> tuple[int, int]:
    """enterprise_records, enterprises, property_records (uids of truth/properties.csv) and property_owners."""
    e = pd.concat(records["enterprise"], ignore_index=True) if records["enterprise"] else pd.DataFrame(
        columns=["source", "record_key", "enterprise_uid"])
    p = pd.concat(records["property"], ignore_index=True) if records["property"] else pd.DataFrame(
        columns=["source", "record_key", "property_uid"])
    e[["source", "record_key", "enterprise_uid"]].to_csv(truth / "enterprise_records.csv", index=False)
    p[["source", "record_key", "property_uid"]].to_csv(truth / "property_records.csv", index=False)
    if "owner_person_uid" in p:
        owners = p.dropna(subset=["owner_person_uid"])
        owners[["source", "record_key", "property_uid", "owner_person_uid", "owner_enterprise_uid", "current"]].to_csv(
            truth / "property_owners.csv", index=False)
    ib = ent.is_ib
    pd.DataFrame({
        "enterprise_uid": ent.uid, "uscc": ent.uscc, "org_code": ent.org, "reg_number": ent.reg_number,
        "name": ent.name, "is_branch": ent.is_branch,
        "parent_enterprise_uid": np.where(ent.parent >= 0, ent.uid[np.maximum(ent.parent, 0)], ""),
        "is_individual_business": ib, "operator_person_uid": np.where(ib, pop.uid[ent.rep], ""),
        "legal_rep_person_uid": pop.uid[ent.rep], "site_property_uid": pop.props.uid[ent.site],
        "status": ent.status, "established_date": format_dates(ent.established, "iso"),
        "status_date": format_dates(ent.status_date.astype("datetime64[D]"), "iso"),
        "enterprise_type": ent.etype, "district_code": DISTRICT_CODES[ent.district],
    }).to_csv(truth / "enterprises.csv", index=False)
    return len(e), len(p)


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
