"""Score a registry against ground truth (from `resolve generate` or a clerical review).

Truth folder: ``truth/person_records.csv`` (source, record_key, person_uid) and optionally
``truth/twins.csv`` (person_uid_a, person_uid_b). Reports pairwise precision / recall / F1,
B-cubed precision / recall / F1, predicted vs true entity counts and twin pairs merged.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from resolve.errors import ResolveError
from resolve.pipeline import REGISTRY_FILE


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _truth_file(truth_dir: Path, name: str, required: bool = True) -> Path | None:
    for candidate in (truth_dir / "truth" / name, truth_dir / name):
        if candidate.exists():
            return candidate
    if required:
        raise ResolveError(f"{truth_dir}: no truth/{name}; pass the folder `resolve generate` wrote")
    return None


def score_clusters(con: duckdb.DuckDBPyConnection, pairs_sql: str) -> dict[str, float]:
    """Metrics for a relation (pred, true) with one row per record."""
    row = con.execute(f"""
        WITH j AS ({pairs_sql}),
        pc AS (SELECT pred, count(*) AS n FROM j GROUP BY pred),
        tc AS (SELECT true_id, count(*) AS n FROM j GROUP BY true_id),
        both_ AS (SELECT pred, true_id, count(*) AS n FROM j GROUP BY pred, true_id),
        b3 AS (
            SELECT avg(b.n / p.n) AS b3p, avg(b.n / t.n) AS b3r
            FROM j JOIN both_ b USING (pred, true_id) JOIN pc p USING (pred) JOIN tc t USING (true_id)
        )
        SELECT (SELECT sum(n * (n - 1) / 2) FROM pc), (SELECT sum(n * (n - 1) / 2) FROM tc),
               (SELECT sum(n * (n - 1) / 2) FROM both_), (SELECT count(*) FROM pc),
               (SELECT count(*) FROM tc), (SELECT b3p FROM b3), (SELECT b3r FROM b3),
               (SELECT count(*) FROM j)
    """).fetchall()[0]
    pred_pairs, true_pairs, tp, n_pred, n_true, b3p, b3r, n = (v or 0 for v in row)
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    return {
        "records": int(n),
        "pairwise_precision": float(precision), "pairwise_recall": float(recall),
        "pairwise_f1": float(_f1(precision, recall)),
        "bcubed_precision": float(b3p), "bcubed_recall": float(b3r),
        "bcubed_f1": float(_f1(float(b3p), float(b3r))),
        "predicted_entities": int(n_pred), "true_entities": int(n_true),
    }


def evaluate_registry(registry_dir: Path, truth_dir: Path) -> dict[str, float | int]:
    registry = registry_dir / REGISTRY_FILE if registry_dir.is_dir() else registry_dir
    if not registry.exists():
        raise ResolveError(f"{registry}: no registry here; run `resolve run CONFIG --out {registry_dir}` first")
    records = _truth_file(truth_dir, "person_records.csv")
    twins = _truth_file(truth_dir, "twins.csv", required=False)
    con = duckdb.connect(str(registry), read_only=True)
    try:
        con.execute(f"CREATE TEMP TABLE truth AS SELECT source::VARCHAR AS source, "
                    f"record_key::VARCHAR AS record_key, person_uid::VARCHAR AS true_id "
                    f"FROM read_csv('{records}', all_varchar = true)")
        metrics = {"person_" + k: v for k, v in score_clusters(con, """
            SELECT x.person_id AS pred, t.true_id FROM person_xref x
            JOIN truth t USING (source, record_key)""").items()}
        metrics["person_truth_records_not_linked"] = con.execute(
            "SELECT count(*) FROM truth t ANTI JOIN person_xref x USING (source, record_key)").fetchall()[0][0]
        if twins is not None:
            metrics["person_twin_pairs"] = con.execute(
                f"SELECT count(*) FROM read_csv('{twins}', all_varchar = true)").fetchall()[0][0]
            metrics["person_twin_pairs_merged"] = con.execute(f"""
                WITH tw AS (SELECT person_uid_a AS a, person_uid_b AS b FROM read_csv('{twins}', all_varchar = true)),
                ids AS (SELECT DISTINCT t.true_id, x.person_id FROM truth t JOIN person_xref x USING (source, record_key))
                SELECT count(DISTINCT (tw.a, tw.b)) FROM tw
                JOIN ids ia ON ia.true_id = tw.a JOIN ids ib ON ib.true_id = tw.b AND ia.person_id = ib.person_id
            """).fetchall()[0][0]
    finally:
        con.close()
    return metrics
