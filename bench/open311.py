"""Open311 speed under gunicorn: GET requests.json with each filter (100 per page), one request by id, and
POST requests.json from 8 concurrent clients, then a check that every acknowledged request is stored once.

    .venv/bin/python -m bench.open311                      # the dev database (demo data); bench rows removed after
    .venv/bin/python -m bench.open311 --fill 1000000       # a separate database with N synthetic reports

Targets (issue 5, on 1M reports): list p95 < 20 ms, single request < 5 ms, POST p95 < 50 ms with 8 clients.
"""
from __future__ import annotations

import argparse
import random
import threading
import time
import uuid
from datetime import timedelta

import psycopg2
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from portal import cluster
from portal.services.apikeys import create_key, revoke_key

from .harness import gunicorn, sample_points, say, scratch_database, summary

BENCH_DB = "kerbside_bench_open311"

FILL_SQL = """
ALTER TABLE reports DISABLE TRIGGER reports_set_ward;
WITH pts AS (SELECT array_agg(ST_X(p.geom)) AS xs, array_agg(ST_Y(p.geom)) AS ys, count(*)::int AS n
             FROM postcodes p JOIN wards w ON ST_Covers(w.geom, p.geom)),
     cats AS (SELECT array_agg(id ORDER BY id) AS ids, count(*)::int AS n,
                     (SELECT id FROM categories WHERE code = 'fly_tipping') AS fly FROM categories),
     rows AS (SELECT g, 1 + floor(random() * pts.n)::int AS k, random() AS r,
                     now() - random() * interval '3 years' AS t
              FROM generate_series(%(start)s, %(stop)s) g, pts)
INSERT INTO reports (reference, category_id, description, geom, status, anonymous, answers, channel,
                     created_at, updated_at, fixed_at)
SELECT 'KB-' || upper(lpad(to_hex(g), 7, '0')),
       CASE WHEN random() < 0.5 THEN cats.fly ELSE cats.ids[1 + floor(random() * cats.n)::int] END,
       'Synthetic report ' || g,
       ST_SetSRID(ST_MakePoint(pts.xs[k] + (random() - 0.5) * 0.002, pts.ys[k] + (random() - 0.5) * 0.0014), 4326),
       (CASE WHEN r < 0.80 THEN 'fixed' WHEN r < 0.85 THEN 'closed' WHEN r < 0.90 THEN 'new'
             WHEN r < 0.95 THEN 'in_progress' ELSE 'investigating' END)::report_status,
       true, '{}'::jsonb, 'bench', t, t + interval '1 day', CASE WHEN r < 0.80 THEN t + interval '1 day' END
FROM rows, pts, cats;
ALTER TABLE reports ENABLE TRIGGER reports_set_ward;
"""


def fill(url: str, n: int) -> None:
    conn = psycopg2.connect(cluster._dsn(url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM reports")
        have = cur.fetchone()[0]
        if have >= n:
            say(f"bench database already has {have:,} reports")
            return
        started = time.monotonic()
        step = 200_000
        for start in range(have + 1, n + 1, step):
            cur.execute(FILL_SQL, {"start": start, "stop": min(n, start + step - 1)})
            say(f"  inserted up to {min(n, start + step - 1):,} ({time.monotonic() - started:.0f} s)")
        cur.execute("UPDATE reports r SET ward_id = w.id FROM wards w "
                    "WHERE r.ward_id IS NULL AND ST_Covers(w.geom, r.geom)")
        cur.execute("VACUUM ANALYZE reports")
        say(f"filled {n - have:,} synthetic reports in {time.monotonic() - started:.0f} s")
    conn.close()


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


def timed_gets(http: requests.Session, base: str, paths: list[str], rounds: int) -> list[float]:
    out = []
    for i in range(rounds):
        path = paths[i % len(paths)]
        started = time.perf_counter()
        resp = http.get(base + path, timeout=30)
        out.append((time.perf_counter() - started) * 1000)
        if resp.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {resp.status_code} {resp.text[:200]}")
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
    http = requests.Session()
    for name, paths in variants.items():
        timed_gets(http, base, paths, 10)                     # warm up
        started = time.monotonic()
        lat = timed_gets(http, base, paths, rounds)
        say(summary(f"GET {name}", lat, time.monotonic() - started))
    singles = [f"/open311/v2/requests/{r}.json" for r in refs]
    started = time.monotonic()
    say(summary("GET requests/{id}.json", timed_gets(http, base, singles, rounds), time.monotonic() - started))


def bench_posts(base: str, url: str, key: str, clients: int, posts: int) -> str:
    run = uuid.uuid4().hex[:8]
    points = sample_points(url, 500)
    acked: dict[str, str] = {}          # description -> reference
    duplicates_ok, failures, latencies = [], [], []
    lock = threading.Lock()

    def client(c: int):
        http = requests.Session()
        for i in range(posts // clients):
            lat, lon = random.choice(points)
            data = {"api_key": key, "service_code": "fly_tipping", "lat": f"{lat:.6f}", "long": f"{lon:.6f}",
                    "description": f"Bench {run} {c}-{i}", "device_id": f"bench-{run}-{c}",
                    "attribute[size]": "car_boot", "attribute[waste][]": "household", "attribute[where]": "road",
                    "attribute[witnessed]": "no"}
            for attempt in range(2 if i % 10 == 0 else 1):   # every tenth is sent twice: one request
                started = time.perf_counter()
                resp = http.post(base + "/open311/v2/requests.json", data=data, timeout=30)
                took = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(took)
                    if resp.status_code != 201:
                        failures.append(resp.status_code)
                        continue
                    ref = resp.json()[0]["service_request_id"]
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
        url = scratch_database(BENCH_DB) if not _has_db(BENCH_DB) else _db_url(BENCH_DB)
        fill(url, args.fill)
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
            if not args.fill and "run" in locals():      # leave the dev database as it was
                s.execute(text("DELETE FROM reports WHERE description LIKE :d"),
                          {"d": f"Bench {run} %"})
                s.commit()
        engine.dispose()


def _db_url(name: str) -> str:
    return cluster.make_url(cluster.ensure()).set(database=name).render_as_string(hide_password=False)


def _has_db(name: str) -> bool:
    conn = psycopg2.connect(cluster._dsn(cluster.ensure()))
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        found = cur.fetchone() is not None
    conn.close()
    return found


if __name__ == "__main__":
    main()
