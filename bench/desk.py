"""Staff desk at scale (issue 14): search, the triage queue and the dashboard at 1,000,000 reports, p50 / p95.

Run bench.fill first (kerbside_bench), then:
    .venv/bin/python -m bench.desk [--runs 30]
The first run gives the synthetic reports realistic text (phrases with Lewisham street names from
/work/shared/data or a built-in list), 50,000 people with phone numbers and email addresses (one report in 20
is theirs) and 200,000 timeline notes; later runs reuse them. Targets: search p95 < 200 ms, queue p95 < 300 ms.
Services are called in-process with one warm session (what the pages call; rendering adds a few ms).
"""
from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from datetime import timedelta
from pathlib import Path

import psycopg2

from bench.fill import bench_url, prepare
from devtools import cluster

STREETS_CSV = Path("/work/shared/data/lewisham/streets_osm_2025.csv")
FALLBACK_STREETS = ["Rushey Green", "Wildfell Road", "Brownhill Road", "Bromley Road", "Lewisham High Street",
                    "Catford Hill", "Sangley Road", "Culverley Road", "Ringstead Road", "Canadian Avenue"]
PHRASES = ["Mattress and black bags dumped", "Fridge left on the pavement", "Broken glass across the path",
           "Overflowing litter bin", "Sofa and boxes by the garages", "Graffiti on the wall",
           "Pothole in the road", "Street light out", "Dog fouling by the school gate", "Abandoned car with no plates",
           "Builders' rubble and plasterboard", "Shopping trolley in the stream", "Needles in the alley"]
NOTES = ["Crew booked", "Inspected: needs a van", "Asbestos suspected: specialist booked", "Caller rang again",
         "Cleared and photographed", "Passed to highways"]
PEOPLE = 50_000


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


def streets() -> list[str]:
    if STREETS_CSV.exists():
        with STREETS_CSV.open(newline="") as f:
            names = sorted({row["name"] for row in csv.DictReader(f) if row.get("inside_borough") == "1"})
        if names:
            return names
    return FALLBACK_STREETS


def realistic_text(url: str) -> None:
    """Descriptions with words and streets, people with phones and emails, timeline notes (once)."""
    conn = psycopg2.connect(cluster._dsn(url))
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM people WHERE email LIKE '%%@desk.bench.invalid'")
    if cur.fetchone()[0] >= PEOPLE:
        conn.close()
        return
    started = time.monotonic()
    indexes = ("ix_reports_search_vector", "ix_reports_description_trgm", "ix_report_events_note_vector",
               "ix_reports_person_id")
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)", (list(indexes),))
    definitions = cur.fetchall()
    for name, _ in definitions:
        cur.execute(f'DROP INDEX "{name}"')
    cur.execute("UPDATE reports SET description = (%s::text[])[1 + id %% %s] || ' on ' || (%s::text[])[1 + (id / 7) %% %s]"
                " || '. Reported ' || to_char(created_at, 'DD Mon YYYY') || '.'",
                (PHRASES, len(PHRASES), streets(), len(streets())))
    print(f"descriptions: {cur.rowcount:,} at {time.monotonic() - started:.0f} s")
    cur.execute("INSERT INTO people (name, email, phone, phone_digits, preferred_contact, created_at, updated_at) "
                "SELECT 'Bench person ' || g, 'person' || g || '@desk.bench.invalid', "
                "'020 7946 ' || lpad(g::text, 5, '0'), '0207946' || lpad(g::text, 5, '0'), "
                "CASE WHEN g %% 3 = 0 THEN 'phone' ELSE 'email' END, now(), now() "
                "FROM generate_series(1, %s) g ON CONFLICT DO NOTHING", (PEOPLE,))
    cur.execute("UPDATE reports r SET person_id = p.id FROM people p "
                "WHERE r.id %% 20 = 0 AND p.email = 'person' || (1 + (r.id / 20) %% %s) || '@desk.bench.invalid'",
                (PEOPLE,))
    print(f"people: {cur.rowcount:,} reports linked at {time.monotonic() - started:.0f} s")
    cur.execute("INSERT INTO report_events (report_id, at, note, internal) SELECT id, created_at + interval '1 hour', "
                "(%s::text[])[1 + id %% %s], id %% 2 = 0 FROM reports WHERE id %% 5 = 0",
                (NOTES, len(NOTES)))
    print(f"notes: {cur.rowcount:,} at {time.monotonic() - started:.0f} s")
    for _, definition in definitions:
        cur.execute(definition)
    conn.commit()
    conn.autocommit = True
    for table in ("reports", "people", "report_events"):
        cur.execute(f"VACUUM ANALYZE {table}")
    print(f"indexes rebuilt and analysed at {time.monotonic() - started:.0f} s")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = bench_url()
    prepare(url)
    realistic_text(url)
    os.environ["DATABASE_URL"] = url
    from portal.app import create_app
    from portal import db
    from portal.services import dashboard, search, triage
    from sqlalchemy import select
    from models import Report, Ward, utcnow

    app = create_app({"RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost"})
    with app.app_context():
        session = db.session()
        count = session.scalar(select(Report.id).order_by(Report.id.desc()).limit(1))
        ward = session.scalar(select(Ward.id).order_by(Ward.name).limit(1))
        reference = session.scalar(select(Report.reference).where(Report.id == count // 2))
        today = utcnow().date()
        print(f"about {count:,} reports; {args.runs} runs each; times in ms (p50 / p95)\n")
        cases = {
            "search: reference": search.SearchQuery(text=reference),
            "search: phone (+44 form)": search.SearchQuery(text="+44 20 7946 01234"),
            "search: email": search.SearchQuery(text="person777@desk.bench.invalid"),
            "search: postcode": search.SearchQuery(text="SE6 4RU"),
            "search: rare word": search.SearchQuery(text="needles"),
            "search: common word": search.SearchQuery(text="mattress"),
            "search: common word, one ward, 30 days": search.SearchQuery(text="mattress", ward_id=ward,
                                                                          since=today - timedelta(days=30)),
            "search: street name": search.SearchQuery(text="Wildfell"),
            "search: words in notes": search.SearchQuery(text="asbestos specialist"),
            "search: hostile": search.SearchQuery(text="' OR 1=1 -- %_\\ & | ! ( :*"),
            "search: page 20 of a common word": search.SearchQuery(text="fridge", page=20),
        }
        for name, query in cases.items():
            p50, p95 = timed(lambda q=query: search.search(session, q), args.runs)
            print(f"{name:45} {p50:8.1f} / {p95:8.1f}")
        print()
        queues = {
            "queue: default (overdue first)": triage.QueueFilter(),
            "queue: due soonest": triage.QueueFilter(sort="due"),
            "queue: one ward": triage.QueueFilter(ward_id=ward),
            "queue: overdue only, by priority": triage.QueueFilter(overdue=True, sort="priority"),
            "queue: unassigned, newest": triage.QueueFilter(unassigned=True, sort="-created"),
            "queue: page 100": triage.QueueFilter(page=100),
            "queue: most supporters": triage.QueueFilter(sort="supporters"),
        }
        for name, f in queues.items():
            p50, p95 = timed(lambda f=f: triage.queue_page(session, f), args.runs)
            print(f"{name:45} {p50:8.1f} / {p95:8.1f}")
        print()
        for grouping in dashboard.GROUPINGS:
            p50, p95 = timed(lambda g=grouping: dashboard.dashboard(session, g), max(5, args.runs // 3))
            print(f"{'dashboard: by ' + grouping:45} {p50:8.1f} / {p95:8.1f}")
        session.rollback()


if __name__ == "__main__":
    main()
