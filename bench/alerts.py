"""Alert matching: 10,000 confirmed alerts (ward, 200 m-2 km circles, whole council; a third limited to some
categories) against 2,000 new reports made public at once, matched by the worker's one set-based spatial join
(``portal.services.alerts.match_new_events``), then the emails written (``send_alert_emails``). The issue asks
for the matching in under 5 s. Run: .venv/bin/python -m bench.alerts (not part of the test run)."""
from __future__ import annotations

import random
import statistics
import time

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from .harness import make_users, scratch_database

ALERTS, REPORTS, RUNS = 10_000, 2_000, 3


def _setup(url: str) -> None:
    make_users(url, 2_000)
    engine = create_engine(url)
    rng = random.Random(13)
    with engine.begin() as conn:
        users = [r[0] for r in conn.execute(text("SELECT id FROM users"))]
        wards = [r[0] for r in conn.execute(text("SELECT id FROM wards"))]
        cats = [r[0] for r in conn.execute(text("SELECT id FROM categories"))]
        box = conn.execute(text("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                                "FROM (SELECT ST_Extent(geom) e FROM wards) x")).one()
        rows = []
        for i in range(ALERTS):
            kind = rng.choices(["radius", "ward", "council"], [80, 18, 2])[0]
            lon, lat = rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])
            rows.append({"u": rng.choice(users), "kind": kind, "ward": rng.choice(wards) if kind == "ward" else None,
                         "lon": lon, "lat": lat, "r": rng.choice([200, 500, 1000, 2000]),
                         "all": rng.random() > 0.33, "fixes": rng.random() > 0.5})
        conn.execute(text("""
            INSERT INTO alerts (user_id, kind, ward_id, centre, radius_m, area, new_reports, fixes, all_categories,
                                frequency, confirmed_at, place)
            SELECT :u, :kind, :ward,
                   CASE WHEN :kind = 'radius' THEN ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END,
                   CASE WHEN :kind = 'radius' THEN :r END,
                   CASE :kind WHEN 'radius' THEN ST_Buffer(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :r)::geometry
                              WHEN 'ward' THEN (SELECT geom FROM wards WHERE id = :ward) END,
                   true, :fixes, :all, 'instant', now(), 'bench'
        """), rows)
        conn.execute(text("INSERT INTO alert_categories (alert_id, category_id) SELECT a.id, c.id FROM alerts a "
                          "CROSS JOIN LATERAL (SELECT id FROM categories ORDER BY random() LIMIT 2) c "
                          "WHERE NOT a.all_categories"))
        conn.execute(text("ANALYZE"))
        conn.execute(text("UPDATE alert_progress SET last_event_id = (SELECT coalesce(max(id), 0) FROM report_events)"))
        for i in range(REPORTS):
            lon, lat = rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])
            conn.execute(text("""
                WITH r AS (INSERT INTO reports (reference, category_id, description, geom, status, anonymous, answers,
                                                channel, created_at, updated_at)
                           VALUES (:ref, :cat, 'bench', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'new', true,
                                   '{}'::jsonb, 'web', now() - interval '1 hour', now() - interval '1 hour')
                           RETURNING id)
                INSERT INTO report_events (report_id, at, to_status, note, internal)
                SELECT id, now() - interval '1 hour', 'new', 'Report made', false FROM r
            """), {"ref": f"KB-B{i:06d}"[:11], "cat": rng.choice(cats), "lon": lon, "lat": lat})
    engine.dispose()


def main() -> None:
    from portal.app import create_app
    from portal.db import links_for
    from portal.services.alerts import match_new_events, send_alert_emails
    url = scratch_database("kerbside_bench_alerts")
    _setup(url)
    app = create_app({"DATABASE_URL": url, "BASE_URL": "http://bench.invalid", "SECRET_KEY": "bench"})
    engine = create_engine(url)
    timings = []
    for run in range(RUNS):
        with Session(engine, info={"links": links_for(app)}) as session:
            session.execute(text("DELETE FROM alert_hits"))
            session.execute(text("UPDATE alert_progress SET last_event_id = (SELECT min(id) - 1 FROM report_events "
                                 "WHERE note = 'Report made' AND report_id IN (SELECT id FROM reports "
                                 "WHERE description = 'bench'))"))
            session.commit()
            started = time.perf_counter()
            hits = match_new_events(session, batch=1_000_000)
            timings.append(time.perf_counter() - started)
            print(f"run {run + 1}: {hits:,} matches of {ALERTS:,} alerts x {REPORTS:,} reports in "
                  f"{timings[-1]:.2f} s")
    with Session(engine, info={"links": links_for(app)}) as session:
        started = time.perf_counter()
        with app.app_context():
            written = send_alert_emails(session, now=None)
        print(f"emails written (first batch of at most 200 alerts): {written} in {time.perf_counter() - started:.2f} s")
    print(f"matching: median {statistics.median(timings):.2f} s (target < 5 s)")
    engine.dispose()


if __name__ == "__main__":
    main()
