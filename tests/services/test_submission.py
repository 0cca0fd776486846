"""The one way in for a report: every rule checked at once, in one place, for every channel."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gis.coords import LonLat
from models import Report, Role, Status, User
from portal.services.errors import DomainError, Refused
from portal.services.reports import NewReport
from portal.services.submission import Submission, problems_with, submit_report

from ..factories import CATFORD, OUTSIDE

ANSWERS = {"size": "single_item", "waste": ["white_goods"], "where": "road", "witnessed": "no"}


class Visitor:
    is_authenticated = False


def submission(**kw) -> Submission:
    report = {"category_code": "fly_tipping", "point": CATFORD, "description": "Fridge on the verge",
              "answers": dict(ANSWERS), "client_token": None}
    report.update({k: kw.pop(k) for k in list(kw) if k in report})
    return Submission(report=NewReport(**report), **kw)


def counts(session):
    return (session.scalar(select(func.count()).select_from(Report)),
            session.scalar(select(func.count()).select_from(User)))


def test_every_problem_is_named_at_once_and_nothing_is_written(db_session, store):
    before = counts(db_session)
    bad = submission(point=None, point_problem=DomainError("Enter a latitude.", field="location"),
                     category_code="fly_tipping", description="  ", answers={"size": "a_mountain"},
                     email="not an address")
    with pytest.raises(Refused) as caught:
        submit_report(db_session, bad, Visitor(), store)
    fields = [p.field for p in caught.value.problems]
    assert fields[:2] == ["location", "description"]
    assert {"q_size", "q_waste", "q_where", "q_witnessed", "email"} <= set(fields)
    assert counts(db_session) == before                     # not even the contact
    assert [p.field for p in problems_with(db_session, bad, Visitor())] == fields


def test_a_visitor_must_give_an_email_address(db_session, store):
    with pytest.raises(Refused, match="Enter your email address, so that you can confirm the report."):
        submit_report(db_session, submission(), Visitor(), store)


def test_a_visitor_report_waits_for_its_confirmation(db_session, store):
    outcome = submit_report(db_session, submission(email="Visitor@Example.org", name="Vic"), Visitor(), store)
    assert outcome.report.status is Status.UNCONFIRMED and outcome.report.reporter.email == "Visitor@example.org"


def test_staff_for_a_caller_must_say_how_they_reached_us(db_session, store, make_user):
    staff = make_user(Role.STAFF)
    with pytest.raises(Refused, match="Choose how the caller reached us."):
        submit_report(db_session, submission(caller_channel="carrier pigeon"), staff, store)
    outcome = submit_report(db_session, submission(caller_channel="phone"), staff, store)
    assert outcome.for_caller and outcome.report.channel == "phone" and outcome.report.reporter is None


def test_nearby_open_reports_are_offered_before_another_is_made(db_session, store, resident):
    first = submit_report(db_session, submission(), resident, store).report
    before = counts(db_session)
    offered = submit_report(db_session, submission(suggest_nearby=True, description="Same fridge"), resident, store)
    assert offered.report is None and [row[0].id for row in offered.nearby] == [first.id]
    assert counts(db_session) == before
    made = submit_report(db_session, submission(description="A different fridge"), resident, store)
    assert made.report.id != first.id


def test_the_same_submission_twice_makes_one_report(db_session, store, resident):
    one = submit_report(db_session, submission(client_token="twice"), resident, store).report
    again = submit_report(db_session, submission(client_token="twice", suggest_nearby=True), resident, store)
    assert again.report.id == one.id


def test_outside_the_area_is_refused_when_saved(db_session, store, resident):
    before = counts(db_session)
    with pytest.raises(DomainError, match="outside the area we cover"):
        submit_report(db_session, submission(point=OUTSIDE), resident, store)
    assert counts(db_session) == before


def test_a_missing_point_without_a_reason_is_still_refused(db_session, store, resident):
    with pytest.raises(Refused, match="Choose where the problem is."):
        submit_report(db_session, submission(point=None), resident, store)
