"""Enforcement actions: the rules of recording one (and nothing written when refused), and the month rules of
the return."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from models import EnforcementAction, Role
from portal.services import enforcement
from portal.services.errors import DomainError

TODAY = date(2025, 6, 20)


@pytest.fixture()
def fly_tip(add_report):
    return add_report(created=datetime(2025, 6, 10, 23, 30, tzinfo=timezone.utc))   # 11 June in London


def stored(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(EnforcementAction))


def test_an_action_is_recorded_with_who_and_when(db_session, fly_tip, make_user):
    staff = make_user(Role.STAFF)
    entry = enforcement.record_action(db_session, fly_tip, staff, "fixed_penalty", date(2025, 6, 11),
                                      "  FPN 1234 issued  ", today=TODAY)
    assert (entry.action, entry.taken_on, entry.note, entry.recorded_by_id) == \
        ("fixed_penalty", date(2025, 6, 11), "FPN 1234 issued", staff.id)
    assert [a.label for a in fly_tip.enforcement_actions] == ["Fixed penalty notice"]
    enforcement.remove_action(db_session, fly_tip, entry.id)
    assert stored(db_session) == 0
    with pytest.raises(DomainError, match="not on this report"):
        enforcement.remove_action(db_session, fly_tip, entry.id)


@pytest.mark.parametrize("action, taken_on, note, field, message", [
    ("", date(2025, 6, 12), "", "action", "Choose the action"),
    ("community_service", date(2025, 6, 12), "", "action", "Choose the action"),
    ("warning_letter", None, "", "taken_on", "Enter the date"),
    ("warning_letter", date(2025, 6, 21), "", "taken_on", "future"),
    ("warning_letter", date(2025, 6, 10), "", "taken_on", r"before the report was made \(11/06/2025\)"),
    ("warning_letter", date(2025, 6, 12), "x" * 501, "note", "500 characters"),
])
def test_a_refused_action_says_why_and_writes_nothing(db_session, fly_tip, make_user, action, taken_on, note,
                                                       field, message):
    with pytest.raises(DomainError, match=message) as refused:
        enforcement.record_action(db_session, fly_tip, make_user(Role.STAFF), action, taken_on, note, today=TODAY)
    assert refused.value.field == field
    assert stored(db_session) == 0


def test_only_fly_tipping_reports_take_enforcement_actions(db_session, add_report, make_user):
    graffiti = add_report(category="graffiti", created=datetime(2025, 6, 1, tzinfo=timezone.utc))
    with pytest.raises(DomainError, match="fly-tipping reports only"):
        enforcement.record_action(db_session, graffiti, make_user(Role.STAFF), "investigation", TODAY, today=TODAY)
    assert stored(db_session) == 0


def test_the_return_refuses_a_future_month_or_one_before_the_return_began(db_session):
    with pytest.raises(DomainError, match="July 2025 has not happened yet") as future:
        enforcement.month_return(db_session, date(2025, 7, 1), today=TODAY)
    assert future.value.field == "month"
    with pytest.raises(DomainError, match="began in April 2004"):
        enforcement.month_return(db_session, date(2004, 3, 1), today=TODAY)
    assert enforcement.month_return(db_session, date(2025, 6, 5), today=TODAY).month == date(2025, 6, 1)


def test_london_today_follows_british_summer_time():
    assert enforcement.london_today(datetime(2025, 6, 30, 23, 30, tzinfo=timezone.utc)) == date(2025, 7, 1)
    assert enforcement.london_today(datetime(2025, 12, 31, 23, 30, tzinfo=timezone.utc)) == date(2025, 12, 31)
