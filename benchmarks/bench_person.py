"""Person registry benchmark: resolve end to end vs a plain Splink 5 model, side by side.

Generates a synthetic city with about --records person source records, then in two child
processes (so each has its own peak memory):
  resolve   ingest -> standardise -> link -> cluster -> golden, each stage timed;
  baseline  a generic Splink model on the same ingested records: raw strings, exact ID,
            Jaro-Winkler on names, exact birth date and phone, the usual blocking, clustered
            at the same threshold.
Both are scored against the truth (pairwise F1, twins merged). Prints a Markdown table row
block for docs/BENCHMARKS.md.

    python benchmarks/bench_person.py --records 100000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

# records per person in the default shape, measured on the generator (refined at run time)
RECORDS_PER_PERSON = 1.95


class PeakMemory:
    """Samples this process's resident memory every 50 ms; keeps the peak."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        proc = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, proc.memory_info().rss)
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, psutil.Process().memory_info().rss)


def run_resolve(config_path: str, out_dir: str, truth_dir: str, queue) -> None:
    from resolve.config import load_config
    from resolve.evaluate import evaluate_registry
    from resolve.pipeline import run

    with PeakMemory() as mem:
        start = time.perf_counter()
        result = run(load_config(config_path), out_dir)
        total = time.perf_counter() - start
    metrics = evaluate_registry(Path(out_dir), Path(truth_dir))
    queue.put({"seconds": total, "stages": result.timings, "peak_bytes": mem.peak,
               "f1": metrics["person_pairwise_f1"], "precision": metrics["person_pairwise_precision"],
               "recall": metrics["person_pairwise_recall"],
               "twins_merged": metrics.get("person_twin_pairs_merged", 0),
               "records": metrics["person_records"]})


def run_baseline(config_path: str, out_dir: str, truth_dir: str, threshold: float, queue) -> None:
    """A generic Splink 5 model, as a newcomer would first configure it."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on

    from resolve.config import load_config
    from resolve.engine import Engine
    from resolve.evaluate import evaluate_registry
    from resolve.ingest import ingest
    from resolve.standardise.inputs import input_union_sql
    from resolve.standardise.person import PERSON_FIELDS

    config = load_config(config_path)
    os.makedirs(out_dir, exist_ok=True)
    with PeakMemory() as mem:
        start = time.perf_counter()
        engine = Engine(Path(out_dir) / "registry.duckdb")
        ingest(engine, config)
        engine.create_table("baseline_input", f"""
            SELECT row_number() OVER () AS unique_id, * FROM ({input_union_sql(config.sources_for('person'), PERSON_FIELDS)})""")
        settings = SettingsCreator(
            link_type="dedupe_only",
            comparisons=[
                cl.ExactMatch("id_number"),
                cl.JaroWinklerAtThresholds("name", [0.9, 0.7]),
                cl.ExactMatch("birth_date"),
                cl.ExactMatch("phone"),
                cl.ExactMatch("sex"),
            ],
            blocking_rules_to_generate_predictions=[
                block_on("id_number"), block_on("name", "birth_date"), block_on("phone"),
            ],
            retain_matching_columns=False,
        )
        api = engine.splink_api()
        linker = Linker(api.register("baseline_input"), settings, log_level="WARNING")
        linker.training.estimate_probability_two_random_records_match([block_on("id_number")], recall=0.7)
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=42)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("id_number"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("name", "birth_date"))
        pred = linker.inference.predict(threshold_match_probability=0.5)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold)
        engine.create_table("person_xref", f"""
            SELECT b.source, b.record_key, 'C' || c.cluster_id::VARCHAR AS person_id
            FROM {clusters.physical_name} c JOIN baseline_input b USING (unique_id)""")
        total = time.perf_counter() - start
        engine.close()
    metrics = evaluate_registry(Path(out_dir), Path(truth_dir))
    queue.put({"seconds": total, "peak_bytes": mem.peak, "f1": metrics["person_pairwise_f1"],
               "precision": metrics["person_pairwise_precision"],
               "recall": metrics["person_pairwise_recall"],
               "twins_merged": metrics.get("person_twin_pairs_merged", 0),
               "records": metrics["person_records"]})


def person_config(city: Path) -> str:
    """The generated config with its person sources only: this benchmark compares person models
    (benchmarks/bench_registries.py times all three registries)."""
    import yaml

    config = yaml.safe_load((city / "config.yaml").read_text(encoding="utf-8"))
    config["sources"] = [s for s in config["sources"] if s["entity"] == "person"]
    path = city / "config_person.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def median_run(runs: list[dict]) -> dict:
    """The run with the median time (its memory and accuracy are reported with it)."""
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def in_child(target, *args):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="person source records, about")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", default=None, help="keep the generated city and registries here")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each side this many times, alternating; report the median")
    args = parser.parse_args()

    from resolve.config import load_config
    from resolve.synth import generate_city

    work = Path(args.workdir or tempfile.mkdtemp(prefix="resolve-bench-"))
    city = work / "city"
    persons = max(1000, int(args.records / RECORDS_PER_PERSON))
    start = time.perf_counter()
    generate_city(city, seed=args.seed, n_persons=persons)
    gen_seconds = time.perf_counter() - start
    config_path = person_config(city)
    threshold = load_config(config_path).link.threshold

    ours_runs, base_runs = [], []
    for i in range(args.repeat):
        ours_runs.append(in_child(run_resolve, config_path, str(work / f"resolve{i}"), str(city)))
        if not args.skip_baseline:
            base_runs.append(in_child(run_baseline, config_path, str(work / f"baseline{i}"), str(city), threshold))
    ours = median_run(ours_runs)
    base = median_run(base_runs) if base_runs else None

    machine = f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB"
    print(f"\n### {ours['records']:,} person records ({persons:,} persons, seed {args.seed}) — "
          f"{time.strftime('%Y-%m-%d')}, {machine}, Python {platform.python_version()}\n")
    print(f"generation: {gen_seconds:.1f} s\n")
    print("| run | seconds | peak memory | pairwise precision | recall | F1 | twin pairs merged |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in (("resolve", ours), ("plain Splink baseline", base)):
        if r:
            print(f"| {name} | {r['seconds']:.1f} | {r['peak_bytes'] / 2**30:.2f} GiB | {r['precision']:.4f} "
                  f"| {r['recall']:.4f} | {r['f1']:.4f} | {r['twins_merged']} |")
    if base:
        print(f"\nresolve / baseline time: {ours['seconds'] / base['seconds']:.2f}x")
    if args.repeat > 1:
        for name, runs in (("resolve", ours_runs), ("baseline", base_runs)):
            print(f"{name} seconds over {len(runs)} runs: " + ", ".join(f"{r['seconds']:.1f}" for r in runs))
    print("\nresolve stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in ours["stages"].items()))
    print(json.dumps({"resolve": ours, "baseline": base}), file=sys.stderr)
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
