"""``plan161 serve`` over loopback: changes per second with 1, 8 and 32 concurrent clients.

A real ``plan161 serve`` process (uvicorn) serves a copy of one database: the Hà Tĩnh plan with
the 2024 cycle open (35 tasks). Each client is a thread with its own HTTP connection (httpx,
keep-alive) that fires ``comment`` (the overseer's action: a real change, one event in the hash
chain, repeatable forever) on the tasks in turn for ``--seconds``, with its token in
``Authorization: Bearer``. The baseline makes the same changes in this process with
``Engine.fire`` on another copy of the database, for the same time. Printed per client count:
changes per second, the ratio to the in-process rate, p50 and p99 latency, errors (any status
but 200), and afterwards that ``verify`` finds the history intact and holds every change made.

Run: python benchmarks/bench_serve.py [--seconds S] [--clients 1,8,32]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from plan161_workflow import Engine, load_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "ha-tinh-161.yaml"
ACTOR = "ubmttq-tinh"  # the overseer: may comment on every task


def make_db(path: Path) -> list[str]:
    """The database of the run; returns the ids of its tasks."""
    with Engine(load_rules(RULES), db=path) as engine:
        return [t.id for t in engine.open_cycle(2024)]


def in_process(db: Path, ids: list[str], seconds: float) -> float:
    """Changes per second made by ``Engine.fire`` in this process."""
    with Engine.open(db) as engine:
        done = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            engine.fire(ids[done % len(ids)], "comment", actor=ACTOR, text=f"góp ý {done}")
            done += 1
        return done / seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plan161_workflow.cli",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/openapi.json", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("plan161 serve did not start")


def over_http(
    url: str, token: str, ids: list[str], clients: int, seconds: float
) -> tuple[int, int, list[float]]:
    """(changes made, errors, latencies in seconds) of ``clients`` threads firing."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            start.wait()
            end = time.perf_counter() + seconds
            i = k
            while time.perf_counter() < end:
                body = {"trigger": "comment", "text": f"góp ý {k}-{i}"}
                t0 = time.perf_counter()
                r = http.post(f"/api/tasks/{ids[i % len(ids)]}/fire", json=body)
                latencies[k].append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors[k] += 1
                i += clients

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    for t in threads:
        t.join()
    flat = [x for per in latencies for x in per]
    return len(flat) - sum(errors), sum(errors), flat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", default="1,8,32")
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        base = folder / "base.db"
        ids = make_db(base)
        local, served = folder / "local.db", folder / "served.db"
        shutil.copy(base, local)
        shutil.copy(base, served)
        baseline = in_process(local, ids, args.seconds)
        with Engine.open(served) as engine:
            _, token = engine.create_token(ACTOR)
            events_before = engine.verify().events
        proc, url = start_server(served)
        made = 0
        try:
            print(f"in-process Engine.fire: {baseline:,.0f} changes/s ({args.seconds:g} s)")
            print("clients  changes/s  ratio to in-process  p50 ms  p99 ms  errors")
            for clients in counts:
                ok, errors, lat = over_http(url, token, ids, clients, args.seconds)
                made += ok
                q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [lat[0]] * 99
                rate = ok / args.seconds
                print(
                    f"{clients:>7}  {rate:>9,.0f}  {rate / baseline:>19.2f}  "
                    f"{q[49] * 1000:>6.1f}  {q[98] * 1000:>6.1f}  {errors:>6}"
                )
        finally:
            proc.terminate()
            proc.wait(10)
        with Engine.open(served) as engine:
            report = engine.verify()
        held = report.events - events_before == made
        print(
            f"verify: {'intact' if report.ok else 'BROKEN'}; {report.events - events_before} "
            f"events added for {made} changes made over HTTP ({'all kept' if held else 'MISMATCH'})"
        )
        return 0 if report.ok and held else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
