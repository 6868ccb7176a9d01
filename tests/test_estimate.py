"""The survey-calibrated resident estimate on a population written out by hand.

Two districts A (440304) and B (440305), one door-to-door survey that finds half of the
people who live here (its find rate φ = 0.5, the same in both):
- reference class: 400 people in each district stated to live there this year; the survey
  finds 200 of each;
- household registrations in A with nothing else recent (police records only): 400 people,
  of whom 300 live in the city; the survey finds 150 of them, 120 in A and 30 in B;
- payroll-only people (no address): 200, of whom the survey finds 50, all in B;
- 20 people only the survey knows, in A.

So the registration class lives here at 150 / (400 × 0.5) = 0.75, the payroll class at
50 / (200 × 0.5) = 0.5, and the estimate is
A = 400 + 150 × 0.8 + 250 × 0.6 × 0.8 + 20 × 2 = 680 and B = 400 + 30 + 250 × 0.6 × 0.2 + 100 = 560.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from resolve.config import Config, ReconcileConfig
from resolve.engine import Engine
from resolve.estimate import estimate_residents

A, B = "440304", "440305"


def _people() -> list[dict]:
    people = []

    def add(n, kind, home, found_in, counted, source="police_hukou"):
        for _ in range(n):
            people.append({"person_id": f"P{len(people):05d}", "kind": kind, "home": home, "found_in": found_in,
                           "counted": counted, "source": source})

    for district in (A, B):
        add(200, "statement", district, district, True, "floating_population")
        add(200, "statement", district, None, True, "floating_population")
    add(120, "registration", A, A, True)
    add(30, "registration", A, B, True)
    add(250, "registration", A, None, True)
    add(50, "none", None, B, False, "social_insurance")
    add(150, "none", None, None, False, "social_insurance")
    add(20, "survey_only", None, A, True, None)
    return people


def _engine(people: list[dict]) -> Engine:
    e = Engine()
    facts, std, xref, addresses = [], [], [], []
    updated = dt.date(2026, 9, 1)
    for p in people:
        pid = p["person_id"]
        facts.append({"person_id": pid, "alive": True, "registered_in_city": p["kind"] == "registration",
                      "registered_district_code": p["home"] if p["kind"] == "registration" else None,
                      "resident_in_city": p["counted"],
                      "residence_district_code": p["found_in"] or p["home"] if p["counted"] else None})
        records = []
        if p["source"]:
            records.append(p["source"])
        if p["found_in"]:
            records.append("grid_survey")
        for source in records:
            rid = len(std)
            std.append({"rid": rid, "source": source, "updated_at": updated})
            xref.append({"rid": rid, "person_id": pid})
        if p["kind"] == "statement":
            addresses.append({"entity": "person", "entity_id": pid, "role": "residence", "source": p["source"],
                              "resolution": "resolved", "district_code": p["home"], "updated_at": updated})
        if p["kind"] == "registration":
            addresses.append({"entity": "person", "entity_id": pid, "role": "registered", "source": p["source"],
                              "resolution": "resolved", "district_code": p["home"], "updated_at": updated})
        if p["found_in"]:
            addresses.append({"entity": "person", "entity_id": pid, "role": "residence", "source": "grid_survey",
                              "resolution": "resolved", "district_code": p["found_in"], "updated_at": updated})
    for name, rows in (("recon_person_facts", facts), ("std_person", std), ("person_xref", xref),
                       ("address_resolution", addresses)):
        e.create_table_from_frame(name, pd.DataFrame(rows))
    return e


def _config(surveys: list[str]) -> Config:
    return Config(city="深圳市", region_code="440300", snapshot_date=dt.date(2026, 10, 31), sources=[],
                  reconcile=ReconcileConfig(survey_sources=surveys))


@pytest.fixture(scope="module")
def estimated() -> Engine:
    e = _engine(_people())
    estimate_residents(e, _config(["grid_survey"]))
    yield e
    e.close()


def test_residency_rates_are_the_survey_share_over_the_reference_share(estimated):
    rates = {(k, r): v for k, r, v in estimated.fetchall(
        "SELECT kind, recency, residency_rate FROM recon_resident_classes")}
    assert rates[("statement", "0-1")] == pytest.approx(1.0)
    assert rates[("registration", "0-1")] == pytest.approx(0.75)
    assert rates[("none", "0-1")] == pytest.approx(0.5)


def test_estimate_per_district_and_city(estimated):
    rows = {d: (c, e, u) for d, c, e, u in estimated.fetchall(
        "SELECT district_code, counted, estimate, unseen FROM recon_resident_estimate")}
    assert rows[A][1] == 680 and rows[B][1] == 560
    assert rows[None][1] == 1240
    assert rows[A][2] == 20 and rows[None][2] == 20      # the 20 survey-only people stand for 40
    assert rows[None][0] == 800 + 400 + 20               # the list counts the registrations, not the payrolls


def test_unfound_registrations_live_where_the_found_ones_do(estimated):
    moves = {(h, d): s for h, d, s in estimated.fetchall(
        "SELECT home_district, district_code, share FROM recon_resident_moves WHERE kind = 'registration'")}
    assert moves[(A, A)] == pytest.approx(0.8) and moves[(A, B)] == pytest.approx(0.2)
    spread = dict(estimated.fetchall(
        "SELECT district_code, probability FROM recon_person_estimate WHERE person_id = 'P00950'"))
    assert spread == pytest.approx({A: 0.48, B: 0.12})   # one of the 250 unfound: 0.6 in all


def test_standard_error_is_positive_and_smaller_than_the_estimate(estimated):
    se, estimate = estimated.fetchall(
        "SELECT standard_error, estimate FROM recon_resident_estimate WHERE district_code IS NULL")[0]
    assert 0 < se < 0.1 * estimate


def test_without_a_survey_the_estimate_is_the_count():
    e = _engine(_people())
    estimate_residents(e, _config([]))
    rows = e.fetchall("SELECT district_code, counted, estimate, unseen FROM recon_resident_estimate")
    assert rows and all(c == est and u == 0 for _d, c, est, u in rows)
    assert {b for (b,) in e.fetchall("SELECT DISTINCT basis FROM recon_resident_classes")} == {"counted"}
    e.close()
