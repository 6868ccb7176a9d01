"""The hand-written addresses of fixtures/addresses: each residence address of the grid survey
must resolve to the property (or building, or verdict) expected.csv gives.

A model trained on a generated city is applied to the fixture, as in test_mini_fixture.
An answer is right when
- expected is a record key (RE…/HB…): resolution 'resolved' to that record's property;
- expected is ``building:K``: resolution 'building' on the building of K's property;
- expected is ``ambiguous``: resolution 'ambiguous';
- expected is ``not_found``: resolution 'not_found' or 'incomplete';
- expected is ``outside_city``: resolution 'outside_city'.
A wrong confident answer is a 'resolved' that is not right: another property, or a property
where only a building, several properties or nothing fit.
"""

import csv
from pathlib import Path

import pytest

from tests.conftest import run_fixture_city

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "addresses"
SOURCE = "grid_survey"

# housing bureau records that are the same property as a title (the rest only the bureau holds)
SAME_PROPERTY = {
    "HB0001": "RE0009", "HB0002": "RE0003", "HB0003": "RE0013", "HB0004": "RE0011", "HB0006": "RE0006",
    "HB0007": "RE0023", "HB0008": "RE0020", "HB0010": "RE0032", "HB0011": "RE0031", "HB0012": "RE0033",
    "HB0013": "RE0040", "HB0014": "RE0038", "HB0015": "RE0041", "HB0017": "RE0048", "HB0018": "RE0045",
    "HB0019": "RE0054", "HB0021": "RE0062", "HB0022": "RE0065", "HB0023": "RE0069", "HB0025": "RE0075",
    "HB0026": "RE0079", "HB0027": "RE0083", "HB0029": "RE0091", "HB0031": "RE0103", "HB0035": "RE0109",
    "HB0036": "RE0114", "HB0038": "RE0122", "HB0040": "RE0125", "HB0042": "RE0132", "HB0045": "RE0111",
    "HB0046": "RE0112", "HB0047": "RE0081",
}


def _read(name):
    with open(FIXTURE / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def registry(tmp_path_factory, trained_model):
    con = run_fixture_city(FIXTURE / "config.yaml", tmp_path_factory.mktemp("addresses"), trained_model)
    yield con
    con.close()


@pytest.fixture(scope="module")
def scored(registry):
    """One row per expected address: the expectation, what the product returned, and the verdict."""
    property_of = dict(registry.execute(
        "SELECT source || ':' || record_key, property_id FROM property_xref").fetchall())
    building_of = dict(registry.execute(
        "SELECT source || ':' || record_key, building_key FROM std_property").fetchall())
    got = {k: (res, pid, bkey, conf) for k, res, pid, bkey, conf in registry.execute(
        """SELECT record_key, resolution, property_id, building_key, confidence FROM address_resolution
           WHERE entity = 'person' AND role = 'residence' AND source = ?""", [SOURCE]).fetchall()}

    def key(record_key):
        return ("real_estate:" if record_key.startswith("RE") else "housing_bureau:") + record_key

    rows = []
    for e in _read("expected.csv"):
        res, pid, bkey, conf = got.get(e["record_key"], (None, None, None, None))
        expected = e["expected"]
        wrong_confident = False
        if expected.startswith("building:"):
            target = building_of.get(key(expected.split(":", 1)[1]))
            right = res == "building" and bkey is not None and bkey == target
            wrong_confident = res == "resolved"
        elif expected == "ambiguous":
            right = res == "ambiguous"
            wrong_confident = res == "resolved"
        elif expected == "not_found":
            right = res in ("not_found", "incomplete")
            wrong_confident = res == "resolved"
        elif expected == "outside_city":
            right = res == "outside_city"
            wrong_confident = res == "resolved"
        else:
            target = property_of.get(key(expected))
            right = res == "resolved" and pid is not None and pid == target
            wrong_confident = res == "resolved" and not right and (conf or 0) >= 0.9
        rows.append({**e, "resolution": res, "property_id": pid, "building_key": bkey, "confidence": conf,
                     "right": right, "wrong_confident": wrong_confident})
    return rows


def _table(rows):
    return "\n".join(f"  {r['record_key']} [{r['kind']}] {r['address']} -> expected {r['expected']}, "
                     f"got {r['resolution']} {r['property_id'] or r['building_key'] or ''} "
                     f"(confidence {r['confidence']})" for r in rows)


def _assert_all_right(scored, *kinds):
    rows = [r for r in scored if r["kind"] in kinds]
    assert rows, f"no rows of kind {kinds}"
    wrong = [r for r in rows if not r["right"]]
    assert not wrong, f"{len(wrong)} of {len(rows)} wrong:\n{_table(wrong)}"


def test_fixture_loads_whole(registry):
    """Nothing quarantined; every record of every source has its xref row; every surveyed
    person is a different person."""
    assert registry.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
    counts = dict(registry.execute("SELECT source, count(*) FROM property_xref GROUP BY 1").fetchall())
    assert counts == {"real_estate": len(_read("real_estate.csv")), "housing_bureau": len(_read("housing.csv"))}
    n, people = registry.execute("SELECT count(*), count(DISTINCT person_id) FROM person_xref WHERE source = ?",
                                 [SOURCE]).fetchone()
    assert n == people == len(_read("grid_survey.csv"))


def test_grid_survey_matches_expected():
    survey = {r["采集编号"]: r["现住址"] for r in _read("grid_survey.csv")}
    assert survey == {r["record_key"]: r["address"] for r in _read("expected.csv")}


def test_every_address_is_in_address_resolution(registry):
    """Rows read = rows in address_resolution for the fixture: no address silently dropped."""
    keys = [k for (k,) in registry.execute(
        "SELECT record_key FROM address_resolution WHERE entity = 'person' AND role = 'residence' AND source = ?",
        [SOURCE]).fetchall()]
    assert sorted(keys) == sorted(r["record_key"] for r in _read("expected.csv"))


def test_housing_records_join_their_titles(registry):
    """The property registry itself: a housing bureau record of a titled property is that property."""
    pid = dict(registry.execute("SELECT record_key, property_id FROM property_xref").fetchall())
    apart = [(hb, re) for hb, re in SAME_PROPERTY.items() if pid[hb] != pid[re]]
    assert not apart, f"housing records not joined to their title: {apart}"
    alone = [k for k in pid if k.startswith("HB") and k not in SAME_PROPERTY]
    titled = {pid[k] for k in pid if k.startswith("RE")}
    assert not [k for k in alone if pid[k] in titled], "a housing-only record was merged into a title"


def test_at_least_98_percent_right(scored):
    wrong = [r for r in scored if not r["right"]]
    right = len(scored) - len(wrong)
    print(f"\n{right} / {len(scored)} right ({right / len(scored):.1%}); wrong:\n{_table(wrong)}")
    assert right >= 0.98 * len(scored), f"{right} / {len(scored)} right; wrong:\n{_table(wrong)}"


def test_no_wrong_confident_answer(scored):
    wrong = [r for r in scored if r["wrong_confident"]]
    assert not wrong, f"{len(wrong)} wrong confident answers:\n{_table(wrong)}"


def test_two_units_with_the_same_room_stay_ambiguous(scored):
    _assert_all_right(scored, "ambiguous")


def test_village_lanes_resolve(scored):
    _assert_all_right(scored, "village_lane", "village_road_door", "new_village", "village_building")


def test_whole_houses_resolve(scored):
    _assert_all_right(scored, "whole_house", "whole_house_with_room", "non_dwelling")


def test_upper_and_lower_village_stay_apart(scored):
    _assert_all_right(scored, "upper_lower")


def test_estate_alias_resolves(scored):
    _assert_all_right(scored, "alias")


def test_estate_name_or_road_alone_resolves(scored):
    _assert_all_right(scored, "estate_only", "road_only", "housing_only")


def test_room_unit_and_building_forms(scored):
    _assert_all_right(scored, "room_form", "unit_form", "building_form", "lettered", "tower", "shop", "full",
                      "unit_missing")


def test_numerals_fullwidth_spaces(scored):
    _assert_all_right(scored, "numerals", "fullwidth", "spaces", "punct")


def test_administrative_prefix_variants(scored):
    _assert_all_right(scored, "district_only", "wrong_street", "short_district", "missing_suffix",
                      "repeated_prefix")


def test_one_character_typos_resolve(scored):
    _assert_all_right(scored, "typo")


def test_building_answers(scored):
    """No room, a floor, a room the library does not hold, 附近/对面/旁: the building, not a flat."""
    _assert_all_right(scored, "building_only", "floor_only", "room_not_held", "nearby")


def test_places_the_library_does_not_hold(scored):
    _assert_all_right(scored, "not_found", "building_not_held", "outside_city")
