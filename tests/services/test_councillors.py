"""Councillors' wards and the weekly digest: set by admins (logged, refused for other roles and unknown wards),
queued once per account and week, sent through the real SMTP server."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import AdminAction, AdminActionKind, CouncillorDigest, OutboxMessage, Role, Status, UserWard, Ward
from portal.services import councillors
from portal.services.errors import DomainError
from tests.factories import CATFORD
from tests.conftest import send

WEDNESDAY = date(2024, 4, 24)               # its week starts Monday 22 April: the digest covers 15-21 April
NOW = datetime(2024, 4, 24, 7)


@pytest.fixture()
def rushey(db_session):
    return db_session.scalars(select(Ward).where(Ward.name == "Rushey Green")).one()


@pytest.fixture()
def councillor(db_session, make_user, rushey):
    user = make_user(Role.COUNCILLOR)
    councillors.set_wards(db_session, user, [rushey.code], make_user(Role.ADMIN))
    return user


def test_admin_sets_wards_and_it_is_logged(db_session, make_user, rushey):
    user, admin = make_user(Role.COUNCILLOR), make_user(Role.ADMIN)
    assert councillors.set_wards(db_session, user, [rushey.code], admin) is True
    assert [w.name for w in councillors.wards_of(db_session, user)] == ["Rushey Green"]
    assert councillors.set_wards(db_session, user, [rushey.code], admin) is False
    log = db_session.scalars(select(AdminAction).where(AdminAction.target_user_id == user.id)).all()
    assert [(a.action, a.detail) for a in log] == [(AdminActionKind.WARDS_CHANGED, "none → Rushey Green")]
    assert councillors.set_wards(db_session, user, [], admin) is True
    assert councillors.wards_of(db_session, user) == []


@pytest.mark.parametrize(("role", "codes", "message"), [
    (Role.RESIDENT, ["RUSHEY"], "Only councillor accounts name wards"),
    (Role.COUNCILLOR, ["E05999999"], "Choose wards from the list."),
    (Role.COUNCILLOR, ["RUSHEY", "x\u202e"], "Choose wards from the list."),
    (Role.COUNCILLOR, [f"E0{n}" for n in range(11)], "at most 10 wards"),
])
def test_bad_wards_are_refused_and_nothing_is_written(db_session, make_user, rushey, role, codes, message):
    user = make_user(role)
    codes = [rushey.code if c == "RUSHEY" else c for c in codes]
    with pytest.raises(DomainError, match=message):
        councillors.set_wards(db_session, user, codes, make_user(Role.ADMIN))
    assert db_session.scalar(select(func.count()).select_from(UserWard).where(UserWard.user_id == user.id)) == 0


def test_week_start_is_monday():
    assert councillors.week_start(WEDNESDAY) == date(2024, 4, 22)
    assert councillors.week_start(date(2024, 4, 22)) == date(2024, 4, 22)


def test_digest_counts_the_last_week_once_per_week(db_session, councillor, add_report, make_user, smtp):
    new = add_report(created=datetime(2024, 4, 16, 9))                                # new last week
    add_report(created=datetime(2024, 4, 15, 9), status=Status.FIXED, fixed=datetime(2024, 4, 16, 9))  # 24 h
    add_report(created=datetime(2024, 4, 1, 9), status=Status.FIXED, fixed=datetime(2024, 4, 17, 9))   # late
    overdue = add_report(created=datetime(2024, 4, 10, 9))                           # open > 48 h
    add_report(created=datetime(2024, 4, 23, 9))                                      # this week: not yet
    add_report(created=datetime(2024, 4, 16, 9), hidden=True)                         # never public
    make_user(Role.COUNCILLOR)                                                        # names no ward: nothing
    summary = councillors.queue_weekly_digests(db_session, WEDNESDAY, now=NOW)
    assert (summary.queued, summary.already) == (1, 0)
    again = councillors.queue_weekly_digests(db_session, WEDNESDAY + timedelta(days=2), now=NOW)
    assert (again.queued, again.already) == (0, 1)
    assert db_session.scalar(select(func.count()).select_from(CouncillorDigest)) == 1
    assert send(db_session, smtp).sent == 1
    [received] = smtp.inbox.messages
    assert received.rcpt_tos == [councillor.email]
    body = smtp.inbox.texts()[0]
    assert "Rushey Green" in body and "from Monday 15 April to Sunday 21 April 2024" in body
    assert "New reports: 2" in body                       # made 15-21 April and public
    assert "Fixed: 2, 1 of them within the promised time" in body
    assert "Promises that fell due: 1 of 2 kept" in body   # due 15-21 April: one fixed in time, one still open
    assert (f"Overdue now (open past the promised time): 2; the oldest: {overdue.reference}, {new.reference}"
            in body)                                      # the report of 23 April is 22 h old: not overdue
    assert "http://localhost/wards/" in body
    next_week = councillors.queue_weekly_digests(db_session, WEDNESDAY + timedelta(days=7), now=NOW)
    assert next_week.queued == 1


def test_disabled_councillor_gets_no_digest(db_session, councillor):
    councillor.active = False
    db_session.commit()
    assert councillors.queue_weekly_digests(db_session, WEDNESDAY, now=NOW).queued == 0
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_demo_councillor_speaks_for_rushey_green_once(db_session, make_user):
    from portal.services.demo import load_councillor_ward
    user = make_user(Role.COUNCILLOR, email="councillor@example.org")
    assert load_councillor_ward(db_session) == "Rushey Green"
    councillors.set_wards(db_session, user, [], None)
    councillors.set_wards(db_session, user, ["E05013714"], None)
    assert load_councillor_ward(db_session) == "Bellingham"          # kept: it names a ward already


def test_a_councillor_who_turned_the_digest_off_gets_none(db_session, councillor):
    councillor.notify_digest = False
    db_session.commit()
    assert councillors.queue_weekly_digests(db_session, WEDNESDAY, now=NOW).queued == 0
    councillor.notify_digest, councillor.contact_preference = True, "none"
    db_session.commit()
    assert councillors.queue_weekly_digests(db_session, WEDNESDAY, now=NOW).queued == 0
    councillor.contact_preference = "email"
    db_session.commit()
    assert councillors.queue_weekly_digests(db_session, WEDNESDAY, now=NOW).queued == 1
