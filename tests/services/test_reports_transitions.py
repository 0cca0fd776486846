"""The transition table, every pair, through change_status (the one way statuses change)."""
import pytest
from sqlalchemy import select

from models import CLOSED, OPEN, TRANSITIONS, ReportEvent, Role, Status
from portal.services.errors import TransitionNotAllowed
from portal.services.reports import change_status

PAIRS = [(old, new) for old in Status for new in Status]


def test_every_status_has_a_row_and_closed_ones_only_reopen():
    assert set(TRANSITIONS) == set(Status)
    for status in CLOSED:
        assert TRANSITIONS[status] == {Status.REOPENED}
    assert all(Status.UNCONFIRMED not in targets for targets in TRANSITIONS.values())
    assert all(s not in TRANSITIONS[s] for s in OPEN - {Status.NEW, Status.REOPENED} | CLOSED)


def test_every_pair_is_allowed_or_refused_as_the_table_says(make_report, make_user, db_session):
    staff = make_user(Role.STAFF)
    report = make_report()
    allowed = refused = 0
    for old, new in PAIRS:
        report.status = old
        db_session.commit()
        events_before = len(report.events)
        if new in TRANSITIONS[old]:
            event = change_status(db_session, report, new, staff, f"{old.value}->{new.value}")
            assert report.status is new and event.from_status is old and event.actor_id == staff.id
            assert (report.fixed_at is not None) == (new is Status.FIXED) or new not in (Status.FIXED, Status.REOPENED)
            allowed += 1
        else:
            with pytest.raises(TransitionNotAllowed):
                change_status(db_session, report, new, staff)
            assert report.status is old and len(report.events) == events_before
            refused += 1
    assert allowed == sum(len(t) for t in TRANSITIONS.values()) and allowed + refused == len(Status) ** 2
    notes = db_session.scalars(select(ReportEvent.note).where(ReportEvent.report_id == report.id)).all()
    assert "fixed->reopened" in notes


def test_disallowed_change_through_the_staff_panel_is_refused(make_report, staff_client, db_session):
    report = make_report(status=Status.FIXED)
    page = f"/staff/reports/{report.reference}"
    resp = staff_client.submit(f"{page}/status", {"status": "in_progress"}, page=page)
    assert resp.status_code == 400 and "cannot become" in resp.get_data(as_text=True)
    db_session.refresh(report)
    assert report.status is Status.FIXED
    bad = staff_client.submit(f"{page}/status", {"status": "exploded"}, page=page)
    assert bad.status_code == 400
