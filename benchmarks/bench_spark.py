"""The same config on DuckDB and on Spark (local mode): time per stage, and whether the two
registries agree.

Generates a synthetic city of --persons people (or takes --config), runs `resolve run` on
DuckDB and with `--backend spark --spark-master local[N]`, each in a child process, and
prints for docs/BENCHMARKS.md every stage's seconds side by side, the partition agreement of
each entity (pairwise precision, recall and F1 of the Spark partition against DuckDB's, the
records whose golden ID is the same) and how many figures are equal.

    python benchmarks/bench_spark.py --persons 20000 --cores 2
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_person import in_child  # noqa: E402

ENTITIES = ("person", "enterprise", "property")


def run_one(config_path: str, out_dir: str, backend: str, master: str, queue) -> None:
    from resolve.config import load_config
    from resolve.pipeline import run

    start = time.perf_counter()
    result = run(load_config(config_path), out_dir, backend=backend, spark_master=master)
    queue.put({"seconds": time.perf_counter() - start, "stages": result.timings, "counts": result.counts})


def agreement(a: Path, b: Path) -> dict:
    """Per entity: the Spark partition's pairwise precision / recall / F1 against DuckDB's,
    and the records with the same golden ID; the figures (value, low, high) that are equal."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for e in ENTITIES:
        key = f"{e}_id"
        n, same_a, same_b, both, same_id = con.execute(f"""
            WITH j AS (SELECT x.{key} AS ea, y.{key} AS eb FROM a.{e}_xref x JOIN b.{e}_xref y USING (source, record_key)),
                 na AS (SELECT count(*) AS n FROM j GROUP BY ea), nb AS (SELECT count(*) AS n FROM j GROUP BY eb),
                 nab AS (SELECT count(*) AS n FROM j GROUP BY ea, eb)
            SELECT (SELECT count(*) FROM j), (SELECT sum(n * (n - 1) / 2) FROM na), (SELECT sum(n * (n - 1) / 2) FROM nb),
                   (SELECT sum(n * (n - 1) / 2) FROM nab), (SELECT count(*) FROM j WHERE ea = eb)""").fetchone()
        precision = float(both) / float(same_b) if same_b else 1.0
        recall = float(both) / float(same_a) if same_a else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 1.0
        out[e] = {"records": n, "precision": precision, "recall": recall, "f1": f1, "same_id": same_id}
    rows, values, bounds = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE x.value IS NOT DISTINCT FROM y.value),
               count(*) FILTER (WHERE x.value IS NOT DISTINCT FROM y.value AND x.low IS NOT DISTINCT FROM y.low
                                AND x.high IS NOT DISTINCT FROM y.high)
        FROM a.recon_figures x FULL JOIN b.recon_figures y
          ON x.figure = y.figure AND x.district_code IS NOT DISTINCT FROM y.district_code""").fetchone()
    out["figures"] = {"rows": rows, "value_equal": values, "all_equal": bounds}
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--config", default=None, help="run this config instead of generating a city")
    parser.add_argument("--cores", type=int, default=2, help="Spark local[N]")
    parser.add_argument("--master", default=None,
                        help="any Spark master instead of local[N], e.g. local-cluster[2,1,6144] (2 executors)")
    parser.add_argument("--spark-only", action="store_true", help="time Spark alone (no DuckDB run to compare)")
    parser.add_argument("--workdir", default=None, help="keep the city and both registries here")
    args = parser.parse_args()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="resolve-bench-spark-"))
    config = args.config
    if config is None:
        from resolve.synth import generate_city

        generate_city(work / "city", seed=args.seed, n_persons=args.persons)
        config = str(work / "city" / "config.yaml")
    master = args.master or f"local[{args.cores}]"
    backends = ("spark",) if args.spark_only else ("duckdb", "spark")
    runs = {backend: in_child(run_one, config, str(work / backend), backend, master) for backend in backends}
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB"
    c = runs["spark"]["counts"]
    if args.spark_only:
        print(f"{time.strftime('%Y-%m-%d')}, {machine}; {c['person_records']:,} person, {c['enterprise_records']:,} "
              f"enterprise, {c['property_records']:,} property records; Spark {master}: "
              f"{runs['spark']['seconds']:.1f} s")
        for stage, seconds in runs["spark"]["stages"].items():
            print(f"| {stage} | {seconds:.1f} |")
        return
    agree = agreement(work / "duckdb" / "registry.duckdb", work / "spark" / "registry.duckdb")
    print(f"{time.strftime('%Y-%m-%d')}, {machine}; {c['person_records']:,} person, {c['enterprise_records']:,} "
          f"enterprise, {c['property_records']:,} property records; Spark {master}")
    print("\n| stage | DuckDB s | Spark s |\n| --- | ---: | ---: |")
    for stage in runs["duckdb"]["stages"]:
        print(f"| {stage} | {runs['duckdb']['stages'][stage]:.1f} | {runs['spark']['stages'].get(stage, 0):.1f} |")
    print(f"| **total** | **{runs['duckdb']['seconds']:.1f}** | **{runs['spark']['seconds']:.1f}** |")
    print("\n| entity | records | precision | recall | F1 | same golden ID |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    for e in ENTITIES:
        a = agree[e]
        print(f"| {e} | {a['records']:,} | {a['precision']:.5f} | {a['recall']:.5f} | {a['f1']:.5f} | "
              f"{a['same_id']:,} |")
    f = agree["figures"]
    print(f"\nfigures: {f['value_equal']} of {f['rows']} rows with the same value, {f['all_equal']} with the same "
          "value and 95 % bounds")


if __name__ == "__main__":
    main()
