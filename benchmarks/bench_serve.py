"""Service benchmark: `resolve serve` under concurrent lookups and corrections, on localhost.

Starts `resolve serve` as its own process on 127.0.0.1 for a registry `resolve run` built
(the demo city's by default), then:

  closed loop   --clients clients (20), each sending its next lookup as soon as the previous
                answer arrives, --requests lookups in all;
  paced         the same clients, each sending one lookup every --interval seconds (open loop:
                the load a pool of approval terminals puts on the service);
  corrections   every client posts --posts corrections at once; every one must be in the log.

Lookups are drawn from the registry's golden persons (citizen ID and name, or name and birth
date). Every request loop is bounded in count and in time (--max-seconds) and goes to
127.0.0.1 only. Prints a Markdown block for docs/BENCHMARKS.md.

    python benchmarks/bench_serve.py --registry out/demo        # after `make demo`
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import httpx
import numpy as np

TOKENS = {"steward": "bench-steward-0123456789abcdefgh", "approval": "bench-approval-0123456789abcdefgh"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving_config(registry: Path) -> Path:
    """A copy of the registry's config, beside it (its sources resolve alike), that names the
    benchmark's tokens and an override log of its own."""
    con = duckdb.connect(str(registry / "registry.duckdb"), read_only=True)
    config = Path(dict(con.execute("SELECT key, value FROM run_info").fetchall())["config"])
    con.close()
    text = "\n".join(line for line in config.read_text(encoding="utf-8").splitlines()
                     if not line.startswith(("overrides:", "service:", "  tokens:", "  log:")))
    copy = config.with_name("bench-serve.yaml")
    copy.write_text(text + "\noverrides: bench-serve-overrides\nservice:\n  tokens: bench-serve-tokens.yaml\n"
                    "  log: bench-serve-log.jsonl\n", encoding="utf-8")
    config.with_name("bench-serve-tokens.yaml").write_text("".join(
        f"- name: bench {role}\n  role: {role}\n  token: {token}\n" for role, token in TOKENS.items()), encoding="utf-8")
    return copy


def queries(registry: Path, n: int, seed: int) -> list[dict]:
    con = duckdb.connect(str(registry / "registry.duckdb"), read_only=True)
    rows = con.execute("SELECT name, id_number, birth_date::VARCHAR FROM person_golden WHERE name IS NOT NULL "
                       "ORDER BY person_id").fetchall()
    con.close()
    rng = random.Random(seed)
    out = []
    for name, id_number, birth in rng.sample(rows, min(n, len(rows))):
        if id_number and rng.random() < 0.7:
            out.append({"id_number": id_number, "name": name})
        else:
            out.append({"name": name, **({"birth_date": birth} if birth else {})})
    return out


def run_clients(url: str, clients: int, work: list[dict], interval: float | None, max_seconds: float):
    """Each client takes the next record of ``work`` until none is left or time is up."""
    lock, latencies, statuses = threading.Lock(), [], []
    todo = list(work)
    deadline = time.monotonic() + max_seconds

    phases = random.Random(len(work)).sample(range(1000), clients)

    def client() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKENS['approval']}"}, timeout=30) as c:
            # independent terminals: each paced client starts at its own moment of the interval
            with lock:
                phase = phases.pop()
            next_at = time.monotonic() + (interval or 0) * phase / 1000
            while time.monotonic() < deadline:
                with lock:
                    if not todo:
                        return
                    record = todo.pop()
                if interval:
                    time.sleep(max(0.0, next_at - time.monotonic()))
                    next_at += interval
                started = time.perf_counter()
                r = c.post("/lookup", json=record)
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)
                    statuses.append(r.status_code)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return np.array(latencies) * 1000, statuses, time.perf_counter() - started


def post_corrections(url: str, registry: Path, clients: int, posts: int) -> tuple[int, int]:
    con = duckdb.connect(str(registry / "registry.duckdb"), read_only=True)
    props = [r[0] for r in con.execute("SELECT property_id FROM property_golden ORDER BY property_id LIMIT ?",
                                       [clients * posts]).fetchall()]
    con.close()
    codes: list[int] = []

    def client(chunk: list[str]) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKENS['steward']}"}, timeout=30) as c:
            for pid in chunk:
                codes.append(c.post("/overrides", json={"kind": "set_use", "entity_id": pid, "value": "residential",
                                                        "reason": "bench", "evidence": f"bench {pid}"}).status_code)

    threads = [threading.Thread(target=client, args=(props[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(1 for c in codes if c == 201), len(props)


def row(label: str, ms: np.ndarray, statuses: list[int], seconds: float) -> str:
    ok = sum(1 for s in statuses if s == 200)
    return (f"| {label} | {len(ms):,} | {ok:,} | {len(ms) / seconds:.0f} | {np.percentile(ms, 50):.1f} | "
            f"**{np.percentile(ms, 95):.1f}** | {np.percentile(ms, 99):.1f} | {ms.max():.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registry", default="out/demo", help="a folder `resolve run --out` wrote")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="lookups in the closed loop (and paced)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between a paced client's lookups")
    parser.add_argument("--posts", type=int, default=5, help="corrections each client posts")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="each loop stops by then")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    registry = Path(args.registry).resolve()
    config = serving_config(registry)
    log = config.with_name("bench-serve-log.jsonl")
    overrides = config.with_name("bench-serve-overrides")
    for path in (log, *overrides.glob("*.jsonl")):
        path.unlink(missing_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    resolve = Path(sys.executable).with_name("resolve")
    server = subprocess.Popen([str(resolve), "serve", "--registry", str(registry), "--config", str(config),
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        opened = time.perf_counter()
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.perf_counter() - opened > 300:
                raise SystemExit(f"the server did not start:\n{server.stdout.read()}")
            time.sleep(0.2)
        ready = time.perf_counter() - opened
        persons = httpx.get(f"{url}/health").json()["persons"]
        work = queries(registry, args.requests, args.seed)
        run_clients(url, args.clients, work[:100], None, args.max_seconds)  # warm-up
        single = run_clients(url, 1, work[:200], None, args.max_seconds)
        import psutil

        proc, me = psutil.Process(server.pid), psutil.Process()
        cpu0, mine0 = sum(proc.cpu_times()[:2]), sum(me.cpu_times()[:2])
        closed = run_clients(url, args.clients, work, None, args.max_seconds)
        server_cpu = (sum(proc.cpu_times()[:2]) - cpu0) / closed[2]
        client_cpu = (sum(me.cpu_times()[:2]) - mine0) / closed[2]
        paced = run_clients(url, args.clients, work, args.interval, args.max_seconds)
        kept, posted = post_corrections(url, registry, args.clients, args.posts)
        logged = sum(1 for _ in (overrides / "overrides.jsonl").open(encoding="utf-8"))
        rss = psutil.Process(server.pid).memory_info().rss / 2**20
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"## Service — {time.strftime('%Y-%m-%d')}, {platform.machine()} {platform.processor() or ''}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(f"`resolve serve` on {registry} ({persons:,} golden persons): ready in {ready:.1f} s, "
          f"{rss:.0f} MiB resident after the run. {args.clients} clients on 127.0.0.1.\n")
    print("| load | lookups | answered 200 | per second | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(row("one client, back to back", *single))
    print(row(f"closed loop ({args.clients} clients, back to back)", *closed))
    print(row(f"paced ({args.clients} clients, one each {args.interval} s)", *paced))
    print(f"\nBack to back, the server used {server_cpu:.2f} cores and the clients {client_cpu:.2f} "
          f"(of {os.cpu_count()}).")
    print(f"\nCorrections: {args.clients} clients posting {args.posts} each at once: {kept} of {posted} "
          f"answered 201, {logged} lines in the log.")
    print(json.dumps({"closed_p95_ms": float(np.percentile(closed[0], 95)),
                      "paced_p95_ms": float(np.percentile(paced[0], 95)), "kept": kept, "posted": posted,
                      "logged": logged}))


if __name__ == "__main__":
    main()
