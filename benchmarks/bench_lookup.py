"""Lookup benchmark: `PersonLookup.match()` latency and top-1 accuracy on a large registry.

Builds (or reuses) a person-only registry of about --records source records from a generated
city (benchmarks/bench_person.py's city and config), opens it once and times match() for
--queries records drawn from the registry's own raw extracts, as a caller would send them:

  replay        every field of the record as delivered
  id + name     the citizen ID and the name only
  name typo     every field, one given-name character replaced
  id typo       one ID digit changed, with name and birth date
  no id         name, birth date, sex, phone and addresses, no document
  new address   every field, the address written differently (" 附近" appended: a text not in
                the registry's address table, read by address_row)
  unusual text  every field, a no-break space in the birth date (text beyond plain ASCII)

A lookup is right when its first candidate is a golden person holding a record of the same
true person (the generator's truth). Prints a Markdown block for docs/BENCHMARKS.md.

    python benchmarks/bench_lookup.py                        # builds a 1.9 M-record registry (~950,000 persons)
    python benchmarks/bench_lookup.py --workdir /tmp/lk      # keep it; a second run reuses it
    python benchmarks/bench_lookup.py --registry DIR --truth CITY
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_person import RECORDS_PER_PERSON, in_child, person_config

CATEGORIES = {"replay": 0.30, "id + name": 0.15, "name typo": 0.15, "id typo": 0.15, "no id": 0.15,
              "new address": 0.05, "unusual text": 0.05}


def build(city: str, out: str, queue) -> None:
    from resolve.config import load_config
    from resolve.pipeline import run

    start = time.perf_counter()
    result = run(load_config(city), out)
    queue.put({"seconds": time.perf_counter() - start, "records": result.counts["person_records"]})


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.machine()} {cpu}, {os.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}")


def make_queries(raw: pd.DataFrame, std: dict, n: int, seed: int) -> list[tuple[str, dict, str]]:
    """(category, record, true person) triples."""
    from resolve.lookup import ACCEPTED_FIELDS

    rng = random.Random(seed)
    named = raw[raw["name"].notna()]
    with_id = named[[bool(std.get(r, {}).get("id_valid")) for r in named["rid"]]]
    with_address = named[named["residence_address"].notna() | named["registered_address"].notna()]
    given_chars = sorted({ch for name in named["name"].sample(min(len(named), 20000), random_state=seed)
                          for ch in str(name)[1:] if "\u4e00" <= ch <= "\u9fff"})

    def fields(row) -> dict:
        return {f: row[f] for f in ACCEPTED_FIELDS if f in row.index and isinstance(row[f], str) and row[f].strip()}

    queries = []
    for category, share in CATEGORIES.items():
        pool = {"id + name": with_id, "id typo": with_id, "new address": with_address}.get(category, named)
        for i in rng.sample(range(len(pool)), max(1, round(n * share))):
            row = pool.iloc[i]
            q = fields(row)
            if category == "id + name":
                q = {"id_number": q["id_number"], "name": q["name"]}
            elif category == "name typo":
                name = q["name"]
                at = rng.randrange(1, len(name)) if len(name) > 1 else 0
                q["name"] = name[:at] + rng.choice([c for c in given_chars if c != name[at]]) + name[at + 1:]
            elif category == "id typo":
                ident = std[row["rid"]]["id_number"]
                at = rng.randrange(6, 17)
                digit = rng.choice([d for d in "0123456789" if d != ident[at]])
                q = {"id_number": ident[:at] + digit + ident[at + 1:], "name": q["name"],
                     **({"birth_date": q["birth_date"]} if "birth_date" in q else {})}
            elif category == "no id":
                q.pop("id_number", None)
            elif category == "new address":
                key = "residence_address" if "residence_address" in q else "registered_address"
                q[key] = q[key] + " 附近"  # a descriptor: another raw text, the same place
            elif category == "unusual text" and "birth_date" in q:
                q["birth_date"] = q["birth_date"] + "\u00a0"
            queries.append((category, q, row["person_uid"]))
    rng.shuffle(queries)
    return queries


def measure(registry_dir: str, queries: list, queue) -> None:
    from resolve.lookup import PersonLookup

    start = time.perf_counter()
    registry = PersonLookup(registry_dir)
    open_seconds = time.perf_counter() - start
    rss = psutil.Process().memory_info().rss
    results: dict[str, list[tuple[float, bool, bool]]] = {c: [] for c in CATEGORIES}
    for category, q, persons in queries:
        t = time.perf_counter()
        found = registry.match(q, limit=5)
        ms = (time.perf_counter() - t) * 1000
        results[category].append((ms, bool(found) and found[0].person_id in persons, bool(found)))
    queue.put({"open_seconds": open_seconds, "rss": rss, "persons": registry.n_persons,
               "plain_path": registry.plain_path, "address_path": registry.address_path, "results": results})
    registry.close()


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # 1.9 M: the generator does not return for a million people or more (it runs out of
    # distinct enterprise names)
    parser.add_argument("--records", type=int, default=1_900_000, help="person source records, about")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", default=None, help="build (or reuse) WORKDIR/city and WORKDIR/out")
    parser.add_argument("--registry", default=None, help="an existing registry folder (with --truth)")
    parser.add_argument("--truth", default=None, help="the generated city of --registry (truth/, config)")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--query-seed", type=int, default=11)
    args = parser.parse_args()

    from resolve.config import load_config
    from resolve.lookup import raw_person_records
    from resolve.synth import generate_city

    built = None
    if args.registry:
        if not args.truth:
            parser.error("--registry needs --truth (the generated city folder)")
        out, city = Path(args.registry), Path(args.truth)
    else:
        work = Path(args.workdir or tempfile.mkdtemp(prefix="resolve-lookup-bench-"))
        out, city = work / "out", work / "city"
        if not (out / "registry.duckdb").exists():
            generated = 0.0
            if not (city / "config.yaml").exists():
                start = time.perf_counter()
                generate_city(city, seed=args.seed, n_persons=max(1000, int(args.records / RECORDS_PER_PERSON)))
                generated = time.perf_counter() - start
            built = {**in_child(build, person_config(city), str(out)), "generated": generated}
    config_path = city / "config_person.yaml"
    config = load_config(config_path if config_path.exists() else city / "config.yaml", check_files=False)

    import duckdb

    raw = raw_person_records(out, config)
    con = duckdb.connect(str(out / "registry.duckdb"), read_only=True)
    xref = con.execute("SELECT rid, person_id FROM person_xref").df()
    std = {r[0]: {"id_valid": r[1], "id_number": r[2]}
           for r in con.execute("SELECT rid, id_valid, id_number FROM std_person").fetchall()}
    n_std = len(std)
    con.close()
    truth = pd.read_csv(city / "truth" / "person_records.csv", dtype=str)
    raw = raw.merge(xref, on="rid").merge(truth, on=["source", "record_key"])
    persons_of = raw.groupby("person_uid")["person_id"].agg(set).to_dict()
    queries = [(category, q, sorted(persons_of.get(uid, ()))) for category, q, uid in
               make_queries(raw, std, args.queries, args.query_seed)]
    del raw, std, persons_of
    # timed in a fresh process holding nothing but the queries: its memory is the lookup's,
    # and no large heap of this process's objects slows its garbage collector
    measured = in_child(measure, str(out), queries)
    results = measured["results"]

    def row(name: str, items: list[tuple[float, bool, bool]]) -> str:
        ms = [i[0] for i in items]
        return (f"| {name} | {len(items)} | {percentile(ms, 50):.1f} | {percentile(ms, 95):.1f} | "
                f"{percentile(ms, 99):.1f} | {max(ms):.1f} | {sum(i[1] for i in items) / len(items):.4f} | "
                f"{sum(not i[2] for i in items)} |")

    every = [tuple(i) for items in results.values() for i in items]
    main_mix = [i for c, items in results.items() if c not in ("new address", "unusual text") for i in items]
    print(f"\n### {n_std:,} person records, {measured['persons']:,} golden persons — {time.strftime('%Y-%m-%d')}\n")
    print(f"{machine()}; duckdb {duckdb.__version__}\n")
    if built:
        print(f"city generated in {built['generated']:.1f} s, registry built in {built['seconds']:.1f} s\n")
    print(f"open: {measured['open_seconds']:.1f} s, {measured['rss'] / 2**30:.2f} GiB resident after open "
          f"(the whole process); plain-text path {'on' if measured['plain_path'] else 'OFF'}, "
          f"address_row path {'on' if measured['address_path'] else 'OFF'}\n")
    print("| queries | n | p50 ms | p95 ms | p99 ms | max ms | top-1 right | no candidate |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for category, items in results.items():
        print(row(category, items))
    print(row("**main mix** (first five)", main_mix))
    print(row("**all**", every))


if __name__ == "__main__":
    main()
