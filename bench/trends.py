"""What the 24-month trends cost a ward page at scale (issue 12: < 30 ms added), and the whole ward and
performance pages with them.

Run bench.fill first (1,000,000 reports in kerbside_bench), then:
    .venv/bin/python -m bench.trends [--runs 30]
Endpoints are called in-process through Flask's test client (no HTTP server), one warm connection pool.
"""
from __future__ import annotations

import argparse
import os
from datetime import datetime, timezone

from bench.fill import bench_url
from bench.maps import timed

RUSHEY_GREEN = "E05013730"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = bench_url()
    from sqlalchemy import select

    from portal.app import create_app
    from portal import db
    from gis.measures import data_end, measures_table, ward_headline
    from gis.performance import parse_period
    from gis.promises import what_to_expect
    from gis.trends import monthly_points, year_on_year
    from models import Category, Ward

    # The gis figures worked out afresh (no figure cache), and the pages as served (figures kept 60 s).
    app = create_app({"RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost", "FIGURES_CACHE_SECONDS": 60})
    cold = create_app({"RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost", "FIGURES_CACHE_SECONDS": 0})
    client = app.test_client()
    today = datetime.now(timezone.utc).date()
    print(f"{args.runs} runs each; times in ms (p50 / p95); figures worked out afresh (figure cache off)\n")
    with cold.app_context():
        session = db.session()
        end = data_end(session, today)
        period = parse_period("365", None, None, end)
        ward_id = session.scalar(select(Ward.id).where(Ward.code == RUSHEY_GREEN))
        fly = session.scalars(select(Category).where(Category.code == "fly_tipping")).one()

        def trends(category_id=0):
            points = monthly_points(session, [ward_id], end, 24, category_id)
            borough = monthly_points(session, None, end, 24, category_id)
            return year_on_year(points), borough
        pieces = [
            ("trends for a ward page (ward + borough + verdict), all", lambda: trends(), "< 30"),
            ("trends for a ward page, fly tipping", lambda: trends(fly.id), "< 30"),
            ("ward headline (every measure, ward and borough), all 365 d",
             lambda: ward_headline(session, ward_id, period), "< 60"),
            ("measures table (every ward), all 365 d", lambda: measures_table(session, period), "< 60"),
            ("what to expect (fly tipping, Rushey Green, 12 months)",
             lambda: what_to_expect(session, fly.id, fly.target_hours, ward_id, end), "< 20"),
        ]
        for name, fn, target in pieces:
            p50, p95 = timed(fn, args.runs)
            print(f"{name:62} {p50:7.1f} / {p95:7.1f}   target {target}")
    for name, path, target in [("ward page Rushey Green, all 365 d", f"/wards/{RUSHEY_GREEN}?period=365", "< 300"),
                               ("ward page Rushey Green, fly tipping 365 d",
                                f"/wards/{RUSHEY_GREEN}?category=fly_tipping&period=365", "< 300"),
                               ("/performance page, all categories 365 d", "/performance?period=365", "< 1000")]:
        # (pages as served: public figures kept 60 s by the figure cache)
        def call(path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        p50, p95 = timed(call, args.runs)
        print(f"{name:62} {p50:7.1f} / {p95:7.1f}   target {target}")


if __name__ == "__main__":
    main()
