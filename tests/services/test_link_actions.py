"""Every emailed link that grants something works once: a replay gets a clear page and changes nothing."""
import re

import pytest

from sqlalchemy import select

from models import OutboxMessage, Role, Status, Subscription, User
from portal.services.reports import change_status
from tests.conftest import FormClient, csrf_from
from tests.factories import report_form

USED = "already been used"


def follow(client, path, data=None):
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **(data or {})})


def _link(db_session, pattern: str, to: str | None = None) -> str:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if to:
        query = query.where(OutboxMessage.to_addr == to)
    for mail in db_session.scalars(query):
        if found := re.search(rf"https?://[^/\s]+({pattern}/\S+)", mail.body):
            return found.group(1)
    raise AssertionError(f"no {pattern} link in the outbox")


def test_sign_up_confirmation_logs_in_once(app, db_session):
    FormClient(app.test_client()).submit("/register", {
        "display_name": "Nia", "email": "nia@example.test", "password": "a long password here",
        "confirm": "a long password here"})
    link = _link(db_session, "/register/confirm", "nia@example.test")
    first = app.test_client()
    assert follow(first, link).status_code == 302 and first.get("/my/reports").status_code == 200
    replay = app.test_client()
    resp = follow(replay, link)
    assert resp.status_code == 400 and USED in resp.get_data(as_text=True)
    assert replay.get("/my/reports").status_code == 302                  # not logged in by the replay


def test_report_confirmation_and_claim_work_once(app, db_session):
    client = FormClient(app.test_client())
    client.submit("/report", report_form(email="walker@example.test", your_name="Wendy"))
    confirm = _link(db_session, "/n/confirm", "walker@example.test")
    resp = follow(client, confirm)
    assert resp.status_code == 200
    claim = re.search(r'href="(/n/claim/[^"]+)"', resp.get_data(as_text=True)).group(1)
    again = follow(app.test_client(), confirm)
    assert again.status_code == 400
    assert follow(client, claim, {"password": "short"}).status_code == 400          # a mistake keeps it usable
    assert follow(client, claim, {"password": "a long enough password"}).status_code == 302
    replay = follow(app.test_client(), claim, {"password": "the attacker's password"})
    assert replay.status_code == 400


def test_reopen_rate_and_unsubscribe_work_once(app, resident, make_report, make_user, db_session):
    report = make_report(reporter=resident)
    change_status(db_session, report, Status.FIXED, make_user(Role.STAFF), "Cleared")
    rate, reopen = _link(db_session, "/n/rate"), _link(db_session, "/n/reopen")
    unsubscribe = _link(db_session, "/n/unsubscribe")
    client = app.test_client()
    assert follow(client, rate, {"score": "4"}).status_code == 200
    resp = follow(client, rate, {"score": "1"})
    assert resp.status_code == 400 and USED in resp.get_data(as_text=True)
    assert follow(client, reopen).status_code == 200
    assert follow(client, reopen).status_code == 400
    assert follow(client, unsubscribe).status_code == 200
    sub = db_session.scalars(select(Subscription).where(Subscription.report_id == report.id)).one()
    sub.active = True                                    # subscribed again since (e.g. by supporting)
    db_session.commit()
    resp = follow(client, unsubscribe)
    assert resp.status_code == 400 and USED in resp.get_data(as_text=True)
    db_session.refresh(sub)
    assert sub.active


def test_password_reset_link_replayed_after_use(app, resident, db_session):
    owner = FormClient(app.test_client())
    owner.submit("/password/forgot", {"email": resident.email})
    link = _link(db_session, "/password/reset", resident.email)
    assert owner.submit(link, {"password": "first new password", "confirm": "first new password"}).status_code == 302
    replay = FormClient(app.test_client())
    resp = replay.get(link)
    assert resp.status_code == 400 and "already been used" in resp.get_data(as_text=True)
    user = db_session.get(User, resident.id)
    db_session.refresh(user)


def test_used_links_are_forgotten_once_expired(db_session):
    from datetime import timedelta

    from models import UsedLink, utcnow
    from portal.services.links import purge_used_links
    now = utcnow()
    db_session.add_all([UsedLink(digest="a" * 64, purpose="reopen", used_at=now, expires_at=now - timedelta(1)),
                        UsedLink(digest="b" * 64, purpose="reopen", used_at=now, expires_at=now + timedelta(1))])
    db_session.commit()
    # Tests that run a live server commit for real, so other used links may be in the table: count only ours.
    assert purge_used_links(db_session) >= 1
    ours = db_session.query(UsedLink.digest).filter(UsedLink.digest.in_(["a" * 64, "b" * 64])).all()
    assert [digest for (digest,) in ours] == ["b" * 64]


def test_links_cannot_act_on_a_report_hidden_since(app, resident, make_report, make_user, db_session):
    report = make_report(reporter=resident)
    change_status(db_session, report, Status.FIXED, make_user(Role.STAFF), "Cleared")
    reopen, rate = _link(db_session, "/n/reopen"), _link(db_session, "/n/rate")
    report.hidden = True
    db_session.commit()
    client = app.test_client()
    assert follow(client, reopen).status_code == 400
    assert follow(client, rate, {"score": "5"}).status_code == 400
    db_session.refresh(report)
    assert report.status is Status.FIXED


# Each granting link, a day past its lifetime: (purpose, path, days, what the person posts). The payload is
# plausible but never reached: an expired token is refused before anything is looked up.
EXPIRED = [
    ("register", "/register/confirm", 4, {}),
    ("confirm", "/n/confirm", 8, {}),
    ("claim", "/n/claim", 8, {"password": "a long enough password"}),
    ("reopen", "/n/reopen", 15, {}),
    ("rate", "/n/rate", 61, {"score": "4"}),
    ("unsubscribe", "/n/unsubscribe", 3651, {}),
    ("update-confirm", "/n/update", 8, {}),
    ("follow", "/n/follow", 8, {}),
    ("alert-confirm", "/alerts/confirm", 8, {}),
    ("questionnaire", "/n/fixed", 29, {"fixed": "yes"}),
]


@pytest.mark.parametrize("purpose, path, days, data", EXPIRED, ids=[e[0] for e in EXPIRED])
def test_every_granting_link_expires(app, app_ctx, db_session, resident, make_report, monkeypatch,
                                     purpose, path, days, data):
    from datetime import timedelta

    from itsdangerous import TimestampSigner

    from models import utcnow
    from portal.services.links import make_token
    report = make_report(reporter=resident)
    payload = {"r": report.id, "u": resident.id, "f": "x", "a": 1, "e": resident.email}
    old = int((utcnow() - timedelta(days=days)).timestamp())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: old)
    token = make_token(db_session, purpose, payload)
    monkeypatch.undo()
    client = app.test_client()
    csrf = csrf_from(client.get("/report").get_data(as_text=True))
    resp = client.post(f"{path}/{token}", data={"csrf_token": csrf, **data})
    assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True), (purpose, resp.status_code)
    assert client.get("/my/reports").status_code == 302                   # nobody was logged in by it
