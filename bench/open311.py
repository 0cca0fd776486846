"""Open311 speed under gunicorn: GET requests.json with each filter (100 per page), one request by id, and
POST requests.json from 8 concurrent clients, then a check that every acknowledged request is stored once.

    .venv/bin/python -m bench.open311                      # the dev database (demo data); bench rows removed after
    .venv/bin/python -m bench.open311 --fill 1000000       # the maps benchmark's database (bench.fill), filled
                                                           # with N synthetic reports if it holds fewer

Targets (issue 5, on 1M reports): list p95 < 20 ms, single request < 5 ms, POST p95 < 50 ms with 8 clients.
"""
from __future__ import annotations

import argparse
import json
import random
import threading
import time
import uuid
from datetime import timedelta

import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from devtools import cluster
from portal.services.apikeys import create_key, revoke_key

from . import fill
from .harness import LeanClient, gunicorn, sample_points, say, summary

def data_window(url: str) -> tuple[str, str, list[str]]:
    """The latest 90 days that hold data, and some visible references."""
    conn = psycopg2.connect(cluster._dsn(url))
    with conn.cursor() as cur:
        cur.execute("SELECT max(created_at) FROM reports WHERE status <> 'unconfirmed'")
        end = cur.fetchone()[0]
        cur.execute("SELECT reference FROM reports TABLESAMPLE SYSTEM (1) WHERE status <> 'unconfirmed' LIMIT 500")
        refs = [r[0] for r in cur.fetchall()]
    conn.close()
    iso = "%Y-%m-%dT%H:%M:%SZ"
    return (end - timedelta(days=90)).strftime(iso), end.strftime(iso), refs


def timed_gets(http: LeanClient, paths: list[str], rounds: int) -> list[float]:
    out = []
    for i in range(rounds):
        path = paths[i % len(paths)]
        started = time.perf_counter()
        status, body = http.get(path)
        out.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status} {body[:200]!r}")
    return out


def bench_reads(base: str, url: str, rounds: int) -> None:
    start, end, refs = data_window(url)
    window = f"start_date={start}&end_date={end}"
    points = sample_points(url, 200)
    boxes = [f"{lon - 0.0036:.5f},{lat - 0.0018:.5f},{lon + 0.0036:.5f},{lat + 0.0018:.5f}" for lat, lon in points]
    variants = {
        "/healthz (baseline)": ["/healthz"],
        "default (last 90 days)": ["/open311/v2/requests.json?page_size=100"],
        "latest 90 days of data": [f"/open311/v2/requests.json?page_size=100&{window}"],
        "fly_tipping, 90 days": [f"/open311/v2/requests.json?page_size=100&service_code=fly_tipping&{window}"],
        "status=open, 90 days": [f"/open311/v2/requests.json?page_size=100&status=open&{window}"],
        "graffiti closed, 90 days": [f"/open311/v2/requests.json?page_size=100&status=closed&service_code=graffiti"
                                     f"&{window}"],
        "street bbox, default dates": [f"/open311/v2/requests.json?page_size=100&bbox={b}" for b in boxes],
        "street bbox, open, 90 days": [f"/open311/v2/requests.json?page_size=100&status=open&bbox={b}&{window}"
                                       for b in boxes],
        "page 5, 90 days": [f"/open311/v2/requests.json?page_size=100&page=5&{window}"],
        "10 ids": [f"/open311/v2/requests.json?service_request_id={','.join(random.sample(refs, 10))}"
                   for _ in range(50)],
        "XML, latest 90 days": [f"/open311/v2/requests.xml?page_size=100&{window}"],
    }
    http = LeanClient(base)
    for name, paths in variants.items():
        timed_gets(http, paths, 10)                           # warm up
        started = time.monotonic()
        lat = timed_gets(http, paths, rounds)
        say(summary(f"GET {name}", lat, time.monotonic() - started))
    singles = [f"/open311/v2/requests/{r}.json" for r in refs]
    started = time.monotonic()
    say(summary("GET requests/{id}.json", timed_gets(http, singles, rounds), time.monotonic() - started))


def bench_posts(base: str, url: str, key: str, clients: int, posts: int) -> str:
    run = uuid.uuid4().hex[:8]
    points = sample_points(url, 500)
    acked: dict[str, str] = {}          # description -> reference
    duplicates_ok, failures, latencies = [], [], []
    lock = threading.Lock()

    def client(c: int):
        http = LeanClient(base)
        for i in range(posts // clients):
            lat, lon = random.choice(points)
            data = {"api_key": key, "service_code": "fly_tipping", "lat": f"{lat:.6f}", "long": f"{lon:.6f}",
                    "description": f"Bench {run} {c}-{i}", "device_id": f"bench-{run}-{c}",
                    "attribute[size]": "car_boot", "attribute[waste][]": "household", "attribute[where]": "road",
                    "attribute[witnessed]": "no"}
            for attempt in range(2 if i % 10 == 0 else 1):   # every tenth is sent twice: one request
                started = time.perf_counter()
                status, body = http.post_form("/open311/v2/requests.json", data)
                took = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(took)
                    if status != 201:
                        failures.append(status)
                        continue
                    ref = json.loads(body)[0]["service_request_id"]
                    if attempt:
                        duplicates_ok.append(acked.get(data["description"]) == ref)
                    acked[data["description"]] = ref

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    started = time.monotonic()
    [t.start() for t in threads]
    [t.join() for t in threads]
    say(summary(f"POST requests.json x{clients}", latencies, time.monotonic() - started))
    conn = psycopg2.connect(cluster._dsn(url))
    with conn, conn.cursor() as cur:
        cur.execute("SELECT description, reference FROM reports WHERE description LIKE %s", (f"Bench {run} %",))
        stored = cur.fetchall()
    conn.close()
    by_desc = {}
    for desc, ref in stored:
        by_desc.setdefault(desc, []).append(ref)
    once = all(len(refs) == 1 and refs[0] == acked.get(desc) for desc, refs in by_desc.items())
    say(f"POST check: {len(acked)} acknowledged, {len(stored)} stored, each once and as acknowledged: "
        f"{once and len(stored) == len(acked)}; duplicates answered with the same id: "
        f"{sum(duplicates_ok)}/{len(duplicates_ok)}; failures: {len(failures)} {sorted(set(failures))}")
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fill", type=int, default=0, help="use a separate bench database with N reports")
    parser.add_argument("--rounds", type=int, default=300, help="GETs per variant")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = parser.parse_args()

    if args.fill:
        url = fill.bench_url()
        fill.prepare(url)
        if _count(url) < args.fill:
            fill.fill(url, args.fill, 3)
    else:
        url = cluster.ensure()
    engine = create_engine(url)
    name = f"bench-{uuid.uuid4().hex[:8]}"
    with Session(engine) as s:
        _record, key = create_key(s, name)
        total = s.execute(text("SELECT count(*) FROM reports")).scalar()
    say(f"database: {url.rsplit('/', 1)[-1]} with {total:,} reports; gunicorn -w {args.workers}")
    try:
        with gunicorn("portal.app:create_app()", {"DATABASE_URL": url}, workers=args.workers) as base:
            bench_reads(base, url, args.rounds)
            run = bench_posts(base, url, key, args.clients, args.posts)
    finally:
        with Session(engine) as s:
            revoke_key(s, name)
            if "run" in locals():      # leave the database as it was (the 1M figure stays 1M)
                s.execute(text("DELETE FROM reports WHERE description LIKE :d"),
                          {"d": f"Bench {run} %"})
                s.commit()
        engine.dispose()


def _count(url: str) -> int:
    conn = psycopg2.connect(cluster._dsn(url))
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM reports")
        n = cur.fetchone()[0]
    conn.close()
    return n


if __name__ == "__main__":
    main()
