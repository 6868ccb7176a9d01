"""Cluster: pairwise predictions to entities.

Reads ``std_person`` and ``pairs_person``; writes ``cluster_person(rid, person_id,
cluster_probability)`` and ``cluster_person_refused`` (links above the threshold that were
not followed, with the reason).

Links are followed strongest first (single linkage with cannot-link constraints): a link
that would put two different check-valid citizen IDs into one entity is refused, because
two valid IDs are two people (twins share everything else). So a record without an ID that
resembles both twins joins the one it resembles most and never chains them together.
A link whose pair agrees on neither a document nor a name (``identity_evidence``) is not
followed either: a shared birth date, phone and address describe a household as well as a
person.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resolve.engine import Engine


class _Components:
    """Union-find over record ids, each component holding at most one anchor (a valid ID)."""

    def __init__(self, anchors: dict[int, str]):
        self.parent: dict[int, int] = {}
        self.anchor = anchors

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
        xa, xb = self.anchor.get(ra), self.anchor.get(rb)
        if xa is not None and xb is not None and xa != xb:
            return "different_valid_ids"
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        merged = xa if xa is not None else xb
        if merged is not None:
            self.anchor[ra] = merged
        return None


def cluster_entities(engine: Engine, entity: str, threshold: float, anchor_sql: str,
                     out_table: str, id_prefix: str, evidence_column: str | None = None) -> None:
    """Cluster ``std_<entity>`` by ``pairs_<entity>`` at ``threshold`` into ``out_table``."""
    anchors = dict(engine.fetchall(
        f"SELECT rid, anchor FROM (SELECT rid, {anchor_sql} AS anchor FROM std_{entity}) WHERE anchor IS NOT NULL"))
    evidence = evidence_column or "true"
    edges = engine.con.execute(f"""
        SELECT rid_l, rid_r, match_probability, match_weight, {evidence} AS evidence FROM pairs_{entity}
        WHERE match_probability >= ? ORDER BY match_weight DESC, rid_l, rid_r""", [threshold]).fetchnumpy()
    comps = _Components(anchors)
    refused = []
    for l, r, ok in zip(edges["rid_l"].tolist(), edges["rid_r"].tolist(), edges["evidence"].tolist()):
        reason = comps.union(l, r) if ok else "no_identity_evidence"
        if reason:
            refused.append((l, r, reason))
    touched = list(comps.parent)
    roots = pd.DataFrame({"rid": np.array(touched, dtype=np.int64),
                          "root": np.array([comps.find(i) for i in touched], dtype=np.int64)})
    engine.create_table_from_frame("tmp_cluster_roots", roots)
    # The entity ID is a hash of its smallest member key: the same records give the same ID.
    engine.create_table(out_table, f"""
        WITH c AS (
            SELECT s.rid, coalesce(t.root, s.rid) AS root, s.source || '|' || s.record_key AS member
            FROM std_{entity} s LEFT JOIN tmp_cluster_roots t USING (rid)
        ), ids AS (
            SELECT rid, root, '{id_prefix}' || upper(substr(md5(min(member) OVER (PARTITION BY root)), 1, 16))
                AS {entity}_id FROM c
        ), best AS (
            SELECT rid, max(match_probability) AS cluster_probability FROM (
                SELECT unnest([p.rid_l, p.rid_r]) AS rid, p.match_probability FROM pairs_{entity} p
                JOIN ids a ON a.rid = p.rid_l JOIN ids b ON b.rid = p.rid_r AND a.root = b.root
            ) GROUP BY rid
        )
        SELECT ids.rid, ids.{entity}_id, best.cluster_probability
        FROM ids LEFT JOIN best USING (rid)""")
    engine.drop("tmp_cluster_roots")
    refused_frame = pd.DataFrame(refused, columns=["rid_l", "rid_r", "reason"]).astype(
        {"rid_l": "int64", "rid_r": "int64", "reason": "string"})
    engine.create_table_from_frame("tmp_cluster_refused", refused_frame)
    engine.create_table(f"{out_table}_refused", f"""
        SELECT t.rid_l, t.rid_r, p.match_probability, p.match_weight, t.reason
        FROM tmp_cluster_refused t JOIN pairs_{entity} p USING (rid_l, rid_r)
        ORDER BY p.match_weight DESC""")
    engine.drop("tmp_cluster_refused")


def cluster_persons(engine: Engine, threshold: float, valid_ids_never_merge: bool = True,
                    require_identity_evidence: bool = True) -> None:
    anchor = "CASE WHEN id_valid THEN id_number END" if valid_ids_never_merge else "NULL::VARCHAR"
    evidence = "identity_evidence" if require_identity_evidence else None
    cluster_entities(engine, "person", threshold, anchor, "cluster_person", "P", evidence)
