"""Kerbside through PgBouncer in transaction mode (deploy/pgbouncer/pgbouncer.ini's pool settings), with one
server connection for every client, so any session state left on a connection (a SET, an advisory lock, a
temporary table, LISTEN) would reach the next transaction of another client.

What the app does that depends on the connection is all transaction-scoped: hotspots' ``SET LOCAL work_mem``,
the exports' server-side cursor (inside the request's transaction), temporary tables ``ON COMMIT DROP``, row
locks ``FOR UPDATE SKIP LOCKED``; psycopg2 prepares no statements on the server. These requests run them.
"""
from __future__ import annotations

import uuid

import psycopg2
import pytest
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from devtools import pgbouncer
from portal.services.apikeys import create_key

from ..factories import CATFORD
from . import gunicorn, server_env


def console(server, command: str) -> list[dict]:
    conn = psycopg2.connect(server.admin_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(command)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    conn.close()
    return rows


def direct_dsn(url: str) -> str:
    parts = make_url(url)
    return f"host={parts.query.get('host') or parts.host} dbname={parts.database} user={parts.username}"


def show(url: str, setting: str) -> str:
    conn = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://") if "://" in url else url)
    with conn.cursor() as cur:
        cur.execute(f"SHOW {setting}")
        value = cur.fetchone()[0]
    conn.close()
    return value


@pytest.fixture(scope="module")
def through_pgbouncer(database_url, engine, tmp_path_factory):
    try:
        pgbouncer.ensure_installed()
    except pgbouncer.PgBouncerMissing as missing:
        pytest.skip(f"pgbouncer cannot be installed here: {missing}")
    name = f"pgbouncer-test-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session:
        _record, key = create_key(session, name)
    tmp = tmp_path_factory.mktemp("pgbouncer")
    try:
        with pgbouncer.running(database_url, default_pool_size="1", min_pool_size="0",
                               reserve_pool_size="0") as pool:
            env = server_env(pool.url, tmp / "photos")
            with gunicorn(env, tmp, workers=2) as upstream:
                yield pool, f"http://{upstream}", key
    finally:
        with Session(engine) as session:
            session.execute(text("DELETE FROM reports WHERE description LIKE 'Through PgBouncer %'"))
            session.execute(text("DELETE FROM api_keys WHERE name = :n"), {"n": name})
            session.commit()


def test_the_app_works_through_transaction_pooling(through_pgbouncer, database_url):
    pool, base, key = through_pgbouncer
    database = make_url(database_url).database
    http = requests.Session()
    assert http.get(base + "/healthz", timeout=60).status_code == 200
    form = {"api_key": key, "service_code": "fly_tipping", "lat": f"{CATFORD.lat:.6f}",
            "long": f"{CATFORD.lon:.6f}", "description": f"Through PgBouncer {uuid.uuid4().hex}",
            "attribute[size]": "car_boot", "attribute[waste][]": "household", "attribute[where]": "road",
            "attribute[witnessed]": "no"}
    made = [http.post(base + "/open311/v2/requests.json", data=form, timeout=60) for _ in range(2)]
    assert [m.status_code for m in made] == [201, 201], made[0].text[:500]
    ids = [m.json()[0]["service_request_id"] for m in made]
    assert ids[0] == ids[1]                         # the repeat found the first: one report
    assert http.get(f"{base}/reports/{ids[0]}", timeout=60).status_code == 200
    hotspots = http.get(base + "/api/hotspots", timeout=60)
    assert hotspots.status_code == 200, hotspots.text[:500]
    export = http.get(base + "/data/reports.csv", timeout=60)
    assert export.status_code == 200 and ids[0] in export.text
    # Every transaction went through the one server connection, and none left a setting behind on it.
    assert {p["database"]: p["pool_mode"] for p in console(pool, "SHOW POOLS")}[database] == "transaction"
    assert {s["database"]: s for s in console(pool, "SHOW STATS")}[database]["total_xact_count"] > 5
    assert {p["database"]: p["sv_active"] + p["sv_idle"] + p["sv_used"]
            for p in console(pool, "SHOW POOLS")}[database] == 1
    assert show(pool.url, "work_mem") == show(direct_dsn(database_url), "work_mem")
