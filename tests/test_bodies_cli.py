"""`flask bodies send` and `flask bodies status`: the sender as the worker runs it, idempotent, against a real
HTTP server that is down at first."""
from __future__ import annotations

import json

import pytest

from models import BodySend
from portal.services.photos import PhotoStore
from portal.services.reports import NewReport, create_report

from .bodies_helpers import ScriptedOpen311, make_body
from .factories import CATFORD


@pytest.fixture()
def runner(app):
    with app.app_context():
        yield app.test_cli_runner()


def test_send_once_retries_later_and_is_idempotent(runner, db_session, tmp_path):
    server = ScriptedOpen311([(503, '[{"code": 503, "description": "Down for maintenance"}]'),
                              (201, json.dumps([{"service_request_id": "RR-77"}]))])
    make_body(db_session, server.url, categories={"pothole": "potholes"})
    report = create_report(db_session, NewReport(category_code="pothole", point=CATFORD, description="Hole",
                                                 client_token="cli-1"), None, PhotoStore(tmp_path / "p"))
    with server.running():
        out = runner.invoke(args=["bodies", "send", "--once"])
        assert out.exit_code == 0 and "to retry 1" in out.output
        send = db_session.get(BodySend, report.body_send.id)
        db_session.refresh(send)
        assert "503: Down for maintenance" in send.last_error
        assert "waiting 1, sent 0" in runner.invoke(args=["bodies", "status"]).output
        assert runner.invoke(args=["bodies", "send", "--once"]).output == ""        # backing off: nothing due
        send.next_attempt_at = send.created_at                                      # as if the wait were over
        db_session.commit()
        assert "sent 1" in runner.invoke(args=["bodies", "send", "--once"]).output
        assert runner.invoke(args=["bodies", "send", "--once"]).output == ""        # once only
    db_session.refresh(send)
    assert send.external_id == "RR-77" and len(server.received) == 2
    assert "waiting 0, sent 1" in runner.invoke(args=["bodies", "status"]).output


def test_fetch_updates_puts_the_bodys_fix_on_our_report(runner, db_session, tmp_path):
    server = ScriptedOpen311([(201, json.dumps([{"service_request_id": "RR-78"}])),
                              (200, json.dumps([{"update_id": "u1", "service_request_id": "RR-78", "status": "FIXED",
                                                 "description": "Patched", "updated_datetime": "2026-01-01T00:00:00Z"},
                                                {"update_id": "u2", "service_request_id": "NOT-OURS", "status": "FIXED"}])),
                              (200, "[]")])
    make_body(db_session, server.url, categories={"pothole": "potholes"})
    report = create_report(db_session, NewReport(category_code="pothole", point=CATFORD, description="Hole",
                                                 client_token="cli-2"), None, PhotoStore(tmp_path / "p"))
    with server.running():
        assert "sent 1" in runner.invoke(args=["bodies", "send", "--once"]).output
        out = runner.invoke(args=["bodies", "fetch-updates"]).output
        assert "1 updates from 1 bodies" in out and "asked 1, 1 updates made, 0 did not answer" in out
        assert "asked 1, 0 updates made" in runner.invoke(args=["bodies", "fetch-updates"]).output
    db_session.refresh(report)
    assert report.status.value == "fixed"
    assert "start_date=" in server.received[1][1] and "end_date=" in server.received[1][1]
