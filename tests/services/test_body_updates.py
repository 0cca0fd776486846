"""What a body did with a report we sent it comes back: its Open311 servicerequestupdates (Kerbside's own API,
served in a thread, as the body) are read, and each update about a request we sent is put on our report's
public timeline once; a fix there fixes ours. A body that is down or answers garbage is asked again later."""
from __future__ import annotations

from sqlalchemy import select

from models import Body, Report, ReportEvent, Status
from portal.services.apikeys import create_key
from portal.services.body_sender import BodyAnswerError, send_due
from portal.services.body_updates import fetch_updates, read_updates
from portal.services.photos import PhotoStore
from portal.services.reports import NewReport, change_status, create_report

import json

import pytest

from ..bodies_helpers import ScriptedOpen311, kerbside_open311, make_body
from ..factories import CATFORD


def _pothole(db_session, tmp_path) -> Report:
    data = NewReport(category_code="pothole", point=CATFORD, description="Deep pothole in the bus lane",
                     client_token=f"upd-{id(tmp_path)}")
    return create_report(db_session, data, None, PhotoStore(tmp_path / "p"))


def _notes(db_session, report: Report) -> list[tuple[Status | None, str]]:
    return [(e.to_status, e.note) for e in db_session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id))]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_fix_at_the_body_fixes_our_report_once(db_session, connection, app_config, tmp_path, fmt):
    body_key = create_key(db_session, "Kerbside as a client")[1]
    with kerbside_open311(connection, app_config) as endpoint:
        make_body(db_session, endpoint, categories={"pothole": "road_pavement"}, api_key=body_key, fmt=fmt)
        ours = _pothole(db_session, tmp_path)
        assert send_due(db_session, timeout=10).sent == 1
        theirs = db_session.scalars(select(Report).where(Report.reference == ours.body_send.external_id)).one()
        change_status(db_session, theirs, Status.FIXED, None, "Filled and rolled <b>today</b>")
        first = fetch_updates(db_session, timeout=10)
        again = fetch_updates(db_session, timeout=10)            # the window overlaps: nothing made twice
    db_session.refresh(ours)
    assert ours.status is Status.FIXED and ours.fixed_at is not None
    notes = _notes(db_session, ours)
    fixes = [note for status, note in notes if status is Status.FIXED]
    assert fixes == ["Update from Transport for London (red routes): Filled and rolled <b>today</b>"]
    assert (first.bodies, first.failed) == (1, 0) and first.made >= 1 and again.made == 0
    assert len(_notes(db_session, ours)) == len(notes)
    body = db_session.scalars(select(Body)).one()
    assert body.updates_fetched_at is not None


@pytest.mark.parametrize(("extended", "expected"), [(False, Status.FIXED), (True, Status.CLOSED)])
def test_a_plain_closed_fixes_ours_unless_the_body_uses_extended_statuses(db_session, tmp_path, extended, expected):
    """The plain GeoReport v2 standard says only "open" and "closed": its "closed" is how the body says it dealt
    with the problem (FixMyStreet reads it so). A body with mySociety's extended statuses says FIXED for a fix,
    and its CLOSED is closed without one."""
    update = {"update_id": "U1", "service_request_id": "HA-7", "status": "closed",
              "updated_datetime": "2026-11-27T10:00:00+00:00", "description": "Job complete"}
    server = ScriptedOpen311([(201, json.dumps([{"service_request_id": "HA-7"}])), (200, json.dumps([update]))])
    with server.running():
        body = make_body(db_session, server.url, categories={"pothole": "PH"})
        body.extended_statuses = extended
        db_session.commit()
        ours = _pothole(db_session, tmp_path)
        assert send_due(db_session, timeout=5).sent == 1
        assert fetch_updates(db_session, timeout=5).made == 1
    db_session.refresh(ours)
    assert ours.status is expected
    assert _notes(db_session, ours)[-1] == (expected, "Update from Transport for London (red routes): Job complete")


def test_a_body_that_answers_garbage_is_asked_again_from_the_same_moment(db_session, tmp_path):
    body_server = ScriptedOpen311([(200, "<html>maintenance</html>"), (500, "down")])
    with body_server.running():
        body = make_body(db_session, body_server.url, categories={"pothole": "PH"})
        first, second = fetch_updates(db_session, timeout=5), fetch_updates(db_session, timeout=5)
    assert (first.failed, second.failed, first.made) == (1, 1, 0)
    assert body.updates_fetched_at is None
    method, path, _ = body_server.received[0]
    assert method == "GET" and path.startswith("/open311/v2/servicerequestupdates.json?start_date=")


def test_updates_are_read_leniently_and_refused_when_they_are_not_updates():
    xml = (b"<?xml version='1.0' encoding='utf-8'?><service_requests_updates><request_update><update_id>7</update_id>"
           b"<service_request_id>KB-ABCDE</service_request_id><status>closed</status><description>Done"
           b"</description></request_update></service_requests_updates>")
    [update] = read_updates(xml, "xml")
    assert (update.update_id, update.service_request_id, update.status, update.description) == \
        ("7", "KB-ABCDE", "closed", "Done")
    wrapped = b'{"service_request_updates": [{"update_id": 8, "service_request_id": "X", "status": "FIXED"}]}'
    assert read_updates(wrapped, "json")[0].update_id == "8"
    for garbage in (b"{}", b"42", b"not json"):
        with pytest.raises(BodyAnswerError):
            read_updates(garbage, "json")
