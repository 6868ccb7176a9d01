"""All three registries end to end: persons, enterprises and properties, and the relations.

Generates a synthetic city of --persons people (its enterprises and properties scale with
it), runs `resolve run` in a child process (its own peak memory) and prints, for
docs/BENCHMARKS.md, every stage's seconds (standardise, link per entity; cluster, golden and
relate for all three) with the records of each entity and the accuracy against the truth.

    python benchmarks/bench_registries.py --persons 50000
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_person import PeakMemory, in_child  # noqa: E402

REPORTED = ("person_pairwise_f1", "enterprise_pairwise_f1", "enterprise_branch_merged_with_parent",
            "property_pairwise_f1", "residence_accuracy", "registered_property_accuracy", "legal_rep_accuracy",
            "site_accuracy", "owner_accuracy")


def run_all(config_path: str, out_dir: str, truth_dir: str, queue) -> None:
    from resolve.config import load_config
    from resolve.evaluate import evaluate_registry
    from resolve.pipeline import run

    with PeakMemory() as mem:
        start = time.perf_counter()
        result = run(load_config(config_path), out_dir)
        total = time.perf_counter() - start
    metrics = evaluate_registry(Path(out_dir), Path(truth_dir))
    queue.put({"seconds": total, "stages": result.timings, "peak_bytes": mem.peak, "counts": result.counts,
               "metrics": {k: metrics.get(k) for k in REPORTED}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", default=None, help="keep the generated city and registry here")
    args = parser.parse_args()

    from resolve.synth import generate_city

    work = Path(args.workdir or tempfile.mkdtemp(prefix="resolve-bench-"))
    city = work / "city"
    generate_city(city, seed=args.seed, n_persons=args.persons)
    r = in_child(run_all, str(city / "config.yaml"), str(work / "out"), str(city))
    c = r["counts"]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB"
    print(f"\n### {args.persons:,} persons (seed {args.seed}): {c['person_records']:,} person, "
          f"{c['enterprise_records']:,} enterprise and {c['property_records']:,} property records — "
          f"{time.strftime('%Y-%m-%d')}, {machine}, Python {platform.python_version()}\n")
    print(f"total {r['seconds']:.1f} s, peak memory {r['peak_bytes'] / 2**30:.2f} GiB; golden: "
          f"{c['golden_persons']:,} persons, {c['golden_enterprises']:,} enterprises, "
          f"{c['golden_properties']:,} properties\n")
    print("| stage | seconds |\n|---|---:|")
    for stage, seconds in r["stages"].items():
        print(f"| {stage} | {seconds:.1f} |")
    print("\n| metric | value |\n|---|---:|")
    for key, value in r["metrics"].items():
        print(f"| {key} | {value:.4f} |" if isinstance(value, float) else f"| {key} | {value} |")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
