"""Public reads go to a real streaming replica (portal/db.py, portal/replica.py); writes, staff pages and a
person's own pages read the primary; a browser that has just written reads the primary for a while; a replica
that is down or too far behind is not read.

What a page read is shown by a report committed on the primary while the standby's replay is paused: the
replica does not have it, the primary does. Which server ran a page's statements is counted on each engine.
"""
from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import event, select

from models import Report, Role
from portal import db
from tests.conftest import FormClient, login
from tests.factories import report_form

from .conftest import committed_user, public_report

HEALTH_CHECK = ("pg_current_wal_lsn", "pg_is_in_recovery")


def statements(engine) -> list[str]:
    """Statements run on ``engine`` from now on, the replica health check left out."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):
        if not any(name in statement for name in HEALTH_CHECK):
            seen.append(statement)
    return seen


def open311(client, reference: str) -> int:
    return client.get(f"/open311/v2/requests/{reference}.json").status_code


def engines(app):
    return app.extensions[db.SESSIONS].kw["bind"], app.extensions[db.ROUTER].replica


# --- routing -------------------------------------------------------------------------------------------------

def test_a_public_page_reads_the_replica_and_a_staff_page_the_primary(make_app, replica_db, primary, primary_url,
                                                                     app_config):
    app = make_app()
    staff = login(app.test_client(), committed_user(primary, Role.STAFF, app_config))
    replica_db.pause_replay()
    report = public_report(primary)
    public = app.test_client()

    assert open311(public, report.reference) == 404
    assert report.reference not in public.get("/data/reports.geojson?period=30").get_data(as_text=True)
    assert report.reference not in public.get("/feeds/reports.atom").get_data(as_text=True)
    staff_page = staff.get(f"/staff/reports/{report.reference}")
    assert staff_page.status_code == 200 and report.reference in staff_page.get_data(as_text=True)
    assert public.get(f"/reports/{report.reference}").status_code == 200     # its own page: the primary

    replica_db.resume_replay()
    replica_db.wait_until_replayed(primary_url)
    assert open311(public, report.reference) == 200
    assert report.reference in public.get("/data/reports.geojson?period=30").get_data(as_text=True)


PUBLIC_PAGES = ["/map", "/api/map?bbox=-0.03,51.44,-0.01,51.45", "/performance?period=30", "/wards/E05013730",
                "/wards/E05013730/reports.csv", "/promises", "/promises.csv", "/fairness", "/density",
                "/api/hexagons", "/api/hotspots", "/data", "/data/reports.csv?period=30",
                "/data/reports.geojson?period=30", "/feeds/reports.atom", "/near?postcode=SE64TU",
                "/open311/v2/services.json", "/open311/v2/services/fly_tipping.json",
                "/open311/v2/requests.json", "/open311/v2/servicerequestupdates.json"]
PRIMARY_PAGES = ["/", "/report", "/login", "/healthz", "/about"]


def test_every_public_read_runs_on_the_replica_alone(make_app, primary):
    app = make_app()
    report = public_report(primary)
    on_primary, on_replica = (statements(e) for e in engines(app))
    client = app.test_client()
    for url in [*PUBLIC_PAGES, f"/feeds/reports/{report.reference}.atom",
                f"/open311/v2/requests/{report.reference}.json"]:
        del on_primary[:], on_replica[:]
        resp = client.get(url)
        body = resp.get_data(as_text=True)         # streamed exports run while the body is read
        assert resp.status_code == 200, (url, body[:300])
        assert on_replica and not on_primary, (url, on_primary)


def test_other_pages_run_on_the_primary(make_app, primary, app_config):
    app = make_app()
    report = public_report(primary)
    on_primary, on_replica = (statements(e) for e in engines(app))
    client = app.test_client()
    for url in [*PRIMARY_PAGES, f"/reports/{report.reference}"]:
        resp = client.get(url)
        assert resp.status_code == 200, url
    resident = login(app.test_client(), committed_user(primary, Role.RESIDENT, app_config))
    for url in ["/my/reports", "/account"]:            # (/notifications now leads to /account)
        assert resident.get(url).status_code == 200, url
    assert on_primary and not on_replica


# --- read-your-writes -----------------------------------------------------------------------------------------

def test_a_resident_who_has_just_written_reads_the_primary(make_app, replica_db, primary, app_config):
    app = make_app()
    resident = login(app.test_client(), committed_user(primary, Role.RESIDENT, app_config))
    assert resident.get_cookie(db.WROTE_COOKIE) is not None      # signing in wrote (the last sign-in time)
    resident.delete_cookie(db.WROTE_COOKIE, domain="localhost")
    replica_db.pause_replay()
    someone_elses = public_report(primary)
    assert open311(resident, someone_elses.reference) == 404     # reads the replica again

    resp = FormClient(resident).submit("/report", report_form())
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    assert resident.get_cookie(db.WROTE_COOKIE) is not None
    primary.expire_all()
    mine = primary.scalars(select(Report).order_by(Report.id.desc())).first()
    assert mine.reference != someone_elses.reference
    assert open311(resident, mine.reference) == 200              # their own write, from the primary
    assert mine.reference in resident.get("/data/reports.geojson?period=30").get_data(as_text=True)
    assert open311(app.test_client(), mine.reference) == 404     # everyone else: the replica, still paused


class Backdated(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 31


@pytest.mark.parametrize("marker, reads_primary", [
    (lambda key: TimestampSigner(key, salt=db._WROTE_SALT).sign(b"1").decode(), True),
    (lambda key: Backdated(key, salt=db._WROTE_SALT).sign(b"1").decode(), False),            # expired
    (lambda key: TimestampSigner("another key", salt=db._WROTE_SALT).sign(b"1").decode(), False),
    (lambda key: TimestampSigner(key, salt="another salt").sign(b"1").decode(), False),
    (lambda key: "1", False),
    (lambda key: "x" * 3000, False),
])
def test_only_a_fresh_signed_marker_sends_reads_to_the_primary(make_app, replica_db, primary, marker,
                                                                 reads_primary):
    app = make_app()
    replica_db.pause_replay()
    report = public_report(primary)
    client = app.test_client()
    client.set_cookie(db.WROTE_COOKIE, marker(app.config["SECRET_KEY"]))
    assert open311(client, report.reference) == (200 if reads_primary else 404)


def test_a_page_that_writes_nothing_leaves_no_marker(make_app):
    client = make_app().test_client()
    for url in ["/map", "/report", "/login"]:
        assert client.get(url).status_code == 200
    assert client.get_cookie(db.WROTE_COOKIE) is None


# --- fallback --------------------------------------------------------------------------------------------------

def test_a_stopped_replica_sends_public_reads_to_the_primary(make_app, replica_db, primary):
    cached = make_app(REPLICA_CHECK_SECONDS=3600)      # believes the replica is fine until the next check
    checked = make_app()
    replica_db.pause_replay()
    report = public_report(primary)
    for app in (cached, checked):
        assert open311(app.test_client(), report.reference) == 404
    replica_db.stop()
    for app in (cached, checked):
        client = app.test_client()
        assert open311(client, report.reference) == 200
        for url in PUBLIC_PAGES[:6]:
            resp = client.get(url)
            assert resp.status_code == 200 and resp.get_data(), url
        router = app.extensions[db.ROUTER]
        assert not router.state.usable and "does not answer" in router.state.reason


def test_a_replica_too_far_behind_is_not_read(make_app, replica_db, primary, primary_url):
    strict, lenient = make_app(REPLICA_MAX_LAG_SECONDS=0), make_app(REPLICA_MAX_LAG_SECONDS=3600)
    replica_db.pause_replay()
    report = public_report(primary)
    assert open311(strict.test_client(), report.reference) == 200        # behind: the primary
    assert open311(lenient.test_client(), report.reference) == 404       # within its bound: the replica
    state = strict.extensions[db.ROUTER].state
    assert not state.usable and "behind" in state.reason and state.lag_seconds > 0

    replica_db.resume_replay()
    replica_db.wait_until_replayed(primary_url)
    relaxed = make_app(REPLICA_MAX_LAG_SECONDS=60)
    on_primary, on_replica = (statements(e) for e in engines(relaxed))
    assert open311(relaxed.test_client(), report.reference) == 200
    assert on_replica and not on_primary                                 # caught up: the replica again


def test_a_server_that_is_not_a_standby_is_not_read(make_app, primary_url):
    app = make_app(REPLICA_DATABASE_URL=primary_url)
    assert app.test_client().get("/map").status_code == 200
    state = app.extensions[db.ROUTER].state
    assert not state.usable and "not a standby" in state.reason
