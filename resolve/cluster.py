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
    def __init__(self, n: int, anchors: list):
        self.parent = list(range(n))
        self.anchor = anchors

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, a: int, b: int) -> str | None:
        """Join the components of a and b; return the reason when the join is refused."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        xa, xb = self.anchor[ra], self.anchor[rb]
        if xa is not None and xb is not None and xa != xb:
            return "different_valid_ids"
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.anchor[ra] = xa if xa is not None else xb
        return None


def cluster_entities(engine: Engine, entity: str, threshold: float, anchor_sql: str,
                     out_table: str, id_prefix: str, evidence_column: str | None = None) -> None:
    """Cluster ``std_<entity>`` by ``pairs_<entity>`` at ``threshold`` into ``out_table``."""
    nodes = engine.df(f"SELECT rid, {anchor_sql} AS anchor, source, record_key FROM std_{entity} ORDER BY rid")
    evidence = evidence_column or "true"
    edges = engine.df(f"""
        SELECT rid_l, rid_r, match_probability, match_weight, {evidence} AS evidence FROM pairs_{entity}
        WHERE match_probability >= ? ORDER BY match_weight DESC, rid_l, rid_r""", [threshold])
    rids = nodes["rid"].to_numpy()
    index = {int(r): i for i, r in enumerate(rids)}
    anchors = [a if isinstance(a, str) else None for a in nodes["anchor"]]
    comps = _Components(len(rids), anchors)
    refused = []
    best = np.full(len(rids), np.nan)
    for l, r, p, w, ok in zip(edges["rid_l"].to_numpy(), edges["rid_r"].to_numpy(),
                              edges["match_probability"].to_numpy(), edges["match_weight"].to_numpy(),
                              edges["evidence"].to_numpy()):
        i, j = index[int(l)], index[int(r)]
        reason = comps.union(i, j) if ok else "no_identity_evidence"
        if reason:
            refused.append((int(l), int(r), float(p), float(w), reason))
            continue
        for k in (i, j):
            if np.isnan(best[k]) or p > best[k]:
                best[k] = p
    roots = np.fromiter((comps.find(i) for i in range(len(rids))), dtype=np.int64, count=len(rids))
    frame = pd.DataFrame({"rid": rids, "root": roots, "cluster_probability": best,
                          "member": nodes["source"] + "|" + nodes["record_key"]})
    engine.create_table_from_frame("tmp_cluster", frame)
    # The entity ID is a hash of its smallest member key: the same records give the same ID.
    engine.create_table(out_table, f"""
        SELECT rid, '{id_prefix}' || upper(substr(md5(min(member) OVER (PARTITION BY root)), 1, 16)) AS {entity}_id,
               cluster_probability
        FROM tmp_cluster""")
    engine.drop("tmp_cluster")
    engine.create_table_from_frame(
        f"{out_table}_refused",
        pd.DataFrame(refused, columns=["rid_l", "rid_r", "match_probability", "match_weight", "reason"]))


def cluster_persons(engine: Engine, threshold: float, valid_ids_never_merge: bool = True,
                    require_identity_evidence: bool = True) -> None:
    anchor = "CASE WHEN id_valid THEN id_number END" if valid_ids_never_merge else "NULL::VARCHAR"
    evidence = "identity_evidence" if require_identity_evidence else None
    cluster_entities(engine, "person", threshold, anchor, "cluster_person", "P", evidence)
