"""Latency of the maps endpoints at scale, beside the raw SQL time of each one's main query.

Run bench.fill first (1,000,000 reports in kerbside_bench), then:
    .venv/bin/python -m bench.maps [--runs 30]
Endpoints are called in-process through Flask's test client (no HTTP server), one warm connection pool.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime, timezone

import psycopg2

from bench.fill import bench_url
from devtools import cluster

CATFORD_STREET = "-0.0241,51.4434,-0.0169,51.4470"     # about 500 m × 400 m around Catford
BOROUGH = "-0.08,51.41,0.04,51.49"


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


def timed(fn, runs: int) -> tuple[float, float]:
    for _ in range(3):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), pct(samples, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = bench_url()
    os.environ["DATABASE_URL"] = url
    from portal.app import create_app
    from portal import db
    from gis import explore, hotspots, measures, performance
    from portal.maps.filters import STATUS_CHOICES, parse_filters
    from portal.maps.views import hotspot_window
    from models import Report
    from sqlalchemy import func, select
    from portal.services.fairness import REFRESH_MINUTES, refresh_fairness
    from portal.services.visibility import visible_to
    from werkzeug.datastructures import MultiDict

    # Pages as served (figures kept a minute, FIGURES_CACHE_SECONDS=60) and with every figure worked out afresh
    # (the cache off: what the first visitor of each minute waits for).
    app = create_app({"RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost", "FIGURES_CACHE_SECONDS": 60})
    cold_app = create_app({"RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost", "FIGURES_CACHE_SECONDS": 0})
    client, cold_client = app.test_client(), cold_app.test_client()
    raw = psycopg2.connect(cluster._dsn(url))
    raw.autocommit = True
    cur = raw.cursor()
    cur.execute("SELECT count(*), min(created_at)::date, max(created_at)::date FROM reports")
    count, first, last = cur.fetchone()
    print(f"{count:,} reports from {first} to {last}; {args.runs} runs each; times in ms (p50 / p95)\n")
    # /fairness reads the figures the mail worker stores every REFRESH_MINUTES (a database never refreshed has
    # the page work them out itself, ~1 s at 1M): refreshed here as the worker does, and what that round costs.
    with app.app_context():
        session = db.new_session(app)
        started = time.perf_counter()
        refresh_fairness(session)
        session.close()
    print(f"fairness figures stored, as the worker does every {REFRESH_MINUTES} minutes: "
          f"{(time.perf_counter() - started) * 1000:.0f} ms\n")
    today = datetime.now(timezone.utc).date()

    def raw_sql(sql: str):
        return lambda: (cur.execute(sql), cur.fetchall())

    def compiled(query_args: str, build) -> str:
        with app.app_context():
            session = db.session()
            filters = parse_filters(session, MultiDict(a.split("=") for a in query_args.split("&")), today)
            stmt = build(session, filters)
            return str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))

    def points_sql(bbox):
        def build(session, f):
            conds = explore.report_conditions(visible_to(None), f.period, f.category_id, STATUS_CHOICES[f.status],
                                              None, explore.parse_bbox(bbox))
            return explore.points_geojson_select(conds, 5001)
        return build

    def period_sql(q: str, sql_text: str) -> str:
        with app.app_context():
            session = db.session()
            f = parse_filters(session, MultiDict(a.split("=") for a in q.split("&")), today)
        full_start, full_end = performance.whole_months(f.period)
        return (sql_text.replace(":cat", str(f.category_id)).replace(":start", f"'{f.period.start}'")
                .replace(":end", f"'{f.period.end}'").replace(":full_start", f"'{full_start}'")
                .replace(":full_end", f"'{full_end}'"))

    naive_measures = """
        SELECT r.ward_id, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY r.fixed_at - r.created_at),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY r.fixed_at - r.created_at),
               count(*) FILTER (WHERE r.fixed_at - r.created_at <= make_interval(hours => c.target_hours)),
               count(*) FILTER (WHERE r.status IN ('new','confirmed','investigating','assigned','in_progress','reopened'))
        FROM reports r JOIN categories c ON c.id = r.category_id
        WHERE r.created_at >= :start AND ({cat} = 0 OR r.category_id = {cat}) GROUP BY r.ward_id"""

    fly365, all365, fly90 = "category=fly_tipping&period=365", "category=all&period=365", "category=fly_tipping&period=90"
    cases = [
        ("street-zoom map, all categories 365 d", f"/api/map?bbox={CATFORD_STREET}&period=365",
         raw_sql(compiled("period=365", points_sql(CATFORD_STREET))), "GeoJSON of points in the box (limit 5001)", "≤ 2× raw SQL"),
        ("street-zoom map, all categories 3 years", f"/api/map?bbox={CATFORD_STREET}&start={today.replace(year=today.year - 3)}&end={today}",
         raw_sql(compiled(f"start={today.replace(year=today.year - 3)}&end={today}", points_sql(CATFORD_STREET))),
         "GeoJSON of points in the box (limit 5001)", "≤ 2× raw SQL"),
        ("borough map, fly tipping 90 d", f"/api/map?bbox={BOROUGH}&{fly90}",
         raw_sql(period_sql(fly90, "SELECT ward_id, sum(reported) FROM perf_daily WHERE category_id = :cat AND day BETWEEN :start AND :end GROUP BY ward_id")),
         "summary counts per ward", "< 50"),
        ("borough map, all categories 365 d", f"/api/map?bbox={BOROUGH}&{all365}",
         raw_sql(period_sql(all365, "SELECT ward_id, sum(reported) FROM perf_daily WHERE category_id = :cat AND day BETWEEN :start AND :end GROUP BY ward_id")),
         "summary counts per ward", "< 50"),
        ("ward measures (gis), fly tipping 365 d", None, None, None, "< 50"),
        ("ward measures (gis), all categories 365 d", None, None, None, "< 50"),
        ("/performance page, fly tipping 365 d", f"/performance?{fly365}",
         raw_sql(period_sql(fly365, measures._FIXES.text)), "fix-time histogram per ward", "< 1000 (page)"),
        ("/performance page, all categories 365 d", f"/performance?{all365}",
         raw_sql(period_sql(all365, measures._FIXES.text)), "fix-time histogram per ward", "< 1000 (page)"),
        ("ward page Rushey Green, all 365 d", "/wards/E05013730?period=365", None, None, "< 300"),
        ("ward page Rushey Green, fly tipping 365 d", f"/wards/E05013730?{fly365}", None, None, "< 300"),
        ("hexagons 250 m, fly tipping 90 d", f"/api/hexagons?{fly90}",
         raw_sql(compiled(fly90, lambda s, f: select(func.ST_Transform(Report.geom, 27700)).where(
             *explore.report_conditions(visible_to(None), f.period, f.category_id)))),
         "naive: live points → EPSG:27700 (endpoint reads hex_daily)", "< 150"),
        ("hotspots, fly tipping 90 d", f"/api/hotspots?{fly90}", None,
         "endpoint: stored list (≤ 5 min old); raw: ST_ClusterDBSCAN 50 m / 3", "< 100"),
        ("hotspots, all categories 90 d", "/api/hotspots?period=90", None,
         "endpoint: stored list (≤ 5 min old); raw: ST_ClusterDBSCAN 50 m / 3", "< 100"),
        ("/map page (list + map shell), 365 d", "/map?period=365", None, None, "< 1000"),
        ("/density page, fly tipping 90 d", f"/density?{fly90}", None, None, "< 1000"),
        ("/data page", "/data", None, None, "< 1000"),
        ("neighbourhood page /near SE6 4RU", "/near?postcode=SE6+4RU", None, None, "< 150"),
        ("/fairness page", "/fairness", None, None, "< 1000"),
    ]
    print("pages: as served (public figures kept 60 s) and, in the last column, with the figure cache off\n")
    print(f"{'case':46} {'endpoint':>17} {'raw SQL':>17}  target   main query")
    for name, path, sql_fn, what, target in cases:
        if path is None:
            cat = "fly_tipping" if "fly" in name else "all"

            with cold_app.app_context():
                session = db.session()
                f = parse_filters(session, MultiDict({"category": cat, "period": "365"}), today)
                end = timed(lambda: measures.measures_table(session, f.period, f.category_id), args.runs)
            q = f"category={cat}&period=365"
            sql_fn = raw_sql(";".join(period_sql(q, part.text) for part in (
                measures._REPORTED, measures._FIXES, measures._STILL_OPEN, measures._DUE)))
            naive = raw_sql(period_sql(q, naive_measures.replace("{cat}", ":cat")))
            raw_t = timed(sql_fn, args.runs)
            naive_t = timed(naive, max(5, args.runs // 3))
            print(f"{name:46} {end[0]:7.1f} / {end[1]:7.1f} {raw_t[0]:7.1f} / {raw_t[1]:7.1f}  {target:8} "
                  f"summaries (naive SQL on reports: {naive_t[0]:.0f} / {naive_t[1]:.0f})")
            continue
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:300])
        end = timed(lambda: client.get(path), args.runs)
        if sql_fn is None and what and "DBSCAN" in what:
            with app.app_context():
                session = db.session()
                f = parse_filters(session, MultiDict(a.split("=") for a in path.split("?")[1].split("&")), today)
                since, until = hotspot_window(f)
                raw_t = timed(lambda: hotspots.hotspots(session, since, until, f.category_id), args.runs)
        else:
            raw_t = timed(sql_fn, args.runs) if sql_fn else None
        raw_s = f"{raw_t[0]:7.1f} / {raw_t[1]:7.1f}" if raw_t else f"{'–':>17}"
        cold_client.get(path)
        cold = timed(lambda: cold_client.get(path), args.runs)
        print(f"{name:46} {end[0]:7.1f} / {end[1]:7.1f} {raw_s}  {target:8} {what or ''}"
              f" [no figure cache: {cold[0]:.1f} / {cold[1]:.1f}]")
    raw.close()


if __name__ == "__main__":
    main()
