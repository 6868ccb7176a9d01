"""evaluate_registry on hand-built registries: clusters, entity maps and relation accuracy."""

import csv
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from resolve.cli import main
from resolve.errors import ResolveError
from resolve.evaluate import _entity_maps, evaluate_registry

# Truth: six persons (P6 has a truth record the registry never linked), four properties
# (H4's only title is not in property_xref), four enterprises (E2 a branch of E1; E4 unrecorded).
TRUTH = {
    "person_records.csv": (["source", "record_key", "person_uid"], [
        ("hukou", "a1", "P1"), ("grid", "g1", "P1"), ("hukou", "a2", "P2"), ("hukou", "a3", "P3"),
        ("grid", "g3", "P3"), ("hukou", "a4", "P4"), ("hukou", "a5", "P5"), ("hukou", "a6", "P6")]),
    "twins.csv": (["person_uid_a", "person_uid_b"], [("P3", "P4")]),
    "persons.csv": (["person_uid", "resident_in_city", "residence_district_code", "residence_property_uid",
                     "registered_property_uid"], [
        ("P1", "True", "440305", "H1", "H1"), ("P2", "True", "440305", "H2", ""),
        ("P3", "True", "440305", "H2", "H3"), ("P4", "True", "440305", "H3", ""),
        ("P5", "False", "", "", ""), ("P6", "True", "440305", "H3", "H3")]),
    "property_records.csv": (["source", "record_key", "property_uid"], [
        ("real_estate", "t1", "H1"), ("housing", "b1", "H1"), ("real_estate", "t5", "H1"),
        ("real_estate", "t2", "H2"), ("housing", "b2", "H2"), ("real_estate", "t3", "H3"),
        ("real_estate", "t4", "H4")]),
    "properties.csv": (["property_uid", "district_code", "use"], [
        ("H1", "440305", "residential"), ("H2", "440305", "residential"), ("H3", "440305", "residential"),
        ("H4", "440305", "commercial")]),
    # t1: P1 owns H1; t5: P2 owned H1 before; t2: E1 owns H2; t3: an authority owns H3;
    # t4: P3 owns H4 but the title is not in the registry.
    "property_owners.csv": (["source", "record_key", "property_uid", "owner_person_uid", "owner_enterprise_uid",
                             "current"], [
        ("real_estate", "t1", "H1", "P1", "", "True"), ("real_estate", "t5", "H1", "P2", "", "False"),
        ("real_estate", "t2", "H2", "", "E1", "True"), ("real_estate", "t3", "H3", "", "", "True"),
        ("real_estate", "t4", "H4", "P3", "", "True")]),
    "enterprise_records.csv": (["source", "record_key", "enterprise_uid"], [
        ("market_regulation", "m1", "E1"), ("tax", "x1", "E1"), ("market_regulation", "m2", "E2"),
        ("tax", "x2", "E2"), ("market_regulation", "m3", "E3")]),
    "enterprises.csv": (["enterprise_uid", "uscc", "org_code", "name", "is_branch", "parent_enterprise_uid",
                         "is_individual_business", "operator_person_uid", "legal_rep_person_uid",
                         "site_property_uid", "status"], [
        ("E1", "91440300MA5A0P572A", "MA5A0P572", "甲公司", "False", "", "False", "", "P1", "H2", "active"),
        ("E2", "91440300MA5A0P573B", "MA5A0P573", "甲公司福田分公司", "True", "E1", "False", "", "P3", "H2",
         "active"),
        ("E3", "92440300MA5A0P574C", "", "乙商店", "False", "", "True", "P2", "P2", "H3", "active"),
        ("E4", "91440300MA5A0P575D", "MA5A0P575", "丙公司", "False", "", "False", "", "P1", "H1", "active")]),
}

# A registry that gets everything right (zz is a record the truth does not know: ignored).
PERFECT = {
    "person_xref": (["source", "record_key", "person_id"], [
        ("hukou", "a1", "p1"), ("grid", "g1", "p1"), ("hukou", "a2", "p2"), ("hukou", "a3", "p3"),
        ("grid", "g3", "p3"), ("hukou", "a4", "p4"), ("hukou", "a5", "p5"), ("hukou", "zz", "p9")]),
    "person_golden": (["person_id", "name"], [("p1", "甲"), ("p2", "乙")]),
    "property_xref": (["source", "record_key", "property_id"], [
        ("real_estate", "t1", "h1"), ("housing", "b1", "h1"), ("real_estate", "t5", "h1"),
        ("real_estate", "t2", "h2"), ("housing", "b2", "h2"), ("real_estate", "t3", "h3")]),
    "property_golden": (["property_id", "district_code", "use"], [
        ("h1", "440305", "residential"), ("h2", "440305", "residential"), ("h3", "440305", "residential")]),
    "person_residence": (["person_id", "property_id", "basis", "as_of"], [
        ("p1", "h1", "grid", "2026-10-31"), ("p2", "h2", "grid", "2026-10-31"),
        ("p3", "h2", "grid", "2026-10-31"), ("p4", "h3", "grid", "2026-10-31")]),
    "person_registered_property": (["person_id", "property_id"], [("p1", "h1"), ("p3", "h3")]),
    "enterprise_xref": (["source", "record_key", "enterprise_id", "match_probability", "row_number", "rid"], [
        ("market_regulation", "m1", "e1", "1.0", "1", "1"), ("tax", "x1", "e1", "0.99", "1", "2"),
        ("market_regulation", "m2", "e2", "1.0", "2", "3"), ("tax", "x2", "e2", "0.99", "2", "4"),
        ("market_regulation", "m3", "e3", "1.0", "3", "5")]),
    "enterprise_golden": (["enterprise_id", "uscc", "org_code", "name", "is_branch", "parent_enterprise_id"], [
        ("e1", "91440300MA5A0P572A", "MA5A0P572", "甲公司", "false", ""),
        ("e2", "91440300MA5A0P573B", "MA5A0P573", "甲公司福田分公司", "true", "e1"),
        ("e3", "92440300MA5A0P574C", "", "乙商店", "false", "")]),
    "enterprise_legal_rep": (["enterprise_id", "person_id", "basis"], [
        ("e1", "p1", "market_regulation"), ("e2", "p3", "market_regulation"), ("e3", "p2", "market_regulation")]),
    "enterprise_site": (["enterprise_id", "property_id"], [("e1", "h2"), ("e2", "h2"), ("e3", "h3")]),
    "property_owner": (["property_id", "person_id", "enterprise_id", "source", "record_key"], [
        ("h1", "p1", None, "real_estate", "t1"), ("h1", "p2", None, "real_estate", "t5"),
        ("h2", None, "e1", "real_estate", "t2"), ("h3", None, None, "real_estate", "t3")]),
}

PERSON_KEYS = ["person_records", "person_pairwise_precision", "person_pairwise_recall", "person_pairwise_f1",
               "person_bcubed_precision", "person_bcubed_recall", "person_bcubed_f1",
               "person_predicted_entities", "person_true_entities", "person_truth_records_not_linked",
               "person_twin_pairs", "person_twin_pairs_merged"]
CLUSTER_KEYS = ["records", "pairwise_precision", "pairwise_recall", "pairwise_f1", "bcubed_precision",
                "bcubed_recall", "bcubed_f1", "predicted_entities", "true_entities", "truth_records_not_linked"]
RELATIONS = ["residence", "registered_property", "legal_rep", "site", "owner"]
LIVING_KEYS = ["residence_living_residents", "residence_accuracy_living", "residence_stated_living_share",
               "residence_accuracy_stated"]
RESOLUTIONS = ["resolved", "building", "ambiguous", "not_found", "outside_city", "incomplete"]


def write_truth(folder: Path, drop=(), truth=TRUTH) -> Path:
    (folder / "truth").mkdir(parents=True)
    for name, (columns, rows) in truth.items():
        if name in drop:
            continue
        with open(folder / "truth" / name, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            writer.writerows(rows)
    return folder


def write_registry(folder: Path, tables: dict, drop=(), **replace) -> Path:
    folder.mkdir(parents=True)
    con = duckdb.connect(str(folder / "registry.duckdb"))
    for name, (columns, rows) in {**tables, **replace}.items():
        if name in drop:
            continue
        con.execute(f"CREATE TABLE {name} ({', '.join(c + ' VARCHAR' for c in columns)})")
        if rows:
            con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})", rows)
    con.close()
    return folder


def with_rows(table: str, *rows, base=PERFECT, without=()):
    """``table`` of ``base`` with the rows whose first two values are in ``without`` removed and ``rows`` added."""
    columns, old = base[table]
    return columns, [r for r in old if tuple(r[:2]) not in without] + list(rows)


@pytest.fixture
def truth(tmp_path):
    return write_truth(tmp_path / "city")


def evaluate(tmp_path, truth, name="out", drop=(), **replace):
    return evaluate_registry(write_registry(tmp_path / name, PERFECT, drop=drop, **replace), truth)


def test_perfect_registry_scores_one(tmp_path, truth):
    m = evaluate(tmp_path, truth)
    for kind in ("person", "enterprise", "property"):
        for key in ("pairwise_precision", "pairwise_recall", "pairwise_f1", "bcubed_precision", "bcubed_recall",
                    "bcubed_f1"):
            assert m[f"{kind}_{key}"] == 1.0, (kind, key)
    assert (m["person_records"], m["person_predicted_entities"], m["person_true_entities"]) == (7, 5, 5)
    assert m["person_truth_records_not_linked"] == 1  # a6
    assert (m["person_twin_pairs"], m["person_twin_pairs_merged"]) == (1, 0)
    assert (m["enterprise_records"], m["enterprise_predicted_entities"], m["enterprise_true_entities"]) == (5, 3, 3)
    assert m["enterprise_truth_records_not_linked"] == 0
    assert (m["enterprise_branches"], m["enterprise_branch_merged_with_parent"]) == (1, 0)
    assert (m["property_records"], m["property_predicted_entities"], m["property_true_entities"]) == (6, 3, 3)
    assert m["property_truth_records_not_linked"] == 1  # t4
    # P6 has a residence but no linked record, so is not counted; E4 has no records; the
    # authority's title t3, the superseded t5 and the unlinked t4 are not owner facts.
    expected_known = {"residence": 4, "registered_property": 2, "legal_rep": 3, "site": 3, "owner": 2}
    for rel in RELATIONS:
        assert (m[f"{rel}_known"] == m[f"{rel}_reachable"] == m[f"{rel}_resolved"] == m[f"{rel}_correct"]
                == expected_known[rel]), rel
        assert m[f"{rel}_accuracy"] == m[f"{rel}_accuracy_resolved"] == 1.0, rel
    # Living residents: P1-P4 and P6 (P5 lives outside the city); P6 is in no source, so wrong.
    # Without address_resolution a linked record counts as a statement: P1-P4.
    assert m["residence_living_residents"] == 5
    assert m["residence_accuracy_living"] == pytest.approx(4 / 5)
    assert m["residence_stated_living_share"] == pytest.approx(4 / 5)
    assert m["residence_accuracy_stated"] == 1.0
    assert list(m)[:len(PERSON_KEYS)] == PERSON_KEYS
    assert set(m) == set(PERSON_KEYS) | {f"{k}_{c}" for k in ("enterprise", "property") for c in CLUSTER_KEYS} | {
        "enterprise_branches", "enterprise_branch_merged_with_parent", "residence_stated_share"} | set(LIVING_KEYS) | {
        f"{r}_{s}" for r in RELATIONS for s in ("known", "reachable", "resolved", "correct", "accuracy", "accuracy_resolved")}


def test_branch_merged_with_parent(tmp_path, truth):
    merged = [("market_regulation", "m2", "e1", "1.0", "2", "3"), ("tax", "x2", "e1", "0.99", "2", "4")]
    m = evaluate(tmp_path, truth,
                 enterprise_xref=with_rows("enterprise_xref", *merged, without={("market_regulation", "m2"),
                                                                               ("tax", "x2")}),
                 enterprise_legal_rep=with_rows("enterprise_legal_rep", without={("e2", "p3")}),
                 enterprise_site=with_rows("enterprise_site", without={("e2", "h2")}))
    assert (m["enterprise_branches"], m["enterprise_branch_merged_with_parent"]) == (1, 1)
    # e1 holds 4 records: 6 predicted pairs, of which 2 are true (m1-x1, m2-x2).
    assert m["enterprise_pairwise_precision"] == pytest.approx(2 / 6)
    assert m["enterprise_pairwise_recall"] == 1.0
    assert m["enterprise_bcubed_precision"] == pytest.approx((4 * 0.5 + 1) / 5)
    assert m["enterprise_predicted_entities"] == 2
    # E2 now maps to e1, whose legal representative is P1, not P3; its site (H2) happens to agree.
    # e1 has two records of E1 and two of E2: the tie goes to E1, so E1's owner title t2 is right.
    assert (m["legal_rep_known"], m["legal_rep_resolved"], m["legal_rep_correct"]) == (3, 3, 2)
    assert m["legal_rep_accuracy"] == pytest.approx(2 / 3)
    assert m["site_accuracy"] == 1.0
    assert m["owner_accuracy"] == 1.0


def test_wrong_residence_lowers_accuracy_by_one_in_known(tmp_path, truth):
    residence = with_rows("person_residence", ("p4", "h1", "grid", "2026-10-31"), without={("p4", "h3")})
    m = evaluate(tmp_path, truth, person_residence=residence)
    assert (m["residence_known"], m["residence_resolved"], m["residence_correct"]) == (4, 4, 3)
    assert m["residence_accuracy"] == m["residence_accuracy_resolved"] == 0.75
    assert m["registered_property_accuracy"] == 1.0


def test_missing_residence_counts_against_accuracy_not_against_resolved(tmp_path, truth):
    m = evaluate(tmp_path, truth, person_residence=with_rows("person_residence", without={("p2", "h2")}))
    assert (m["residence_known"], m["residence_resolved"], m["residence_correct"]) == (4, 3, 3)
    assert m["residence_accuracy"] == 0.75
    assert m["residence_accuracy_resolved"] == 1.0


def test_residence_of_a_split_person_is_judged_by_its_main_piece(tmp_path, truth):
    # P3's records went to p3 (a3) and p7 (g3): the tie maps P3 to p3, which lives at h2 (right).
    xref = with_rows("person_xref", ("grid", "g3", "p7"), without={("grid", "g3")})
    m = evaluate(tmp_path, truth, person_xref=xref,
                 person_residence=with_rows("person_residence", ("p7", "h1", "grid", "2026-10-31")))
    assert m["residence_correct"] == 4
    assert m["person_pairwise_recall"] == 0.5
    # Split the other way round: P3 maps to p0 (smaller id), which has no residence.
    xref = with_rows("person_xref", ("grid", "g3", "p0"), without={("grid", "g3")})
    m = evaluate(tmp_path, truth, name="out2", person_xref=xref)
    assert (m["residence_known"], m["residence_resolved"], m["residence_correct"]) == (4, 3, 3)


def test_wrong_owner_site_and_registered_property(tmp_path, truth):
    m = evaluate(tmp_path, truth,
                 property_owner=with_rows("property_owner", ("h1", "p2", None, "real_estate", "t1"),
                                          ("h2", "p1", None, "real_estate", "t2"),
                                          without={("h1", "p1"), ("h2", None)}),
                 enterprise_site=with_rows("enterprise_site", ("e3", "h1"), without={("e3", "h3")}),
                 person_registered_property=with_rows("person_registered_property", ("p3", "h2"),
                                                      without={("p3", "h3")}))
    assert (m["owner_known"], m["owner_resolved"], m["owner_correct"], m["owner_accuracy"]) == (2, 2, 0, 0.0)
    assert (m["site_known"], m["site_correct"]) == (3, 2)
    assert m["site_accuracy"] == pytest.approx(2 / 3)
    assert (m["registered_property_known"], m["registered_property_correct"]) == (2, 1)
    assert m["registered_property_accuracy"] == 0.5


def test_objects_without_records_are_known_but_unreachable(tmp_path, truth):
    # H3's only title t3 is not linked: P4's residence, P3's registered property and E3's site
    # are still known facts the registry writes, but h3 maps to no truth property.
    m = evaluate(tmp_path, truth, property_xref=with_rows("property_xref", without={("real_estate", "t3")}))
    assert m["property_truth_records_not_linked"] == 2
    assert [m[f"residence_{k}"] for k in ("known", "reachable", "resolved", "correct")] == [4, 3, 4, 3]
    assert m["residence_accuracy"] == m["residence_accuracy_resolved"] == 0.75
    assert [m[f"registered_property_{k}"] for k in ("known", "reachable", "resolved", "correct")] == [2, 1, 2, 1]
    assert [m[f"site_{k}"] for k in ("known", "reachable", "resolved", "correct")] == [3, 2, 3, 2]
    # A legal representative nobody recorded (P2's only record unlinked) is unreachable too.
    m = evaluate(tmp_path, truth, name="out2", person_xref=with_rows("person_xref", without={("hukou", "a2")}))
    assert [m[f"legal_rep_{k}"] for k in ("known", "reachable", "resolved", "correct")] == [3, 2, 3, 2]
    assert m["residence_known"] == 3  # P2 itself is no longer known


def test_person_only_registry_evaluates_as_before(tmp_path, truth):
    # g1 split from its person: pairwise recall 1/2, B-cubed recall 6/7, six predicted persons.
    xref = with_rows("person_xref", ("grid", "g1", "p8"), without={("grid", "g1")})
    only = evaluate_registry(write_registry(tmp_path / "only", {"person_xref": xref}), truth)
    assert list(only) == PERSON_KEYS
    assert only == {
        "person_records": 7, "person_pairwise_precision": 1.0, "person_pairwise_recall": 0.5,
        "person_pairwise_f1": pytest.approx(2 / 3), "person_bcubed_precision": 1.0,
        "person_bcubed_recall": pytest.approx(6 / 7), "person_bcubed_f1": pytest.approx(12 / 13),
        "person_predicted_entities": 6, "person_true_entities": 5, "person_truth_records_not_linked": 1,
        "person_twin_pairs": 1, "person_twin_pairs_merged": 0}
    full = evaluate(tmp_path, truth, person_xref=xref)
    assert {k: full[k] for k in PERSON_KEYS} == only


def test_twins_merged(tmp_path, truth):
    xref = with_rows("person_xref", ("hukou", "a4", "p3"), without={("hukou", "a4")})
    m = evaluate_registry(write_registry(tmp_path / "out", {"person_xref": xref}), truth)
    assert m["person_twin_pairs_merged"] == 1


def test_missing_registry_tables_skip_their_sections(tmp_path, truth):
    m = evaluate(tmp_path, truth, name="a", drop={"enterprise_xref"})
    assert not any(k.startswith(("enterprise_", "legal_rep_", "site_")) for k in m)
    assert m["owner_known"] == 1  # only the person-owned title: enterprises cannot be mapped
    assert m["residence_accuracy"] == m["property_pairwise_f1"] == 1.0

    m = evaluate(tmp_path, truth, name="b", drop={"property_xref"})
    assert not any(k.startswith(("property_", "residence_", "registered_property_", "site_", "owner_")) for k in m)
    assert m["legal_rep_accuracy"] == m["enterprise_pairwise_f1"] == 1.0

    m = evaluate(tmp_path, truth, name="c", drop={"person_residence", "enterprise_legal_rep", "property_owner"})
    assert not any(k.startswith(("residence_", "legal_rep_", "owner_")) for k in m)
    assert m["registered_property_accuracy"] == m["site_accuracy"] == 1.0

    m = evaluate(tmp_path, truth, name="d", drop={"person_xref"})
    assert not any(k.startswith(("person_", "residence_", "registered_property_", "legal_rep_")) for k in m)
    assert m["owner_known"] == 1  # only the enterprise-owned title
    assert m["site_accuracy"] == 1.0

    # A relation table lacking a column it is judged on is skipped too.
    m = evaluate(tmp_path, truth, name="e", person_residence=(["person_id", "basis"], [("p1", "grid")]))
    assert "residence_known" not in m and m["registered_property_accuracy"] == 1.0

    with pytest.raises(ResolveError, match="no person_xref"):
        evaluate(tmp_path, truth, name="f", drop={"person_xref", "enterprise_xref", "property_xref"})


def test_missing_truth_files_skip_their_sections(tmp_path):
    registry = write_registry(tmp_path / "out", PERFECT)
    truth = write_truth(tmp_path / "t1", drop={"enterprise_records.csv", "property_owners.csv", "twins.csv"})
    m = evaluate_registry(registry, truth)
    assert not any(k.startswith(("enterprise_", "legal_rep_", "site_", "owner_", "person_twin")) for k in m)
    assert m["residence_accuracy"] == 1.0

    truth = write_truth(tmp_path / "t2", drop={"persons.csv", "enterprises.csv", "property_records.csv"})
    m = evaluate_registry(registry, truth)
    assert not any(k.startswith(("property_", "residence_", "registered_property_", "legal_rep_", "site_",
                                 "owner_", "enterprise_branch")) for k in m)
    assert m["enterprise_pairwise_f1"] == 1.0 and m["person_twin_pairs"] == 1

    # persons.csv without registered_property_uid: only that relation goes.
    columns, rows = TRUTH["persons.csv"]
    persons = (columns[:-1], [r[:-1] for r in rows])
    m = evaluate_registry(registry, write_truth(tmp_path / "t3", truth={**TRUTH, "persons.csv": persons}))
    assert "registered_property_known" not in m and m["residence_known"] == 4

    with pytest.raises(ResolveError, match="person_records.csv"):
        evaluate_registry(registry, write_truth(tmp_path / "t4", drop={"person_records.csv"}))


def test_entity_maps_majority_and_ties():
    con = duckdb.connect()
    con.execute("""CREATE TABLE j AS SELECT * FROM (VALUES
        ('b', 'T2'), ('b', 'T1'), ('b', 'T2'), ('a', 'T1'), ('a', 'T3'), ('c', 'T3'), ('c', 'T3'))
        t(pred, true_id)""")
    _entity_maps(con, "thing", "SELECT pred, true_id FROM j")
    assert con.execute("SELECT * FROM eval_thing_pred_to_true ORDER BY 1").fetchall() == [
        ("a", "T1"), ("b", "T2"), ("c", "T3")]  # a: T1 and T3 tie, the smaller uid wins
    assert con.execute("SELECT * FROM eval_thing_true_to_pred ORDER BY 1").fetchall() == [
        ("T1", "a"), ("T2", "b"), ("T3", "c")]  # T1: a and b tie, the smaller id wins


def test_cli_table_lists_the_new_metrics(tmp_path, truth):
    registry = write_registry(tmp_path / "out", PERFECT)
    result = CliRunner().invoke(main, ["evaluate", "--registry", str(registry), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    for key in ("enterprise_branch_merged_with_parent", "property_pairwise_f1", "residence_accuracy",
                "legal_rep_accuracy", "owner_accuracy"):
        assert key in result.output


# A worked example of the living-resident and resolution metrics. Truth: five living residents
# L1-L5, D1 dead and M1 moved out (both with their old flat still in residence_property_uid, so
# only status / resident_in_city tell them apart), L5 in no source. Registry: L1 (p1) at h1
# (right), L2 (p2) at h1 (wrong: H2), L3 (p3) nowhere, L4 (p4) at h2 (right), D1 (pd) and M1 (pm)
# still at their old flats. Residence statements (address_resolution, person / residence): L1 two
# (r1 resolved, g1 building), L2 one (r2 ambiguous), L3 one (r3 not_found), D1 (r6 incomplete),
# M1 (r7 outside_city), and zz, a record the truth does not know (resolved); L4's only record s4
# gives a registered address, not a residence.
LIVING_TRUTH = {
    "person_records.csv": (["source", "record_key", "person_uid"], [
        ("hukou", "r1", "L1"), ("grid", "g1", "L1"), ("hukou", "r2", "L2"), ("hukou", "r3", "L3"),
        ("social", "s4", "L4"), ("hukou", "r6", "D1"), ("hukou", "r7", "M1")]),
    "persons.csv": (["person_uid", "status", "resident_in_city", "residence_property_uid"], [
        ("L1", "active", "True", "H1"), ("L2", "active", "True", "H2"), ("L3", "active", "True", "H3"),
        ("L4", "active", "True", "H2"), ("L5", "active", "True", "H3"),
        ("D1", "deceased", "False", "H1"), ("M1", "moved_out", "False", "H2")]),
    "property_records.csv": (["source", "record_key", "property_uid"], [
        ("real_estate", "t1", "H1"), ("real_estate", "t2", "H2"), ("real_estate", "t3", "H3")]),
}
AR_COLUMNS = ["entity", "entity_id", "role", "source", "record_key", "resolution", "property_id", "candidates",
              "building_key", "confidence"]
LIVING_REGISTRY = {
    "person_xref": (["source", "record_key", "person_id"], [
        ("hukou", "r1", "p1"), ("grid", "g1", "p1"), ("hukou", "r2", "p2"), ("hukou", "r3", "p3"),
        ("social", "s4", "p4"), ("hukou", "r6", "pd"), ("hukou", "r7", "pm"), ("hukou", "zz", "p9")]),
    "property_xref": (["source", "record_key", "property_id"], [
        ("real_estate", "t1", "h1"), ("real_estate", "t2", "h2"), ("real_estate", "t3", "h3")]),
    "person_residence": (["person_id", "property_id"], [
        ("p1", "h1"), ("p2", "h1"), ("p4", "h2"), ("pd", "h1"), ("pm", "h2")]),
    "address_resolution": (AR_COLUMNS, [
        ("person", "p1", "residence", "hukou", "r1", "resolved", "h1", None, "b1", "1.0"),
        ("person", "p1", "residence", "grid", "g1", "building", None, None, "b1", "0.6"),
        ("person", "p2", "residence", "hukou", "r2", "ambiguous", None, "[h1, h2]", "b1", "0.5"),
        ("person", "p3", "residence", "hukou", "r3", "not_found", None, None, None, None),
        ("person", "pd", "residence", "hukou", "r6", "incomplete", None, None, None, None),
        ("person", "pm", "residence", "hukou", "r7", "outside_city", None, None, None, None),
        ("person", "p9", "residence", "hukou", "zz", "resolved", "h3", None, "b3", "1.0"),
        ("person", "p4", "registered", "social", "s4", "resolved", "h2", None, "b2", "1.0"),
        # enterprise premises: no enterprise section is needed, the shares are the registry's own
        ("enterprise", "e1", "site", "market_regulation", "m1", "resolved", "h2", None, "b2", "1.0"),
        ("enterprise", "e1", "site", "tax", "x1", "resolved", "h2", None, "b2", "1.0"),
        ("enterprise", "e2", "site", "market_regulation", "m2", "building", None, None, "b3", "0.6"),
        ("enterprise", "e3", "site", "market_regulation", "m3", "not_found", None, None, None, None),
        ("enterprise", "e3", "registered", "market_regulation", "m3", "outside_city", None, None, None, None)]),
}


def test_living_residents_and_resolution_shares(tmp_path):
    truth = write_truth(tmp_path / "city", truth=LIVING_TRUTH)
    m = evaluate_registry(write_registry(tmp_path / "out", LIVING_REGISTRY), truth)
    # Living residents L1-L5 (D1 deceased, M1 moved out): right are L1 (h1 = H1) and L4 (h2 = H2);
    # L2 is at the wrong flat, L3 has no residence, L5 no record at all: 2 / 5.
    assert m["residence_living_residents"] == 5
    assert m["residence_accuracy_living"] == pytest.approx(2 / 5)
    # With a residence statement: L1, L2, L3 (not L4: a registered address only; not L5): 3 / 5,
    # of whom L1 is right: 1 / 3.
    assert m["residence_stated_living_share"] == pytest.approx(3 / 5)
    assert m["residence_accuracy_stated"] == pytest.approx(1 / 3)
    # The existing figures are unchanged: residence_known is anyone with a residence uid and a
    # statement, L1 L2 L3 D1 M1, of whom L1, D1 and M1 are "right" (their old flats): 3 / 5;
    # stated: those 5 of the 6 truth persons with a linked record (L1-L4, D1, M1).
    assert (m["residence_known"], m["residence_resolved"], m["residence_correct"]) == (5, 4, 3)
    assert m["residence_accuracy"] == pytest.approx(3 / 5)
    assert m["residence_stated_share"] == pytest.approx(5 / 6)
    # person / residence rows: r1 zz resolved, g1 building, r2 ambiguous, r3 not_found, r7
    # outside_city, r6 incomplete: 2 / 7 and 1 / 7 each (s4's registered address is not counted).
    assert m["residence_resolution_rows"] == 7
    assert [m[f"residence_resolution_share_{v}"] for v in RESOLUTIONS] == pytest.approx(
        [2 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7])
    # enterprise / site rows: m1 x1 resolved, m2 building, m3 not_found (m3's registered
    # address is not counted): 2 / 4, 1 / 4, 0, 1 / 4, 0, 0.
    assert m["site_resolution_rows"] == 4
    assert [m[f"site_resolution_share_{v}"] for v in RESOLUTIONS] == [0.5, 0.25, 0.0, 0.25, 0.0, 0.0]
    for role in ("residence", "site"):
        assert sum(m[f"{role}_resolution_share_{v}"] for v in RESOLUTIONS) == pytest.approx(1.0)

    # Today's address_resolution (no building_key, confidence; no 'building' value) still scores:
    # g1 and m2 become not_found, the rest is as above.
    old_columns = AR_COLUMNS[:-2]
    old_rows = [tuple(r[:-2]) if r[5] != "building" else tuple(r[:5]) + ("not_found", None, None)
                for r in LIVING_REGISTRY["address_resolution"][1]]
    m = evaluate_registry(write_registry(tmp_path / "old", LIVING_REGISTRY,
                                         address_resolution=(old_columns, old_rows)), truth)
    assert (m["residence_accuracy_living"], m["residence_stated_living_share"]) == pytest.approx((2 / 5, 3 / 5))
    assert m["residence_accuracy_stated"] == pytest.approx(1 / 3)
    assert [m[f"residence_resolution_share_{v}"] for v in RESOLUTIONS] == pytest.approx(
        [2 / 7, 0, 1 / 7, 2 / 7, 1 / 7, 1 / 7])
    assert [m[f"site_resolution_share_{v}"] for v in RESOLUTIONS] == [0.5, 0.0, 0.0, 0.5, 0.0, 0.0]

    # Without a resolution column the shares go; without status / resident_in_city in the truth,
    # everyone with a residence uid counts as living: D1 and M1 join (both "right"): 4 / 7.
    columns, rows = LIVING_TRUTH["persons.csv"]
    bare = write_truth(tmp_path / "bare", truth={**LIVING_TRUTH, "persons.csv": (
        [columns[0], columns[3]], [(r[0], r[3]) for r in rows])})
    no_resolution = (["entity", "role", "source", "record_key"],
                     [r[:1] + r[2:5] for r in LIVING_REGISTRY["address_resolution"][1]])
    m = evaluate_registry(write_registry(tmp_path / "nores", LIVING_REGISTRY, address_resolution=no_resolution), bare)
    assert not any("_resolution_" in k for k in m)
    assert m["residence_living_residents"] == 7
    assert m["residence_accuracy_living"] == pytest.approx(4 / 7)
    assert m["residence_accuracy_stated"] == pytest.approx(3 / 5)


def test_cli_table_lists_living_and_resolution_metrics(tmp_path):
    truth = write_truth(tmp_path / "city", truth=LIVING_TRUTH)
    registry = write_registry(tmp_path / "out", LIVING_REGISTRY)
    result = CliRunner().invoke(main, ["evaluate", "--registry", str(registry), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    for key in LIVING_KEYS + [f"{role}_resolution_share_{v}" for role in ("residence", "site") for v in RESOLUTIONS]:
        assert key in result.output, key
    assert "0.4000" in result.output  # residence_accuracy_living


def test_residence_over_those_who_name_a_flat_the_library_holds(tmp_path):
    # L1's r1 and L2's r2 name a flat some property record holds (k1, k2); L3's r3 names one no
    # property department records (kx); g1 names a building only. Of the five living residents,
    # L1 and L2 named a flat (2 / 5): L1 is placed right, L2 wrong (1 / 2).
    registry = dict(LIVING_REGISTRY)
    keys = {"r1": "k1", "r2": "k2", "r3": "kx", "zz": "k3"}
    registry["address_resolution"] = (AR_COLUMNS + ["dwelling_key"], [
        r + (keys.get(r[4]),) for r in LIVING_REGISTRY["address_resolution"][1]])
    registry["std_property"] = (["source", "record_key", "dwelling_key"], [
        ("real_estate", "t1", "k1"), ("real_estate", "t2", "k2"), ("real_estate", "t3", "k3")])
    m = evaluate_registry(write_registry(tmp_path / "out", registry), write_truth(tmp_path / "city", truth=LIVING_TRUTH))
    assert m["residence_flat_stated_living_share"] == pytest.approx(2 / 5)
    assert m["residence_accuracy_flat_stated"] == pytest.approx(1 / 2)
    # without dwelling keys the figures are not given
    m = evaluate_registry(write_registry(tmp_path / "out2", LIVING_REGISTRY), write_truth(tmp_path / "city2", truth=LIVING_TRUTH))
    assert "residence_accuracy_flat_stated" not in m
