"""Kerbside as an Open311 client: a report routed to another body reaches that body's real Open311 server
(Kerbside's own API, served in a thread), its id is kept and shown; a body that is down or answers garbage leaves
the report waiting, retried with back-off, nothing lost and nothing sent twice."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from models import BodySend, Report, Status, utcnow
from portal.services.apikeys import create_key
from portal.services.body_sender import read_answer, BodyAnswerError, send_due
from portal.services.photos import PhotoStore
from portal.services.reports import NewReport, create_report

from ..bodies_helpers import ScriptedOpen311, free_port, kerbside_open311, make_body
from ..factories import CATFORD


@pytest.fixture()
def pothole(db_session, tmp_path):
    """A pothole report at CATFORD made through create_report (the one way reports are made)."""
    counter = iter(range(1000))

    def make(status: Status = Status.NEW) -> Report:
        data = NewReport(category_code="pothole", point=CATFORD, description="Deep pothole in the bus lane",
                         client_token=f"body-{next(counter)}-{id(tmp_path)}")
        return create_report(db_session, data, None, PhotoStore(tmp_path / "p"), status=status)
    return make


def test_a_red_route_report_reaches_the_bodys_open311_server_and_its_id_is_kept(db_session, connection, app_config,
                                                                               pothole, staff_client):
    body_key = create_key(db_session, "Kerbside as a client")[1]        # the key the other body gave us
    with kerbside_open311(connection, app_config) as endpoint:
        make_body(db_session, endpoint, categories={"pothole": "road_pavement"}, api_key=body_key)
        report = pothole()
        assert report.body_send is not None and report.body_send.sent_at is None
        summary = send_due(db_session, timeout=10)
        assert (summary.sent, summary.deferred) == (1, 0)
        again = send_due(db_session, timeout=10)                          # idempotent: nothing due any more
    assert (again.sent, again.deferred) == (0, 0)
    send = db_session.scalars(select(BodySend).where(BodySend.report_id == report.id)).one()
    assert send.sent_at is not None and send.attempts == 1 and send.last_error == ""
    theirs = db_session.scalars(select(Report).where(Report.reference == send.external_id)).one()
    assert theirs.id != report.id and theirs.category.code == "road_pavement" and theirs.channel == "open311"
    assert report.reference in theirs.description and "Deep pothole" in theirs.description
    assert theirs.body_send is None                                     # not routed on in turn
    staff_html = staff_client.get(f"/staff/reports/{report.reference}").get_data(as_text=True)
    public_html = staff_client.get(f"/reports/{report.reference}").get_data(as_text=True)
    for html in (staff_html, public_html):
        assert f"Sent to Transport for London (red routes) on" in html and f"their reference {theirs.reference}" in html


def test_the_xml_format_too(db_session, connection, app_config, pothole):
    body_key = create_key(db_session, "Kerbside as a client")[1]
    with kerbside_open311(connection, app_config) as endpoint:
        make_body(db_session, endpoint, categories={"pothole": "road_pavement"}, api_key=body_key, fmt="xml")
        report = pothole()
        assert send_due(db_session, timeout=10).sent == 1
    assert report.body_send.external_id.startswith("KB-")


def test_a_wrong_api_key_is_refused_by_the_body_and_the_report_waits(db_session, connection, app_config, pothole):
    with kerbside_open311(connection, app_config) as endpoint:
        make_body(db_session, endpoint, categories={"pothole": "road_pavement"}, api_key="not-a-key")
        report = pothole()
        summary = send_due(db_session, timeout=10)
    assert (summary.sent, summary.deferred) == (0, 1)
    send = report.body_send
    assert send.sent_at is None and send.attempts == 1 and "403" in send.last_error and "api_key" in send.last_error
    assert send.next_attempt_at > utcnow()


def test_a_body_that_is_down_then_answers_garbage_then_comes_back_gets_the_report_once(db_session, pothole,
                                                                                      staff_client):
    down = f"http://127.0.0.1:{free_port()}/open311/v2"                # nothing listens there
    body = make_body(db_session, down, categories={"pothole": "potholes"}, api_key="their-key")
    report = pothole()
    now = utcnow()
    summary = send_due(db_session, now=now, timeout=5)
    send = report.body_send
    assert (summary.sent, summary.deferred) == (0, 1)
    assert send.sent_at is None and "cannot reach the body" in send.last_error
    assert send.next_attempt_at == now + timedelta(seconds=30)
    assert send_due(db_session, now=now + timedelta(seconds=10), timeout=5).deferred == 0      # backing off
    html = staff_client.get(f"/staff/reports/{report.reference}").get_data(as_text=True)
    assert "Being sent to Transport for London" in html and "cannot reach the body" in html
    garbage = ScriptedOpen311([(200, "<html>Service Unavailable</html>"), (502, "Bad gateway"),
                               (201, "[]"), (201, json.dumps([{"service_request_id": "TFL-123"}]))])
    body.endpoint = garbage.url
    db_session.commit()
    later = now
    with garbage.running():
        for expected in ("not Open311 JSON", "answered 502", "neither a service_request_id"):
            later = later + timedelta(hours=2)
            assert send_due(db_session, now=later, timeout=5).deferred == 1
            assert expected in send.last_error and send.sent_at is None
        later = later + timedelta(hours=2)
        assert send_due(db_session, now=later, timeout=5).sent == 1
        assert send_due(db_session, now=later + timedelta(days=1), timeout=5).sent == 0       # never again
    assert send.external_id == "TFL-123" and send.sent_at == later and send.attempts == 5
    posts = [parse_qs(body_text) for method, _, body_text in garbage.received if method == "POST"]
    assert len(posts) == 4 and all(p["service_code"] == ["potholes"] and p["api_key"] == ["their-key"]
                                   for p in posts)
    assert posts[0]["lat"] == [f"{CATFORD.lat:.6f}"] and posts[0]["long"] == [f"{CATFORD.lon:.6f}"]
    assert "email" not in posts[0] and "first_name" not in posts[0]       # no personal data leaves


def test_a_body_answering_with_a_token_is_asked_for_the_id_and_never_sent_it_twice(db_session, pothole):
    server = ScriptedOpen311([(201, json.dumps([{"token": "tok-42"}])), (404, "not yet"),
                              (200, json.dumps([{"service_request_id": "HA-9", "token": "tok-42"}]))])
    make_body(db_session, server.url, categories={"pothole": "potholes"})
    report = pothole()
    now = utcnow()
    with server.running():
        assert send_due(db_session, now=now, timeout=5).waiting_for_id == 1
        assert report.body_send.external_token == "tok-42" and report.body_send.sent_at is None
        assert send_due(db_session, now=now + timedelta(hours=1), timeout=5).deferred == 1
        assert send_due(db_session, now=now + timedelta(hours=3), timeout=5).sent == 1
    assert [(m, p.split("?")[0]) for m, p, _ in server.received] == [
        ("POST", "/open311/v2/requests.json"), ("GET", "/open311/v2/tokens/tok-42.json"),
        ("GET", "/open311/v2/tokens/tok-42.json")]
    assert report.body_send.external_id == "HA-9"


def test_a_report_waiting_for_its_reporters_confirmation_is_not_sent(db_session, pothole):
    server = ScriptedOpen311([(201, json.dumps([{"service_request_id": "X1"}]))])
    make_body(db_session, server.url, categories={"pothole": "potholes"})
    report = pothole(status=Status.UNCONFIRMED)
    with server.running():
        assert send_due(db_session, timeout=5).sent == 0
        report.status = Status.NEW                                        # confirmed: now it goes
        db_session.commit()
        assert send_due(db_session, timeout=5).sent == 1
    assert len(server.received) == 1


@pytest.mark.parametrize(("raw", "fmt", "expected"), [
    (b'[{"service_request_id": "A1"}]', "json", ("A1", "")),
    (b'[{"token": "T"}]', "json", ("", "T")),
    (b"<service_requests><request><service_request_id>B2</service_request_id></request></service_requests>", "xml",
     ("B2", "")),
])
def test_answers_read(raw, fmt, expected):
    assert read_answer(raw, fmt) == expected


@pytest.mark.parametrize(("raw", "fmt"), [(b"", "json"), (b"{}", "json"), (b'[{"service_request_id": ""}]', "json"),
                                          (b"[1, 2]", "json"), (b"<oops", "xml"), (b"<errors/>", "xml"),
                                          (b"x" * (1024 * 1024 + 1), "json")])
def test_garbage_answers_are_refused(raw, fmt):
    with pytest.raises(BodyAnswerError):
        read_answer(raw, fmt)
