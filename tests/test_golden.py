"""Survivorship: each golden value is chosen by the config's rules and traced to its record."""

import datetime as dt

import pandas as pd
import pytest

from resolve.config import Config, SourceConfig
from resolve.engine import Engine
from resolve.golden import build_person_golden
from resolve.standardise.sql import register_macros

VALID = "11010519491231002X"
TYPO = "11010519491231012X"
COLUMNS = ["rid", "source", "record_key", "row_number", "id_number", "id_valid", "other_doc", "name_std", "sex",
           "birth_date", "birth_ym", "phone", "registered_address", "residence_address", "status",
           "status_date", "updated_at", "ethnicity", "employer_name", "employer_uscc", "guardian_name"]


def config(priority, person_rules=None):
    sources = [SourceConfig(name=n, department=n, entity="person", path=f"{n}.csv",
                            columns={"k": "record_key"}) for n in ("police", "deaths", "grid", "social")]
    return Config(city="深圳市", region_code="440300", snapshot_date=dt.date(2026, 10, 31), sources=sources,
                  survivorship={"source_priority": priority, "person": person_rules or {}})


def record(rid, source, **values):
    row = dict.fromkeys(COLUMNS)
    row.update(rid=rid, source=source, record_key=f"{source}-{rid}", row_number=rid)
    row.update({"id_valid": False, **values})
    return row


def golden(rows, cfg, person_id="P1"):
    e = Engine()
    register_macros(e)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("birth_date", "status_date", "updated_at"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    e.create_table_from_frame("std_person", frame)
    e.execute("ALTER TABLE std_person ALTER COLUMN id_valid TYPE BOOLEAN")
    e.create_table_from_frame("cluster_person", pd.DataFrame(
        {"rid": [r["rid"] for r in rows], "person_id": person_id, "cluster_probability": 0.99}))
    build_person_golden(e, cfg)
    g = e.df("SELECT * FROM person_golden").iloc[0].to_dict()
    lineage = {a: (s, k) for a, s, k in e.fetchall("SELECT attribute, source, record_key FROM person_lineage")}
    return g, lineage


def test_valid_id_beats_more_frequent_typo():
    rows = [record(1, "grid", id_number=TYPO), record(2, "social", id_number=TYPO),
            record(3, "police", id_number=VALID, id_valid=True)]
    g, lineage = golden(rows, config([]))
    assert g["id_number"] == VALID and g["id_valid"]
    assert lineage["id_number"] == ("police", "police-3")


def test_full_birth_date_beats_partial_and_source_priority_breaks_ties():
    rows = [record(1, "social", birth_ym="1949-12", name_std="张伟"),
            record(2, "grid", birth_date="1949-12-31", birth_ym="1949-12", name_std="张玮"),
            record(3, "police", name_std="张伟")]
    g, _ = golden(rows, config(["police", "grid"]))
    assert g["birth_date"] == "1949-12-31"
    assert g["name"] == "张伟"  # most frequent


def test_source_priority_from_config():
    rows = [record(1, "grid", registered_address="A"), record(2, "police", registered_address="B")]
    assert golden(rows, config(["police"]))[0]["registered_address"] == "B"
    assert golden(rows, config(["grid", "police"]))[0]["registered_address"] == "A"


def test_most_recent_residence():
    rows = [record(1, "police", residence_address="old", updated_at="2020-01-01"),
            record(2, "grid", residence_address="new", updated_at="2025-05-01")]
    assert golden(rows, config(["police"]))[0]["residence_address"] == "new"


@pytest.mark.parametrize("active_status_date, expected", [
    (None, "deceased"),            # a stale "active" with no status date
    ("2019-01-01", "deceased"),    # an older status statement
    ("2024-03-01", "active"),      # newer evidence: a dated statement after the death
])
def test_death_registration_outranks_stale_active(active_status_date, expected):
    rows = [record(1, "deaths", status="deceased", status_date="2020-06-01", updated_at="2020-06-05"),
            record(2, "police", status="active", status_date=active_status_date, updated_at="2026-01-01")]
    g, lineage = golden(rows, config(["police"]))
    assert g["status"] == expected
    if expected == "deceased":
        assert pd.Timestamp(g["status_date"]).date() == dt.date(2020, 6, 1) and lineage["status"] == ("deaths", "deaths-1")


def test_counts_and_sources():
    rows = [record(1, "police", name_std="甲"), record(2, "grid", name_std="甲"), record(3, "grid", name_std="甲")]
    g, _ = golden(rows, config([]))
    assert (g["n_records"], g["n_sources"], g["sources"]) == (3, 2, "grid,police")
    assert g["status"] == "active"


def test_an_id_completed_from_15_digits_is_not_valid():
    # 110105491231002 written in 15 digits: its 18-digit form passes the check character only
    # because the standardiser computed it, so the golden ID is not "valid"
    rows = [record(1, "police", id_number=VALID, id_valid=False, name_std="张伟"),
            record(2, "grid", id_number=VALID, id_valid=False, name_std="张伟")]
    g, _ = golden(rows, config([]))
    assert g["id_number"] == VALID and not g["id_valid"]
    # written as 18 digits by any record: valid
    rows[1]["id_valid"] = True
    g, _ = golden(rows, config([]))
    assert g["id_valid"]
