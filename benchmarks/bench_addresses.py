"""Address resolution at scale: every address the departments write, standardised and resolved.

Generates a city of --persons people (--shape: default, alt or wild), runs `resolve run` in a
child process, then, in another child on a copy of the registry, times the two address
steps on their own:

- **standardise**: build_address_table over every distinct address text of the person,
  enterprise and property records, read against the library the run learned (place aliases,
  place names): the folding, administrative prefix, place, building / unit / floor / room,
  prefix stripping, one-character corrections and alias filling;
- **resolve**: relate.resolve_addresses, every address of a linked person or enterprise
  record (residence, registered address, premises) against the library of property records.

Prints, for docs/BENCHMARKS.md, the address records, the distinct texts, each step's
seconds and the whole run's stages.

    python benchmarks/bench_addresses.py --persons 500000 --shape wild
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

ADDRESS_TEXTS = """SELECT raw FROM std_person_addresses UNION ALL SELECT raw FROM std_enterprise_addresses
                   UNION ALL SELECT raw FROM std_property_addresses"""


def run_city(config_path: str, out_dir: str, queue) -> None:
    from resolve.config import load_config
    from resolve.pipeline import run

    with PeakMemory() as mem:
        start = time.perf_counter()
        result = run(load_config(config_path), out_dir)
        total = time.perf_counter() - start
    queue.put({"seconds": total, "stages": result.timings, "peak_bytes": mem.peak, "counts": result.counts})


def time_addresses(registry: str, city: str, region_code: str, queue) -> None:
    from resolve.engine import Engine
    from resolve.relate import resolve_addresses
    from resolve.standardise.addresses import build_address_table, register_address_macros
    from resolve.standardise.sql import register_macros

    engine = Engine(registry)
    register_macros(engine)
    register_address_macros(engine, city, region_code)
    records = engine.scalar("""
        SELECT (SELECT count(residence_address) + count(registered_address) FROM std_person)
             + (SELECT count(address) FROM std_enterprise) + (SELECT count(address_raw) FROM std_property)""")
    texts = engine.scalar(f"SELECT count(DISTINCT raw) FROM ({ADDRESS_TEXTS})")
    with PeakMemory() as mem:
        start = time.perf_counter()
        build_address_table(engine, f"SELECT DISTINCT raw FROM ({ADDRESS_TEXTS})", "bench_addresses")
        standardise = time.perf_counter() - start
        start = time.perf_counter()
        resolve_addresses(engine)
        resolve = time.perf_counter() - start
    resolved = engine.scalar("SELECT count(*) FROM address_resolution")
    shares = dict(engine.fetchall("SELECT resolution, count(*) FROM address_resolution GROUP BY ALL"))
    engine.close()
    queue.put({"records": records, "texts": texts, "standardise": standardise, "resolve": resolve,
               "resolution_rows": resolved, "shares": shares, "peak_bytes": mem.peak})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--shape", default="wild", choices=("default", "alt", "wild"))
    parser.add_argument("--workdir", default=None, help="keep the generated city and registry here")
    args = parser.parse_args()

    from resolve.config import load_config
    from resolve.synth import generate_city

    work = Path(args.workdir or tempfile.mkdtemp(prefix="resolve-bench-"))
    city = work / "city"
    generate_city(city, seed=args.seed, n_persons=args.persons, shape=args.shape)
    run = in_child(run_city, str(city / "config.yaml"), str(work / "out"))
    config = load_config(city / "config.yaml")
    copy = work / "addresses.duckdb"
    shutil.copy(work / "out" / "registry.duckdb", copy)
    a = in_child(time_addresses, str(copy), config.city, str(config.region_code))

    machine = f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB"
    c = run["counts"]
    print(f"\n### {args.shape} shape, {args.persons:,} persons (seed {args.seed}) — {time.strftime('%Y-%m-%d')}, "
          f"{machine}, Python {platform.python_version()}\n")
    print(f"records: {c['person_records']:,} person, {c['enterprise_records']:,} enterprise, "
          f"{c['property_records']:,} property; whole run {run['seconds']:.1f} s, "
          f"peak {run['peak_bytes'] / 2**30:.2f} GiB\n")
    print("| address step | records | distinct texts | seconds | records / s |\n|---|---:|---:|---:|---:|")
    print(f"| standardise (build_address_table) | {a['records']:,} | {a['texts']:,} | {a['standardise']:.1f} | "
          f"{a['records'] / a['standardise']:,.0f} |")
    print(f"| resolve (resolve_addresses) | {a['resolution_rows']:,} | | {a['resolve']:.1f} | "
          f"{a['resolution_rows'] / a['resolve']:,.0f} |")
    print(f"\npeak memory of the address steps: {a['peak_bytes'] / 2**30:.2f} GiB; outcomes: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(a["shares"].items(), key=lambda kv: -kv[1])))
    print("\n| stage | seconds |\n|---|---:|")
    for stage, seconds in run["stages"].items():
        print(f"| {stage} | {seconds:.1f} |")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
