"""Latency of the promises page and its figures at scale (issue 12: p95 < 100 ms), and of the pieces behind it.

Run bench.fill first (1,000,000 reports in kerbside_bench), then:
    .venv/bin/python -m bench.promises [--runs 30]
Endpoints are called in-process through Flask's test client (no HTTP server), one warm connection pool.
"""
from __future__ import annotations

import argparse
import os
from datetime import datetime, timezone

from bench.fill import bench_url
from bench.maps import timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = bench_url()
    from portal.app import create_app
    from portal import db
    from gis.measures import data_end
    from gis.promises import promise_by_month, promise_years, promises

    # The figures worked out afresh (figure cache off); the pages as served (figures kept 60 s) and cold.
    app = create_app({"RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost", "FIGURES_CACHE_SECONDS": 60})
    cold = create_app({"RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost", "FIGURES_CACHE_SECONDS": 0})
    client, cold_client = app.test_client(), cold.test_client()
    today = datetime.now(timezone.utc).date()
    print(f"{args.runs} runs each; times in ms (p50 / p95)\n")
    with cold.app_context():
        session = db.session()
        end = data_end(session, today)
        years = promise_years(end)
        pieces = [
            ("data_end (where periods end)", lambda: data_end(session, today), "< 5"),
            ("promises: every category, this year and last, by ward", lambda: promises(session, years), "< 60"),
            ("promise by month, all categories, 24 months", lambda: promise_by_month(session, 0, end), "< 20"),
        ]
        for name, fn, target in pieces:
            p50, p95 = timed(fn, args.runs)
            print(f"{name:58} {p50:7.1f} / {p95:7.1f}   target {target}")
    for name, path, target in [("/promises page", "/promises", "p95 < 100"),
                               ("/promises page, fly tipping detail", "/promises?category=fly_tipping", "p95 < 100"),
                               ("/promises.csv", "/promises.csv", "p95 < 150")]:
        def call(path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        p50, p95 = timed(call, args.runs)

        def call_cold(path=path):
            assert cold_client.get(path).status_code == 200
        c50, c95 = timed(call_cold, args.runs)
        print(f"{name:58} {p50:7.1f} / {p95:7.1f}   target {target}   [no figure cache: {c50:.1f} / {c95:.1f}]")


if __name__ == "__main__":
    main()
