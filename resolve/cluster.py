"""Cluster: pairwise predictions to entities.

Reads ``std_person`` and ``pairs_person``; writes ``cluster_person(rid, person_id,
cluster_probability, member)`` (``member``: the record's key that outlives its rid,
source|record_key) and ``cluster_person_refused`` (links above the threshold that were
not followed, with the reason).

Links are followed strongest first (single linkage with cannot-link constraints): a link
that would put two different check-valid citizen IDs into one entity is refused, because
two valid IDs are two people (twins share everything else). So a record without an ID that
resembles both twins joins the one it resembles most and never chains them together.
A link whose pair agrees on neither a document nor a name (``identity_evidence``) is not
followed either: a shared birth date, phone and address describe a household as well as a
person.

The work is set-based, so it runs on Spark as on DuckDB: the connected components of the
links are found in SQL, and a component with no two different anchors of a kind and no
override is one entity as it stands (every link in it would be followed). Only the rest (a
household with twins, an enterprise and its branch, records an override names: small) are
collected and settled strongest link first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resolve.engine import Engine
from resolve.overrides import (
    ClusterRules,
    cluster_rules,
    entries_from_log,
    record_cluster_outcomes,
)


class _Components:
    """Union-find over record ids. Each component carries its anchors: one value per anchor
    kind (a valid ID; a department's own property code; a flat's unit), and two components
    whose anchors of one kind differ are never joined."""

    def __init__(self, anchors: dict[int, tuple], reasons: tuple[str, ...],
                 apart: dict[int, dict[str, int]] | None = None):
        self.parent: dict[int, int] = {}
        self.anchor = anchors
        self.reasons = reasons
        # records a "different" override keeps apart: component -> {override: position}
        self.apart = {rid: dict(v) for rid, v in (apart or {}).items()}

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(i, i) != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, a: int, b: int) -> str | None:
        """Join the components of a and b; return the reason when the join is refused."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        pa, pb = self.apart.get(ra), self.apart.get(rb)
        if pa and pb:
            small, large = (pa, pb) if len(pa) <= len(pb) else (pb, pa)
            for override, position in small.items():
                if large.get(override, position) != position:
                    return f"override_different:{override}"
        xa, xb = self.anchor.get(ra), self.anchor.get(rb)
        if xa is not None and xb is not None:
            for reason, va, vb in zip(self.reasons, xa, xb):
                if va is not None and vb is not None and va != vb:
                    return reason
            merged = tuple(va if va is not None else vb for va, vb in zip(xa, xb))
        else:
            merged = xa if xa is not None else xb
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        if merged is not None:
            self.anchor[ra] = merged
        if pb:
            self.apart[ra] = {**(pa or {}), **pb}
            del self.apart[rb]
        return None


def _connected_components(engine: Engine, links: str, out: str) -> None:
    """``out(rid, root)``: each record of a link in ``links(rid_l, rid_r)`` with the smallest
    record of its connected component. Every record takes the smallest root among itself and
    its neighbours, then the root of its root, until nothing changes: set-based, so the same
    SQL runs on DuckDB and on Spark, in about log2 of the longest chain's rounds."""
    engine.create_table("tmp_cc_edges", f"""
        SELECT rid_l AS a, rid_r AS b FROM {links} UNION SELECT rid_r, rid_l FROM {links}""")
    engine.create_table(out, "SELECT DISTINCT a AS rid, a AS root FROM tmp_cc_edges")
    while True:
        engine.create_table("tmp_cc_step", f"""
            WITH hop AS (
                SELECT c.rid, least(c.root, coalesce(min(n.root), c.root)) AS root
                FROM {out} c LEFT JOIN tmp_cc_edges e ON e.a = c.rid LEFT JOIN {out} n ON n.rid = e.b
                GROUP BY c.rid, c.root
            )
            SELECT h.rid, least(h.root, r.root) AS root FROM hop h JOIN hop r ON r.rid = h.root""")
        changed = engine.scalar(f"""
            SELECT count(*) FROM tmp_cc_step s JOIN {out} c USING (rid) WHERE s.root <> c.root""")
        engine.create_table(out, "SELECT * FROM tmp_cc_step")
        if not changed:
            break
    engine.drop("tmp_cc_step")
    engine.drop("tmp_cc_edges")


def _links(engine: Engine, entity: str, threshold: float, evidence_column: str | None,
           rule_column: str | None, rules: ClusterRules,
           scope: str | None = None) -> tuple[list[tuple], list[tuple]]:
    """``tmp_cluster_edges`` (the pairs at ``threshold`` or by rule, a detached record's left
    out) and ``tmp_cluster_links`` (those with identity evidence, and the log's "same"
    links): what clustering follows. Only pairs of records in ``scope(rid)``, when given.
    Returns the links refused for want of identity evidence, and the "same" links followed."""
    evidence = evidence_column or "true"
    rule = f"coalesce({rule_column}, false)" if rule_column else "(rid_l < 0)"  # no rule: never true
    detached = rules.detached
    within = f" AND rid_l IN (SELECT rid FROM {scope})" if scope else ""
    engine.create_table("tmp_cluster_edges", f"""
        SELECT rid_l, rid_r, match_probability, match_weight, {rule} AS by_rule,
               coalesce({evidence}, false) AS evidence
        FROM pairs_{entity}
        WHERE (match_probability >= ? OR {rule}){within}""", [threshold])
    if detached:  # a detached record follows no link
        engine.create_table_from_frame("tmp_cluster_detached", pd.DataFrame(
            {"rid": np.array(list(detached), dtype=np.int64)}))
        engine.execute("DELETE FROM tmp_cluster_edges WHERE rid_l IN (SELECT rid FROM tmp_cluster_detached) "
                       "OR rid_r IN (SELECT rid FROM tmp_cluster_detached)")
        engine.drop("tmp_cluster_detached")
    # a link without identity evidence is never followed
    refused = [tuple(r) for r in engine.fetchall(
        "SELECT rid_l, rid_r, 'no_identity_evidence' FROM tmp_cluster_edges WHERE NOT evidence")]
    engine.create_table("tmp_cluster_links", "SELECT rid_l, rid_r FROM tmp_cluster_edges WHERE evidence")
    same = _same_links(rules, engine, scope)
    engine.insert_rows("tmp_cluster_links", [(l, r) for _o, l, r in same])
    return refused, same


def _same_links(rules: ClusterRules, engine: Engine, scope: str | None = None) -> list[tuple[str, int, int]]:
    """The log's "same" links whose records are not detached (and are in ``scope``, which
    holds the whole of a component: both records of a link or neither)."""
    same = [(o, l, r) for o, l, r in rules.same if l not in rules.detached and r not in rules.detached]
    if scope and same:
        inside = {row[0] for row in engine.fetchall(
            f"SELECT rid FROM {scope} WHERE rid IN ({', '.join(str(int(l)) for _o, l, _r in same)})")}
        same = [(o, l, r) for o, l, r in same if l in inside]
    return same


def band_scope(engine: Engine, entity: str, low: float, high: float, out: str,
               evidence_column: str | None = None, rule_column: str | None = None,
               rules: ClusterRules | None = None, **_spec) -> None:
    """``out(rid)``: the records whose entity can differ anywhere between the thresholds
    ``low`` and ``high``. Clustering at any threshold in between follows the same links
    except those scored in [low, high): a connected component (of the links followed at
    ``low``) without such a link is clustered alike at every one of them, so only the
    components with one need clustering again."""
    _links(engine, entity, low, evidence_column, rule_column, rules or ClusterRules())
    _connected_components(engine, "tmp_cluster_links", "tmp_cluster_band")
    engine.create_table(out, """
        SELECT rid FROM tmp_cluster_band WHERE root IN (
            SELECT c.root FROM tmp_cluster_edges e JOIN tmp_cluster_band c ON c.rid = e.rid_l
            WHERE e.evidence AND NOT e.by_rule AND e.match_probability < ?)""", [high])
    for table in ("tmp_cluster_edges", "tmp_cluster_links", "tmp_cluster_band"):
        engine.drop(table)


def cluster_entities(engine: Engine, entity: str, threshold: float, anchors_sql: dict[str, str],
                     out_table: str, id_prefix: str, evidence_column: str | None = None,
                     member_sql: str = "s.source || '|' || s.record_key", rule_column: str | None = None,
                     rules: ClusterRules | None = None, scope: str | None = None) -> list[tuple]:
    """Cluster ``std_<entity>`` by ``pairs_<entity>`` at ``threshold`` into ``out_table``.

    ``anchors_sql`` maps a refusal reason to an anchor expression over ``std_<entity>``:
    records whose anchors of one kind differ never end up in one entity. ``member_sql``
    names a record for its entity's ID (the ID hashes the smallest member). A pair whose
    ``rule_column`` is true is a link by rule: followed first, whatever its score (anchors and
    identity evidence still apply). ``rules`` are the override log's: its "same" links are
    followed before any other, its "different" records are never joined (the link that would
    join them is refused, so the entity splits at its weakest links), its detached records
    follow no link. With ``scope`` (a table of rids, from ``band_scope``) only those records
    are clustered; the others keep their entity from ``cluster_<entity>``. Returns the
    refused links.
    """
    rules = rules or ClusterRules()
    reasons = tuple(anchors_sql)
    refused, same = _links(engine, entity, threshold, evidence_column, rule_column, rules, scope)
    for override, l, r in rules.same:
        if l in rules.detached or r in rules.detached:
            rules.same_refused[override] = f"detached by {rules.detached.get(l) or rules.detached.get(r)}"
    _connected_components(engine, "tmp_cluster_links", "tmp_cluster_components")
    # Where a component holds no two different anchors of a kind and no override, every link
    # in it is followed: it is one entity. The others (twins, a branch and its parent, records
    # an override names) are settled by following their links strongest first, refusing the
    # ones that would join different anchors: a component's links never touch another's.
    conflicting = [f"count(DISTINCT ({sql})::VARCHAR) > 1" for sql in anchors_sql.values()]
    overridden = sorted({r for _o, l, r2 in rules.same for r in (l, r2)} | set(rules.apart))
    engine.create_table_from_frame("tmp_cluster_overridden", pd.DataFrame(
        {"rid": np.array(overridden, dtype=np.int64)}))
    engine.create_table("tmp_cluster_hard", f"""
        SELECT c.root FROM tmp_cluster_components c JOIN std_{entity} s USING (rid)
        GROUP BY c.root HAVING {" OR ".join(conflicting) or "false"}
        UNION SELECT c.root FROM tmp_cluster_components c JOIN tmp_cluster_overridden USING (rid)""")
    engine.drop("tmp_cluster_overridden")
    anchors: dict[int, tuple] = {}
    if reasons:
        exprs = ", ".join(f"({sql})::VARCHAR" for sql in anchors_sql.values())
        anchors = {row[0]: tuple(row[1:]) for row in engine.fetchall(f"""
            SELECT s.rid, {exprs} FROM std_{entity} s JOIN tmp_cluster_components c USING (rid)
            WHERE c.root IN (SELECT root FROM tmp_cluster_hard)""")}
    edges = engine.columns("""
        SELECT e.rid_l, e.rid_r FROM tmp_cluster_edges e JOIN tmp_cluster_components c ON c.rid = e.rid_l
        WHERE e.evidence AND c.root IN (SELECT root FROM tmp_cluster_hard)
        ORDER BY e.by_rule DESC, e.match_weight DESC, e.rid_l, e.rid_r""")
    comps = _Components(anchors, reasons, rules.apart)
    for override, l, r in same:
        reason = comps.union(l, r)
        if reason:
            rules.same_refused[override] = reason
    for l, r in zip(edges["rid_l"].tolist(), edges["rid_r"].tolist()):
        reason = comps.union(l, r)
        if reason:
            refused.append((l, r, reason))
    touched = list(comps.parent)
    hard = pd.DataFrame({"rid": np.array(touched, dtype=np.int64),
                         "root": np.array([comps.find(i) for i in touched], dtype=np.int64)})
    engine.create_table_from_frame("tmp_cluster_hard_roots", hard)
    # a component's root is its smallest record, as the union above keeps it
    engine.create_table("tmp_cluster_roots", """
        SELECT rid, root FROM tmp_cluster_components c
        WHERE NOT EXISTS (SELECT 1 FROM tmp_cluster_hard h WHERE h.root = c.root)
        UNION ALL SELECT rid, root FROM tmp_cluster_hard_roots""")
    for table in ("tmp_cluster_edges", "tmp_cluster_links", "tmp_cluster_components", "tmp_cluster_hard",
                  "tmp_cluster_hard_roots"):
        engine.drop(table)
    # The entity ID is a hash of its smallest member key: the same records give the same ID.
    inside = f" WHERE s.rid IN (SELECT rid FROM {scope})" if scope else ""
    outside = (f" UNION ALL SELECT rid, {entity}_id, cluster_probability, member FROM cluster_{entity} "
               f"b WHERE NOT EXISTS (SELECT 1 FROM {scope} s WHERE s.rid = b.rid)") if scope else ""
    engine.create_table(out_table, f"""
        WITH c AS (
            SELECT s.rid, coalesce(t.root, s.rid) AS root, {member_sql} AS member
            FROM std_{entity} s LEFT JOIN tmp_cluster_roots t USING (rid){inside}
        ), ids AS (
            SELECT rid, root, member,
                   '{id_prefix}' || upper(substr(md5(min(member) OVER (PARTITION BY root)), 1, 16)) AS {entity}_id
            FROM c
        ), best AS (
            SELECT rid, max(match_probability) AS cluster_probability FROM (
                SELECT unnest([p.rid_l, p.rid_r]) AS rid, p.match_probability FROM pairs_{entity} p
                JOIN ids a ON a.rid = p.rid_l JOIN ids b ON b.rid = p.rid_r AND a.root = b.root
            ) GROUP BY rid
        )
        SELECT ids.rid, ids.{entity}_id, best.cluster_probability, ids.member
        FROM ids LEFT JOIN best USING (rid){outside}""")
    engine.drop("tmp_cluster_roots")
    refused_frame = pd.DataFrame(refused, columns=["rid_l", "rid_r", "reason"]).astype(
        {"rid_l": "int64", "rid_r": "int64", "reason": "string"})
    engine.create_table_from_frame("tmp_cluster_refused", refused_frame)
    engine.create_table(f"{out_table}_refused", f"""
        SELECT t.rid_l, t.rid_r, p.match_probability, p.match_weight, t.reason
        FROM tmp_cluster_refused t JOIN pairs_{entity} p USING (rid_l, rid_r)
        ORDER BY p.match_weight DESC""")
    engine.drop("tmp_cluster_refused")
    return refused


def person_spec(valid_ids_never_merge: bool = True, require_identity_evidence: bool = True) -> dict:
    """How persons are clustered: two different valid citizen IDs are two people."""
    return {"anchors_sql": {"different_valid_ids": "CASE WHEN id_valid THEN id_number END"}
            if valid_ids_never_merge else {},
            "id_prefix": "P", "evidence_column": "identity_evidence" if require_identity_evidence else None}


# Two different check-valid USCCs are two enterprises; an entity known only from other
# departments' mentions takes its ID from them, one with registrations from those.
ENTERPRISE_SPEC = {
    "anchors_sql": {"different_valid_usccs": "CASE WHEN uscc_valid THEN uscc END"}, "id_prefix": "E",
    "evidence_column": "identity_evidence",
    "member_sql": "CASE WHEN s.mention IS NULL THEN '' ELSE '~' END || s.source || '|' || s.record_key",
}


def property_spec(anchors: dict[str, str]) -> dict:
    """Properties: the config's anchors (a department's own code, a flat's unit); a pair of
    records of the only dwelling at an address is a link by rule."""
    return {"anchors_sql": anchors, "id_prefix": "H", "evidence_column": "identity_evidence",
            "rule_column": "unique_dwelling"}


def cluster_persons(engine: Engine, threshold: float, valid_ids_never_merge: bool = True,
                    require_identity_evidence: bool = True, out_table: str = "cluster_person",
                    rules: ClusterRules | None = None) -> list[tuple]:
    return cluster_entities(engine, "person", threshold, out_table=out_table, rules=rules,
                            **person_spec(valid_ids_never_merge, require_identity_evidence))


def cluster_enterprises(engine: Engine, threshold: float, out_table: str = "cluster_enterprise",
                        rules: ClusterRules | None = None) -> list[tuple]:
    return cluster_entities(engine, "enterprise", threshold, out_table=out_table, rules=rules, **ENTERPRISE_SPEC)


def cluster_properties(engine: Engine, threshold: float, anchors: dict[str, str],
                       out_table: str = "cluster_property", rules: ClusterRules | None = None) -> list[tuple]:
    return cluster_entities(engine, "property", threshold, out_table=out_table, rules=rules,
                            **property_spec(anchors))


def _specs(config) -> dict[str, dict]:
    from resolve.link.property import property_anchors

    link = config.link
    return {"person": person_spec(link.valid_ids_never_merge, link.require_identity_evidence),
            "enterprise": ENTERPRISE_SPEC, "property": property_spec(property_anchors(config))}


def cluster_registries(engine: Engine, config, threshold: float, prefix: str = "cluster",
                       scope: str | None = None) -> None:
    """All three entities at ``threshold`` into ``<prefix>_person`` / ``_enterprise`` /
    ``_property``, with the config's cannot-link rules and the override log's. The registry's
    own clustering (prefix ``cluster``) records what became of each override. With ``scope``,
    only the records of ``<scope>_<entity>`` (``band_scopes``) are clustered again."""
    entries = entries_from_log(engine)
    for entity, spec in _specs(config).items():
        rules = cluster_rules(engine, entries, entity)
        refused = cluster_entities(engine, entity, threshold, out_table=f"{prefix}_{entity}", rules=rules,
                                   scope=f"{scope}_{entity}" if scope else None, **spec)
        if prefix == "cluster":
            record_cluster_outcomes(engine, entity, rules, refused)


def band_scopes(engine: Engine, config, low: float, high: float, prefix: str) -> None:
    """``<prefix>_<entity>(rid)`` for each entity: ``band_scope`` between ``low`` and ``high``."""
    entries = entries_from_log(engine)
    for entity, spec in _specs(config).items():
        band_scope(engine, entity, low, high, f"{prefix}_{entity}", rules=cluster_rules(engine, entries, entity),
                   **spec)
