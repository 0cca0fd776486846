"""Latency of the fairness page at scale: the page reads the stored figures; computing them (when areas are
imported, and by the worker every few minutes) reads every report of the year with its small area.

Run bench.fill first (1,000,000 reports in kerbside_bench); the areas are imported here if there are none. Then:
    .venv/bin/python -m bench.fairness [--runs 30] [--database kerbside_bench]
Endpoints are called in-process through Flask's test client (no HTTP server), one warm connection pool.
"""
from __future__ import annotations

import argparse
import os
import time
from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.fill import bench_url
from bench.maps import timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database", default=None, help="another database of the private cluster (e.g. the "
                                                         "demo's, for a smoke run)")
    args = parser.parse_args()
    url = bench_url()
    if args.database:
        url = make_url(url).set(database=args.database).render_as_string(hide_password=False)
    os.environ["DATABASE_URL"] = url
    from portal.app import create_app
    from portal import db
    from portal.services import demo
    from gis.areas import import_areas
    from gis.fairness import assign_report_areas, fairness, stored_fairness, window
    from portal.services.fairness import refresh_fairness

    app = create_app({"RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost"})
    client = app.test_client()
    today = datetime.now(timezone.utc).date()
    with app.app_context():
        session = db.session()
        reports = session.execute(text("SELECT count(*) FROM reports")).scalar()
        if not session.execute(text("SELECT EXISTS (SELECT 1 FROM areas)")).scalar():
            started = time.perf_counter()
            import_areas(session, **demo.AREA_FILES)
            print(f"areas imported (reports placed, figures stored) in {time.perf_counter() - started:.1f} s")
        elif not session.execute(text("SELECT EXISTS (SELECT 1 FROM reports WHERE area_id IS NOT NULL)")).scalar():
            started = time.perf_counter()           # bench.fill loads with triggers off
            placed = assign_report_areas(session)
            session.commit()
            print(f"{placed:,} reports placed in their areas in {time.perf_counter() - started:.1f} s")
        print(f"{reports:,} reports; {args.runs} runs each; times in ms (p50 / p95)\n")
        since, until = window(session, today)
        refresh_runs = max(3, args.runs // 10)
        pieces = [
            ("store the figures (worker, area import)", lambda: refresh_fairness(session), "(background)",
             refresh_runs),
            ("figures computed directly (before the first store)", lambda: fairness(session, since, until), "–",
             refresh_runs),
            ("stored figures read", lambda: stored_fairness(session), "< 20", args.runs),
        ]
        for name, fn, target, runs in pieces:
            p50, p95 = timed(fn, runs)
            print(f"{name:50} {p50:8.1f} / {p95:8.1f}   target {target}")

    def page():
        response = client.get("/fairness")
        assert response.status_code == 200 and b"Figures computed at" in response.data, response.status_code

    p50, p95 = timed(page, args.runs)
    print(f"{'/fairness page':50} {p50:8.1f} / {p95:8.1f}   target p95 < 100")


if __name__ == "__main__":
    main()
