"""Load: 50 concurrent residents submit 5,000 reports (a quarter with a photo) to the portal under gunicorn
while readers browse, then every acknowledged report must be stored exactly once and nothing else.

    .venv/bin/python -m bench.load [--clients 50] [--reports 5000] [--readers 10] [--workers 4]

Rate limits are switched off for the run (every client shares one loopback address).
"""
from __future__ import annotations

import argparse
import collections
import itertools
import random
import re
import shutil
import subprocess
import threading
import time

import requests

from .harness import (Resident, gunicorn, jpeg, make_users, reference_from, sample_points, say, scratch_database,
                      stored_references, summary, half_written)


def wrk_baseline(workers: int, seconds: int = 10) -> str | None:
    """wrk's figures for a trivial Flask endpoint under the same gunicorn (the reference in STACK.md)."""
    if not shutil.which("wrk"):
        return None
    with gunicorn("bench.trivial:app", {}, workers=workers) as base:
        out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", base + "/healthz"],
                             capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    return f"{float(rps.group(1)):.0f} req/s, p50 {p50.group(1)}, p99 {p99.group(1)} (wrk, 16 connections)"


def trivial_baseline(workers: int, seconds: float = 10, clients: int = 16) -> float:
    """Requests per second of a trivial Flask endpoint under the same gunicorn and this Python client."""
    with gunicorn("bench.trivial:app", {}, workers=workers) as base:
        stop = time.monotonic() + seconds
        counts = collections.Counter()

        def hit(i):
            s = requests.Session()
            while time.monotonic() < stop:
                s.get(base + "/healthz", timeout=10)
                counts[i] += 1
        threads = [threading.Thread(target=hit, args=(i,)) for i in range(clients)]
        started = time.monotonic()
        [t.start() for t in threads]
        [t.join() for t in threads]
        return sum(counts.values()) / (time.monotonic() - started)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--reports", type=int, default=5000)
    ap.add_argument("--readers", type=int, default=10)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--photo-share", type=float, default=0.25)
    args = ap.parse_args()

    url = scratch_database("kerbside_load")
    emails = make_users(url, args.clients)
    points = sample_points(url)
    photo = jpeg()
    say(f"database ready; {args.clients} writers, {args.readers} readers, {args.reports} reports, "
        f"{args.workers} gunicorn sync workers; photo {len(photo) // 1024} KB")

    tickets = itertools.count()
    lock = threading.Lock()
    acked: list[str] = []
    post_ms: list[float] = []
    read_ms: collections.defaultdict[str, list[float]] = collections.defaultdict(list)
    failures = collections.Counter()
    writing = threading.Event()
    writing.set()

    with gunicorn("portal.app:create_app()", {"DATABASE_URL": url}, workers=args.workers) as base:
        def writer(email: str):
            r = Resident(base, email, timeout=120)
            r.login()
            while True:
                n = next(tickets)
                if n >= args.reports:
                    return
                csrf, token = r.form()
                with_photo = random.random() < args.photo_share
                t0 = time.perf_counter()
                resp = r.submit(csrf, token, random.choice(points), photo if with_photo else None)
                took = (time.perf_counter() - t0) * 1000
                ref = reference_from(resp)
                with lock:
                    if ref:
                        acked.append(ref)
                        post_ms.append(took)
                    else:
                        failures[resp.status_code] += 1

        def reader():
            s = requests.Session()
            while writing.is_set():
                with lock:
                    ref = random.choice(acked) if acked else None
                for name, path in (("GET /reports/<ref>", f"/reports/{ref}" if ref else "/"),
                                   ("GET /map (or /)", "/map"),
                                   ("GET /api/map (borough)", "/api/map?bbox=-0.07,51.41,0.04,51.49")):
                    t0 = time.perf_counter()
                    resp = s.get(base + path, timeout=120)
                    if resp.status_code == 404:
                        continue        # that page is not in this build
                    read_ms[name].append((time.perf_counter() - t0) * 1000)
                    if resp.status_code >= 500:
                        failures[f"read {resp.status_code}"] += 1

        writers = [threading.Thread(target=writer, args=(e,)) for e in emails]
        readers = [threading.Thread(target=reader) for _ in range(args.readers)]
        started = time.monotonic()
        [t.start() for t in writers + readers]
        [t.join() for t in writers]
        elapsed = time.monotonic() - started
        writing.clear()
        [t.join() for t in readers]

    stored = stored_references(url)
    say(summary("POST /report (acked)", post_ms, elapsed))
    for name, values in sorted(read_ms.items()):
        say(summary(name, values, elapsed))
    say(f"elapsed {elapsed:.1f} s; reports acknowledged {len(acked)}, stored {len(stored)}, "
        f"distinct stored {len(set(stored))}, failures {dict(failures) or 'none'}")
    ok = (len(acked) == args.reports and not failures and sorted(acked) == sorted(stored)
          and len(set(stored)) == len(stored) and half_written(url) == 0)
    say("CHECK every report acknowledged, stored exactly once, nothing else, no errors: " + ("PASS" if ok else "FAIL"))
    say(f"baseline: trivial Flask endpoint under the same gunicorn, this Python client: "
        f"{trivial_baseline(args.workers):.0f} req/s")
    wrk = wrk_baseline(args.workers)
    if wrk:
        say(f"baseline: trivial Flask endpoint under the same gunicorn: {wrk}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
