"""Residents flag a report, or an entry of its public timeline, for the moderators (FixMyStreet's "Report abuse");
staff see what waits at /staff/flags and say what was done. Bad input is refused with the rest kept and nothing
written; what may not be seen cannot be flagged (nor told apart from what does not exist)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import ContentFlag, OutboxMessage, ReportEvent, Role, Status, utcnow
from portal.services import flags, moderation
from tests.conftest import FormClient, csrf_from, login, send

MAILBOX = "moderation@council.example.test"


def _flags(db_session) -> list[ContentFlag]:
    db_session.expire_all()
    return db_session.scalars(select(ContentFlag).order_by(ContentFlag.id)).all()


def _update(db_session, report, text: str = "The man at number 12, John Smith, dumped this", **kw) -> ReportEvent:
    event = ReportEvent(report=report, note=text, source="resident", **kw)
    db_session.add(event)
    db_session.commit()
    return event


@pytest.fixture()
def mod_app(connection, app_config):
    from portal.app import create_app
    return create_app(dict(app_config, MODERATION_EMAIL=MAILBOX), bind=connection)


def test_a_visitor_flags_a_report_and_the_moderators_are_told(mod_app, db_session, make_report, smtp):
    report = make_report(description="Sofa dumped by the bus stop")
    page = mod_app.test_client().get(f"/reports/{report.reference}")
    assert f'href="/reports/{report.reference}/flag"' in page.get_data(as_text=True)
    visitor = FormClient(mod_app.test_client())
    resp = visitor.submit(f"/reports/{report.reference}/flag",
                          {"reason": "wrong", "message": "This was cleared last week", "email": "Ann@Example.org"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/reports/{report.reference}")
    [flagged] = _flags(db_session)
    assert (flagged.reason, flagged.message, flagged.email, flagged.event_id, flagged.user_id) == \
        ("wrong", "This was cleared last week", "Ann@example.org", None, None)      # the domain in lower case
    send(db_session, smtp)
    [mail] = [m for m in smtp.inbox.messages if MAILBOX in m.rcpt_tos]
    text = mail.content.decode()
    assert report.reference in text and "This was cleared last week" in text and "/staff/flags" in text
    again = visitor.submit(f"/reports/{report.reference}/flag", {"reason": "wrong", "email": "ann@example.org"})
    assert again.status_code == 302 and len(_flags(db_session)) == 1      # the same person, the same thing: once
    public = mod_app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "Ann@example.org" not in public and "cleared last week" not in public


def test_a_signed_in_resident_flags_one_update(app, db_session, make_report, resident, resident_client):
    report = make_report()
    event = _update(db_session, report)
    page = app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    assert f"/reports/{report.reference}/flag?update={event.id}" in page and f'id="entry-{event.id}"' in page
    form = resident_client.get(f"/reports/{report.reference}/flag?update={event.id}").get_data(as_text=True)
    assert "John Smith" in form and 'name="email"' not in form              # what is flagged; the account's
    resp = resident_client.submit(f"/reports/{report.reference}/flag?update={event.id}", {"reason": "personal"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"#entry-{event.id}")
    [flagged] = _flags(db_session)
    assert (flagged.event_id, flagged.user_id, flagged.email, flagged.reason) == (event.id, resident.id, "", "personal")


@pytest.mark.parametrize("fields, field, message", [
    ({}, "reason", "Choose what is wrong with it."),
    ({"reason": "spam"}, "reason", "Choose what is wrong with it."),
    ({"reason": "other", "message": "   "}, "message", "Tell us what is wrong with it."),
    ({"reason": "offensive", "message": "x" * 2001}, "message", "2,000 characters"),
    ({"reason": "offensive", "message": "x" * 50_000}, "message", "characters"),
    ({"reason": "offensive", "message": "rude\x00words"}, None, "may not contain a NUL character"),   # site-wide
    ({"reason": "offensive", "email": "not an address"}, "email", "email address"),
])
def test_bad_flags_are_refused_with_the_rest_kept_and_nothing_written(client, db_session, make_report, fields,
                                                                      field, message):
    report = make_report()
    forms = FormClient(client)
    data = {"message": "Keep this note", "email": "ann@example.org", **fields}
    resp = forms.submit(f"/reports/{report.reference}/flag", data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html
    if field is not None:
        assert 'class="error-summary' in html and f'href="#{field}' in html
    if field is not None and "message" not in fields:
        assert "Keep this note" in html                                      # the rest of the input is kept
    assert _flags(db_session) == []


def test_what_may_not_be_seen_cannot_be_flagged_and_is_not_told_apart(client, db_session, make_report, make_user):
    staff = make_user(Role.STAFF)
    shown, hidden = make_report(), make_report()
    moderation.set_hidden(db_session, hidden, staff, True, "abusive")
    unconfirmed = make_report(status=Status.UNCONFIRMED)
    other = make_report()
    visible = _update(db_session, shown, "A fine update")
    hidden_update = _update(db_session, shown, "Hidden since", hidden=True)
    internal = ReportEvent(report=shown, note="Internal: the resident is difficult", internal=True)
    db_session.add(internal)
    waiting = _update(db_session, shown, "Waiting for its email", awaiting_confirmation=True)
    elsewhere = _update(db_session, other, "On another report")
    token = csrf_from(client.get(f"/reports/{shown.reference}/flag").get_data(as_text=True))
    for url in (f"/reports/{hidden.reference}/flag", f"/reports/{unconfirmed.reference}/flag",
                "/reports/KB-ZZZZZZ/flag", "/reports/nonsense/flag",
                *(f"/reports/{shown.reference}/flag?update={e.id}" for e in (hidden_update, internal, waiting,
                                                                             elsewhere)),
                f"/reports/{shown.reference}/flag?update=99999999", f"/reports/{shown.reference}/flag?update=1e3",
                f"/reports/{shown.reference}/flag?update=-1", f"/reports/{shown.reference}/flag?update=%E2%91%A0"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={"csrf_token": token, "reason": "offensive"}).status_code == 404, url
    assert _flags(db_session) == []
    page = client.get(f"/reports/{shown.reference}").get_data(as_text=True)
    assert f"update={visible.id}" in page
    assert all(f"update={e.id}" not in page for e in (hidden_update, internal, waiting))


def test_without_a_token_nothing_is_written(client, make_report, db_session):
    report = make_report()
    assert client.post(f"/reports/{report.reference}/flag", data={"reason": "offensive"}).status_code == 400
    assert _flags(db_session) == []


def test_flagging_is_rate_limited(connection, app_config, make_report, db_session):
    from portal.app import create_app
    limited = create_app(dict(app_config, RATELIMIT_ENABLED=True), bind=connection)
    report = make_report()
    forms = FormClient(limited.test_client())
    statuses = [forms.submit(f"/reports/{report.reference}/flag",
                             {"reason": "offensive", "email": f"n{n}@example.org"}).status_code for n in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429
    assert len(_flags(db_session)) == 10


def test_staff_see_what_waits_and_settle_it_together(app, db_session, make_report, make_user, resident):
    report = make_report(description="Rubbish, and the neighbour's car reg AB12 CDE")
    event = _update(db_session, report)
    flags.flag(db_session, report, None, "personal", "A number plate", "one@example.org")
    flags.flag(db_session, report, resident, "personal", "", "")
    flags.flag(db_session, report, None, "offensive", "", "two@example.org", event.id)
    staff = make_user(Role.STAFF)
    staff_client = login(app.test_client(), staff.email)
    page = staff_client.get("/staff/flags").get_data(as_text=True)
    assert "3 flags waiting" in page and "A number plate" in page and "one@example.org" in page
    assert "Flags (3" in staff_client.get("/staff/").get_data(as_text=True)                 # on every staff page
    assert resident.email in page and "John Smith" in page
    panel = staff_client.get(f"/staff/reports/{report.reference}").get_data(as_text=True)
    assert "Flagged by residents" in panel and "A number plate" in panel
    first = _flags(db_session)[0]
    refused = staff_client.submit(f"/staff/flags/{first.id}/settle", {"outcome": "ignored"}, page="/staff/flags")
    assert refused.status_code == 400 and "Choose what was done about it." in refused.get_data(as_text=True)
    assert all(f.handled_at is None for f in _flags(db_session))
    done = staff_client.submit(f"/staff/flags/{first.id}/settle", {"outcome": "acted"}, page="/staff/flags")
    assert done.status_code == 302
    settled = _flags(db_session)
    assert [(f.outcome, f.handled_by_id) for f in settled[:2]] == [("acted", staff.id)] * 2   # the same thing
    assert settled[2].handled_at is None                                      # the update waits on its own
    log = db_session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id,
                                                       ReportEvent.internal.is_(True))).all()
    assert any("2 flags from residents" in e.note for e in log)
    again = staff_client.submit(f"/staff/flags/{first.id}/settle", {"outcome": "acted"}, page="/staff/flags")
    assert again.status_code == 400 and "already dealt with" in again.get_data(as_text=True)
    listing = staff_client.get("/staff/flags").get_data(as_text=True)
    assert "1 flag waiting" in listing
    assert 'Flags (1<span class="visually-hidden"> waiting</span>)' in listing              # the staff menu says so
    assert "Nothing waits" not in staff_client.get("/staff/flags").get_data(as_text=True)


@pytest.mark.parametrize("role", [None, Role.RESIDENT, Role.CREW, Role.COUNCILLOR])
def test_only_staff_see_the_flags(app, make_user, make_report, db_session, role):
    report = make_report()
    flags.flag(db_session, report, None, "offensive", "", "ann@example.org")
    client = app.test_client() if role is None else login(app.test_client(), make_user(role).email)
    page = client.get("/staff/flags")
    assert page.status_code in (302, 403)
    assert "ann@example.org" not in page.get_data(as_text=True)
    [flagged] = _flags(db_session)
    assert client.post(f"/staff/flags/{flagged.id}/settle", data={"outcome": "acted"}).status_code in (302, 400, 403)
    assert _flags(db_session)[0].handled_at is None


def test_flags_dealt_with_long_ago_are_deleted(db_session, make_report, make_user):
    report = make_report()
    staff = make_user(Role.STAFF)
    old = flags.flag(db_session, report, None, "wrong", "", "old@example.org")
    flags.settle(db_session, old.id, staff, "no_action", now=utcnow() - flags.KEEP_HANDLED - timedelta(days=1))
    recent = flags.flag(db_session, report, None, "wrong", "", "new@example.org")
    flags.settle(db_session, recent.id, staff, "no_action")
    waiting = flags.flag(db_session, report, None, "offensive", "", "wait@example.org")
    assert flags.purge_handled(db_session) == 1
    assert [f.email for f in _flags(db_session)] == ["new@example.org", "wait@example.org"]
    assert waiting.handled_at is None


def test_no_moderators_mailbox_no_email(db_session, make_report):
    report = make_report()
    flags.flag(db_session, report, None, "offensive", "", "")
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.subject.startswith("Flagged"))) == 0


@pytest.mark.parametrize("flag_id", ["2147483648", "9223372036854775808", "9" * 40, "0"])
def test_a_flag_id_beyond_any_row_is_refused_not_a_server_error(staff_client, flag_id):
    resp = staff_client.submit(f"/staff/flags/{flag_id}/settle", {"outcome": "acted"}, page="/staff/flags")
    assert resp.status_code in (400, 404)
