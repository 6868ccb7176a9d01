"""The hand-made city in fixtures/mini: one person per hard case, each with its known answer.

The model is trained on a generated city and applied to the fixture with `--model`, as a
steward would reuse last month's model on a small delivery.
"""

import csv
from pathlib import Path

import pytest

from tests.conftest import run_fixture_city

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini"


@pytest.fixture(scope="module")
def registry(tmp_path_factory, trained_model):
    con = run_fixture_city(MINI / "config.yaml", tmp_path_factory.mktemp("mini"), trained_model)
    yield con
    con.close()


def partition(pairs):
    groups = {}
    for key, group in pairs:
        groups.setdefault(group, set()).add(key)
    return sorted(sorted(g) for g in groups.values())


def test_every_record_lands_with_its_person(registry):
    with open(MINI / "expected_persons.csv", encoding="utf-8") as fh:
        expected = [((r["source"], r["record_key"]), r["person"]) for r in csv.DictReader(fh)]
    got = [((s, k), p) for s, k, p in registry.execute("SELECT source, record_key, person_id FROM person_xref").fetchall()]
    assert partition(got) == partition(expected)


def test_the_starting_values_alone_find_every_person(tmp_path):
    """No model trained anywhere: the documented starting values score the hand-made city."""
    con = run_fixture_city(MINI / "config.yaml", tmp_path, None)
    try:
        got = [((s, k), p) for s, k, p in con.execute("SELECT source, record_key, person_id FROM person_xref").fetchall()]
        origin = con.execute("SELECT value FROM run_info WHERE key = 'person_model'").fetchall()[0][0]
    finally:
        con.close()
    with open(MINI / "expected_persons.csv", encoding="utf-8") as fh:
        expected = [((r["source"], r["record_key"]), r["person"]) for r in csv.DictReader(fh)]
    assert origin.startswith("starting values")
    assert partition(got) == partition(expected)


def test_twins_surveyed_without_ids_stay_apart(registry):
    refused = registry.execute("""
        SELECT a.record_key, b.record_key, r.reason FROM cluster_person_refused r
        JOIN std_person a ON a.rid = r.rid_l JOIN std_person b ON b.rid = r.rid_r""").fetchall()
    assert ("G001", "G002", "no_identity_evidence") in refused


def test_golden_values(registry):
    rows = {name: (status, id_number, birth) for name, status, id_number, birth in registry.execute(
        "SELECT name, status, id_number, birth_date FROM person_golden").fetchall()}
    assert rows["刘秀英"][0] == "deceased"               # death register beats a stale 正常
    assert rows["王建国"][1] == "440303196507120314"      # the 18-digit form of the old ID
    assert rows["陈晓明"][1] == "440305198802100422" and "陳曉明" not in rows   # t2s + 晓/小
    assert rows["买买提·艾力"][2] == "1978-01-01"
    assert rows["赵丽"][1] == "440306199208150639"        # the valid ID, not the survey's typo
