"""Fill a SEPARATE benchmark database (kerbside_bench in the private cluster, or the one named by
$KERBSIDE_BENCH_DB) with synthetic reports spread over the Lewisham wards, with realistic timelines. Loads with
COPY, triggers off and indexes rebuilt afterwards, then recomputes the performance summaries.

    .venv/bin/python -m bench.fill [--reports 1000000] [--years 3]
"""
from __future__ import annotations

import argparse
import io
import math
import os
import random
import time
from datetime import datetime, timedelta, timezone

import psycopg2
from alembic import command
from pyproj import Transformer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from devtools import cluster
from portal.cli import alembic_config

#: The database filled and measured: KERBSIDE_BENCH_DB names another (e.g. one kept for one benchmark alone).
BENCH_DB = os.environ.get("KERBSIDE_BENCH_DB", "kerbside_bench")
#: Relative frequency of categories (fly tipping dominates, as in Lewisham's FixMyStreet history).
WEIGHTS = {"fly_tipping": 30, "street_cleaning": 10, "missed_bin": 8, "dog_fouling": 3, "graffiti": 6,
           "pothole": 10, "road_pavement": 6, "street_light": 6, "abandoned_vehicle": 3, "parking": 3,
           "tree": 3, "parks": 2, "other": 4, "bin_repair": 2, "fly_posting": 1, "trade_waste": 1,
           "shopping_trolley": 1, "offensive_graffiti": 1, "road_sign": 1, "housing_estate": 2}
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
OPEN_STATUSES = ("new", "confirmed", "investigating", "assigned", "in_progress", "reopened")


def bench_url() -> str:
    base = cluster.ensure()
    return make_url(base).set(database=BENCH_DB).render_as_string(hide_password=False)


def reference(n: int) -> str:
    out = ""
    for _ in range(7):
        n, r = divmod(n, 32)
        out += ALPHABET[r]
    return "KB-" + out


def prepare(url: str) -> None:
    cluster.ensure_database(url)
    cfg = alembic_config(url)
    command.upgrade(cfg, "heads")
    engine = create_engine(url)
    with Session(engine) as session:
        from gis.importers import import_postcodes, import_wards
        from portal.services import demo
        if not session.execute(text("SELECT EXISTS (SELECT 1 FROM wards)")).scalar():
            import_wards(session, demo.WARDS_FILE)
            demo.load_categories(session)
            session.commit()
        if not session.execute(text("SELECT EXISTS (SELECT 1 FROM postcodes)")).scalar():   # Open311 bench
            import_postcodes(session, demo.POSTCODES_FILE)
            session.commit()
    engine.dispose()


def timeline(rng: random.Random, created: datetime, target: int, now: datetime) -> tuple[str, datetime | None]:
    """85% fixed (log-normal around 70% of the target), 8% closed another way, the rest open if young."""
    roll = rng.random()
    if roll < 0.85:
        hours = rng.lognormvariate(math.log(0.7 * target), 0.9)
        fixed = created + timedelta(hours=max(0.2, hours))
        if fixed <= now:
            return "fixed", fixed
        return rng.choice(OPEN_STATUSES[:5]), None
    if roll < 0.93:
        return rng.choice(("closed", "duplicate", "not_responsible")), None
    return rng.choice(OPEN_STATUSES), None


def fill(url: str, count: int, years: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    conn = psycopg2.connect(cluster._dsn(url))
    cur = conn.cursor()
    started = time.monotonic()
    cur.execute("SELECT id, code, target_hours FROM categories")
    cats = {code: (cid, target) for cid, code, target in cur.fetchall()}
    codes = [c for c in WEIGHTS if c in cats]
    weights = [WEIGHTS[c] for c in codes]
    cur.execute("TRUNCATE reports CASCADE")
    # Points uniformly over the wards (in proportion to area), made by PostGIS.
    cur.execute("""
        SELECT w.id, ST_X(d.geom), ST_Y(d.geom)
        FROM (SELECT id, geom, area_km2 FROM wards) w,
             LATERAL (SELECT (ST_Dump(ST_GeneratePoints(w.geom,
                       greatest(1, round(%s * w.area_km2 / (SELECT sum(area_km2) FROM wards)))::int, %s))).geom) d
    """, (count, seed))
    places = cur.fetchall()
    rng.shuffle(places)
    # The ward trigger is off during COPY (so is the due time trigger: due_at is written below), so the British
    # National Grid point is projected here (pyproj, the same PROJ as PostGIS) in one vectorised call.
    xs, ys = Transformer.from_crs(4326, 27700, always_xy=True).transform([p[1] for p in places],
                                                                         [p[2] for p in places])
    print(f"points: {len(places):,} in {time.monotonic() - started:.1f} s")

    cur.execute("""SELECT indexdef, indexname FROM pg_indexes WHERE tablename = 'reports'
                   AND indexname NOT LIKE 'pk_%%' AND indexname NOT LIKE 'uq_%%'""")
    indexes = cur.fetchall()
    for _def, name in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    cur.execute("SET session_replication_role = replica")   # no per-row triggers: ward given, summaries rebuilt

    now = datetime.now(timezone.utc).replace(microsecond=0)
    span = years * 365 * 86400
    columns = ("reference", "category_id", "description", "geom", "geom_bng", "ward_id", "status", "anonymous",
               "answers", "channel", "created_at", "updated_at", "fixed_at", "due_at")
    # Reports arrive in time order, so the table is (roughly) in created_at order, as in real life.
    moments = sorted(rng.random() * span for _ in places)
    batch = io.StringIO()
    for n, (ward_id, lon, lat) in enumerate(places, 1):
        code = rng.choices(codes, weights)[0]
        cid, target = cats[code]
        created = now - timedelta(seconds=span - moments[n - 1])
        status, fixed = timeline(rng, created, target, now)
        updated = fixed or created
        batch.write(f"{reference(n)}\t{cid}\tSynthetic report {n}\tSRID=4326;POINT({lon:.6f} {lat:.6f})\t"
                    f"SRID=27700;POINT({xs[n - 1]:.2f} {ys[n - 1]:.2f})\t{ward_id}\t"
                    f"{status}\tt\t{{}}\tbench\t{created.isoformat()}\t{updated.isoformat()}\t"
                    f"{fixed.isoformat() if fixed else chr(92) + 'N'}\t"
                    f"{(created + timedelta(hours=target)).isoformat()}\n")
        if n % 200_000 == 0 or n == len(places):
            batch.seek(0)
            cur.copy_expert(f"COPY reports ({', '.join(columns)}) FROM STDIN", batch)
            batch = io.StringIO()
            print(f"copied {n:,} rows at {time.monotonic() - started:.1f} s")
    cur.execute("SET session_replication_role = DEFAULT")
    for definition, name in indexes:
        cur.execute(definition)
    print(f"indexes rebuilt at {time.monotonic() - started:.1f} s")
    cur.execute("SELECT kerbside_perf_rebuild()")
    cur.execute("SELECT kerbside_measures_rebuild()")
    conn.commit()
    print(f"summaries rebuilt at {time.monotonic() - started:.1f} s")
    conn.autocommit = True
    cur.execute("VACUUM ANALYZE reports")
    cur.execute("VACUUM ANALYZE perf_daily")
    cur.execute("VACUUM ANALYZE perf_fix_hours")
    for table in ("perf_fix_hours_monthly", "perf_due_daily", "perf_due_monthly", "perf_flow_daily"):
        cur.execute(f"VACUUM ANALYZE {table}")
    print(f"analysed: {len(places):,} reports in {time.monotonic() - started:.1f} s")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args()
    url = bench_url()
    prepare(url)
    fill(url, args.reports, args.years)


if __name__ == "__main__":
    main()
