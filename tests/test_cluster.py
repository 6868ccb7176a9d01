"""Clustering follows the strongest links first and never joins two valid citizen IDs."""

import pandas as pd

from resolve.cluster import cluster_persons
from resolve.engine import Engine

TWIN_A, TWIN_B = "440304201001010011", "440304201001010038"


def build(nodes, edges):
    e = Engine()
    e.create_table_from_frame("std_person", pd.DataFrame(nodes, columns=["rid", "source", "record_key",
                                                                         "id_number", "id_valid"]))
    edges = [tuple(edge) + (True,) * (5 - len(edge)) for edge in edges]
    e.create_table_from_frame("pairs_person", pd.DataFrame(edges, columns=[
        "rid_l", "rid_r", "match_probability", "match_weight", "identity_evidence"]))
    return e


def clusters(e):
    rows = e.fetchall("SELECT rid, person_id FROM cluster_person ORDER BY rid")
    return {rid: pid for rid, pid in rows}


def test_record_resembling_both_twins_joins_the_closer_one():
    e = build([(1, "police", "a", TWIN_A, True), (2, "police", "b", TWIN_B, True),
               (3, "grid", "g", None, False)],
              [(1, 3, 0.999, 12.0), (2, 3, 0.98, 6.0)])
    cluster_persons(e, threshold=0.9)
    c = clusters(e)
    assert c[1] == c[3] and c[1] != c[2]
    refused = e.fetchall("SELECT rid_l, rid_r, reason FROM cluster_person_refused")
    assert refused == [(2, 3, "different_valid_ids")]


def test_without_the_constraint_the_chain_merges():
    e = build([(1, "police", "a", TWIN_A, True), (2, "police", "b", TWIN_B, True),
               (3, "grid", "g", None, False)],
              [(1, 3, 0.999, 12.0), (2, 3, 0.98, 6.0)])
    cluster_persons(e, threshold=0.9, valid_ids_never_merge=False)
    assert len(set(clusters(e).values())) == 1


def test_threshold_and_invalid_ids():
    # an ID failing its check is evidence only: it never blocks a merge
    e = build([(1, "a", "1", TWIN_A, True), (2, "b", "2", TWIN_A[:-1] + "9", False),
               (3, "c", "3", None, False), (4, "d", "4", None, False)],
              [(1, 2, 0.97, 5.0), (3, 4, 0.6, 0.5)])
    cluster_persons(e, threshold=0.95)
    c = clusters(e)
    assert c[1] == c[2] and c[3] != c[4] and len(set(c.values())) == 3


def test_ids_are_deterministic_and_do_not_depend_on_rid():
    nodes = [(1, "police", "a", None, False), (2, "grid", "g", None, False)]
    e1 = build(nodes, [(1, 2, 0.99, 9.0)])
    e2 = build([(7, "grid", "g", None, False), (9, "police", "a", None, False)], [(7, 9, 0.99, 9.0)])
    cluster_persons(e1, 0.9)
    cluster_persons(e2, 0.9)
    assert set(clusters(e1).values()) == set(clusters(e2).values())


def test_household_resemblance_without_identity_evidence_is_not_followed():
    # same birth date, phone and address but names that do not agree and no document
    e = build([(1, "grid", "a", TWIN_A, True), (2, "grid", "b", None, False)],
              [(1, 2, 0.999, 9.0, False)])
    cluster_persons(e, threshold=0.9)
    c = clusters(e)
    assert c[1] != c[2]
    assert e.fetchall("SELECT reason FROM cluster_person_refused") == [("no_identity_evidence",)]
    cluster_persons(e, threshold=0.9, require_identity_evidence=False)
    assert len(set(clusters(e).values())) == 1


def test_property_anchors_keep_two_units_and_two_codes_of_one_department_apart():
    from resolve.cluster import cluster_properties

    e = Engine()
    e.create_table_from_frame("std_property", pd.DataFrame([
        (1, "estate", "t1", "C1", "1"),   # flat 402, unit 1
        (2, "bureau", "h1", None, None),  # flat 402, no unit written: resembles both
        (3, "bureau", "h2", None, "2"),   # flat 402, unit 2
        (4, "estate", "t3", "C1", None),  # a later title of C1
        (5, "estate", "t9", "C9", None),  # another title, another code
        (6, "survey", "s1", None, None),  # the only flat under its address in two departments
    ], columns=["rid", "source", "record_key", "property_code", "unit"]))
    e.create_table_from_frame("pairs_property", pd.DataFrame([
        (1, 2, 0.99, 9.0, True, False), (2, 3, 0.98, 8.0, True, False), (1, 4, 0.999, 14.0, True, False),
        (3, 4, 0.97, 7.0, True, False), (4, 5, 0.96, 6.0, True, False),
        (2, 6, 0.40, -1.0, True, True),  # below the threshold, linked by rule
    ], columns=["rid_l", "rid_r", "match_probability", "match_weight", "identity_evidence", "unique_dwelling"]))
    anchors = {"different_property_codes_estate": "CASE WHEN source = 'estate' THEN property_code END",
               "different_units": "unit"}
    cluster_properties(e, 0.9, anchors)
    c = dict(e.fetchall("SELECT rid, property_id FROM cluster_property"))
    assert c[1] == c[2] == c[4] == c[6] and len({c[1], c[3], c[5]}) == 3
    assert sorted(e.fetchall("SELECT rid_l, rid_r, reason FROM cluster_property_refused")) == \
        [(2, 3, "different_units"), (3, 4, "different_units"), (4, 5, "different_property_codes_estate")]


def test_enterprise_ids_come_from_registrations_before_mentions():
    from resolve.cluster import cluster_enterprises

    e = Engine()
    e.create_table_from_frame("std_enterprise", pd.DataFrame([
        (1, "tax", "T9", None, "91440300MA5GM4N32F", True),
        (2, "social_insurance", "employer::某公司", "employer", "91440300MA5GM4N32F", True),
        (3, "market", "M1", None, "91440300MA5GM4N32F", True),
    ], columns=["rid", "source", "record_key", "mention", "uscc", "uscc_valid"]))
    e.create_table_from_frame("pairs_enterprise", pd.DataFrame([
        (1, 2, 0.99, 9.0, True), (2, 3, 0.99, 9.0, True)],
        columns=["rid_l", "rid_r", "match_probability", "match_weight", "identity_evidence"]))
    cluster_enterprises(e, 0.9)
    ids = {r[0] for r in e.fetchall("SELECT enterprise_id FROM cluster_enterprise")}
    expected = e.scalar("SELECT 'E' || upper(substr(md5('market|M1'), 1, 16))")
    assert ids == {expected}


def _partition(e, table):
    groups: dict[str, set] = {}
    for rid, pid in e.fetchall(f"SELECT rid, person_id FROM {table}"):
        groups.setdefault(pid, set()).add(rid)
    return sorted(sorted(g) for g in groups.values())


def test_the_other_thresholds_recluster_only_components_with_a_link_between_them():
    """The reconciliation's low and high clusterings, computed only where a link scores in
    [low, high), equal clustering every record again; components without one are left out."""
    from resolve.cluster import band_scope, cluster_entities, person_spec
    from resolve.overrides import ClusterRules

    other_a, other_b = "110101199003070011", "110101199003070038"
    e = build([(1, "a", "1", None, False), (2, "b", "2", None, False), (3, "c", "3", None, False),
               (4, "a", "4", None, False), (5, "b", "5", None, False), (6, "c", "6", None, False),
               (7, "a", "7", TWIN_A, True), (8, "b", "8", TWIN_B, True), (9, "c", "9", None, False),
               (10, "a", "10", other_a, True), (11, "b", "11", other_b, True), (12, "c", "12", None, False),
               (13, "d", "13", None, False), (14, "e", "14", None, False), (15, "f", "15", None, False)],
              [(1, 2, 0.999, 12.0), (2, 3, 0.995, 10.0),          # sure at every threshold
               (4, 5, 0.999, 12.0), (5, 6, 0.85, 3.0),            # 6 joins at low only
               (7, 9, 0.999, 12.0), (8, 9, 0.95, 5.0),            # twins: 9 goes with 7
               (10, 11, 0.999, 12.0), (11, 12, 0.995, 10.0),      # refused (two IDs) at every threshold
               (10, 13, 0.85, 3.0),                               # ... but a band link touches it
               (14, 15, 0.85, 3.0, False)])                       # never followed: no identity evidence
    cluster_persons(e, threshold=0.9)
    band_scope(e, "person", 0.8, 0.99, "tmp_scope", **person_spec())
    scope = {r[0] for r in e.fetchall("SELECT rid FROM tmp_scope")}
    assert scope == {4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
    for threshold in (0.8, 0.99):
        cluster_entities(e, "person", threshold, out_table="t_all", rules=ClusterRules(), **person_spec())
        cluster_entities(e, "person", threshold, out_table="t_band", rules=ClusterRules(), scope="tmp_scope",
                         **person_spec())
        assert _partition(e, "t_band") == _partition(e, "t_all")
        assert e.scalar("SELECT count(*) FROM t_band") == 15
    cluster_entities(e, "person", 0.8, out_table="t_low", rules=ClusterRules(), scope="tmp_scope", **person_spec())
    low = _partition(e, "t_low")
    assert [4, 5, 6] in low and [10, 13] in low and [11, 12] in low and [7, 9] in low and [14] in low
