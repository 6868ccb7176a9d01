"""New deliveries: `resolve update` against a full rebuild, on a person registry of about --records.

Builds the registry once (a generated city's person sources), then delivers the grid survey
again with --new more records (earlier rows surveyed again under new keys, a digit of their
phone changed) and links that delivery twice, each in its own process: `resolve update` (the
saved models, only the pairs the delivery touches scored) and a full rebuild in a fresh
folder (models retrained). Reports both times and peak memory, how far the two agree
(records whose entity has the same records in both) and how many earlier IDs the update
kept. Prints Markdown for docs/BENCHMARKS.md.

    python benchmarks/bench_update.py --records 1000000 --new 10000
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
from bench_person import RECORDS_PER_PERSON, PeakMemory, in_child, person_config

SOURCE = "grid_survey"


def timed_run(config_path: str, out_dir: str, update: str | None, queue) -> None:
    from resolve.config import load_config
    from resolve.pipeline import run

    config = load_config(config_path)
    with PeakMemory() as mem:
        start = time.perf_counter()
        result = run(config, out_dir, update=update)
        seconds = time.perf_counter() - start
    queue.put({"seconds": seconds, "peak_bytes": mem.peak, "stages": result.timings})


def deliver(city: Path, new: int) -> int:
    """Append ``new`` rows to the survey: earlier rows again, under new keys, phone changed."""
    path = city / "sources" / f"{SOURCE}.csv"
    text = path.read_text(encoding="utf-8-sig")
    lines = [line for line in text.split("\n")[1:] if line.count(",") >= 8]
    step = max(1, len(lines) // new)
    added = []
    for i, line in enumerate(lines[::step][:new]):
        key, rest = line.split(",", 1)
        added.append(f"R{i:07d}{key}," + rest.replace(",13", ",15", 1))
    path.write_text(text.rstrip("\n") + "\n" + "\n".join(added) + "\n", encoding="utf-8")
    return len(added)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="person source records, about")
    parser.add_argument("--new", type=int, default=10_000, help="records the new delivery adds")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()

    from resolve.evaluate import partition_agreement
    from resolve.synth import generate_city

    work = Path(args.workdir or tempfile.mkdtemp(prefix="resolve-bench-update-"))
    city = work / "city"
    persons = max(1000, int(args.records / RECORDS_PER_PERSON))
    generate_city(city, seed=args.seed, n_persons=persons)
    config_path = person_config(city)
    first = in_child(timed_run, config_path, str(work / "registry"), None)
    shutil.copytree(work / "registry", work / "before", ignore=shutil.ignore_patterns("report"))
    added = deliver(city, args.new)
    updated = in_child(timed_run, config_path, str(work / "registry"), SOURCE)
    full = in_child(timed_run, config_path, str(work / "full"), None)
    agreement = partition_agreement(work / "registry", work / "full")
    kept = partition_agreement(work / "before", work / "registry")

    machine = f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB"
    print(f"\n### Update: {added:,} new {SOURCE} records against {persons:,} persons "
          f"(seed {args.seed}) — {time.strftime('%Y-%m-%d')}, {machine}, Python {platform.python_version()}\n")
    print("| run | seconds | peak memory |")
    print("|---|---:|---:|")
    for name, r in (("first build", first), ("`resolve update` (saved models, delivery's pairs only)", updated),
                    ("full rebuild on the new data (models retrained)", full)):
        print(f"| {name} | {r['seconds']:.1f} | {r['peak_bytes'] / 2**30:.2f} GiB |")
    print(f"\nupdate / full rebuild time: {updated['seconds'] / full['seconds']:.2f}x")
    print(f"update vs full rebuild: {agreement['agreement']:.5f} of {agreement['records']:,} records in the same "
          f"entity; earlier records keeping their ID after the update: {kept['same_id']:.5f}")
    print("\nupdate stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in updated["stages"].items()))
    print("full rebuild stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in full["stages"].items()))
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
