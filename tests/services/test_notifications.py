"""Notifications end to end: outbox written with the change, sent through a real SMTP server on loopback."""
import re
from datetime import timedelta

from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from models import OutboxMessage, Role, Status, Subscription, utcnow
from portal.services.reports import change_status
from portal.services.triage import add_update
from tests.conftest import csrf_from
from tests.factories import report_form

from tests.conftest import send

LINK = re.compile(r"http://localhost(/n/(?:reopen|rate|unsubscribe)/[^\s]+)")


def pending(db_session):
    return db_session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                              .order_by(OutboxMessage.id)).all()


def links(body: str) -> dict[str, str]:
    return {m.split("/")[2]: m for m in LINK.findall(body)}


def follow(client, path, data=None):
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **(data or {})})


def test_report_received_email_goes_through_smtp(app, resident, resident_client, db_session, smtp):
    resp = resident_client.submit("/report", report_form())
    assert resp.status_code == 302
    [message] = pending(db_session)
    assert message.to_addr == resident.email and "We have your report" in message.subject
    summary = send(db_session, smtp)
    assert summary.sent == 1
    [received] = smtp.inbox.messages
    assert received.rcpt_tos == [resident.email]
    assert "we have your report" in smtp.inbox.texts()[0]
    assert pending(db_session) == []


def test_a_new_report_follows_the_reporters_choices_and_subscribes_them(resident, resident_client, db_session):
    """The new report's lean path (no subscription or recipients looked up) chooses as _recipients does."""
    resident.notify_updates = False
    db_session.commit()
    assert resident_client.submit("/report", report_form()).status_code == 302
    assert pending(db_session) == []                      # no "we have your report" for a resident who said no
    resident.notify_updates, resident.contact_preference = True, "none"
    db_session.commit()
    assert resident_client.submit("/report", report_form()).status_code == 302
    assert pending(db_session) == []
    resident.contact_preference = "email"
    db_session.commit()
    assert resident_client.submit("/report", report_form()).status_code == 302
    assert [m.to_addr for m in pending(db_session)] == [resident.email]
    subs = db_session.scalars(select(Subscription).where(Subscription.user_id == resident.id)).all()
    assert len(subs) == 3 and all(s.active for s in subs)   # followed, whatever the emails


def test_fixed_email_has_reopen_and_rate_links_that_work_once(app, resident, make_report, make_user, db_session, smtp):
    report = make_report(reporter=resident)
    staff = make_user(Role.STAFF)
    change_status(db_session, report, Status.FIXED, staff, "Cleared this morning")
    send(db_session, smtp)
    fixed_mail = smtp.inbox.texts()[-1]
    assert "Cleared this morning" in fixed_mail and "within 14 days" in fixed_mail
    found = links(fixed_mail)
    assert {"reopen", "rate", "unsubscribe"} <= found.keys()
    client = app.test_client()
    rated = follow(client, found["rate"], {"score": "4"})
    assert rated.status_code == 200 and "rating is recorded" in rated.get_data(as_text=True)
    assert follow(client, found["rate"], {"score": "5"}).status_code == 400  # once per fix
    first = follow(client, found["reopen"])
    assert first.status_code == 200
    db_session.refresh(report)
    assert report.status is Status.REOPENED and report.fixed_at is None
    second = follow(client, found["reopen"])
    assert second.status_code == 400 and "already been used" in second.get_data(as_text=True)


def test_only_the_reporter_gets_links_to_reopen_or_rate_a_fix(app, resident, make_report, make_user, db_session,
                                                             smtp):
    """A follower hears of the fix but gets no reopen or rate link (each works once: a shared one went to
    whoever clicked first); the reporter's links are theirs; whoever made the change is not told of it."""
    from portal.services.notifications import subscribe
    report = make_report(reporter=resident)
    follower, staff = make_user(), make_user(Role.STAFF)
    subscribe(db_session, report, follower)
    subscribe(db_session, report, staff)                       # a member of staff following, who then fixes it
    db_session.commit()
    change_status(db_session, report, Status.FIXED, staff, "Cleared this morning")
    send(db_session, smtp)
    mail = {m.rcpt_tos[0]: text for m, text in zip(smtp.inbox.messages, smtp.inbox.texts())}
    assert set(mail) == {resident.email, follower.email}
    assert "The report you follow" in mail[follower.email] and "Cleared this morning" in mail[follower.email]
    assert links(mail[follower.email]).keys() == {"unsubscribe"}
    assert "Your report" in mail[resident.email] and {"reopen", "rate"} <= links(mail[resident.email]).keys()
    # A note on the fixed report later sends no new links.
    add_update(db_session, report, staff, "Checked again today", internal=False)
    send(db_session, smtp)
    assert "Checked again today" in smtp.inbox.texts()[-1] and "reopen" not in links(smtp.inbox.texts()[-1])


def test_a_hidden_report_tells_only_its_reporter(app, resident, make_report, make_user, db_session, smtp):
    from portal.services.moderation import set_hidden
    from portal.services.notifications import subscribe
    report = make_report(reporter=resident)
    follower, staff = make_user(), make_user(Role.STAFF)
    subscribe(db_session, report, follower)
    db_session.commit()
    set_hidden(db_session, report, staff, True, "Personal details in the description")
    change_status(db_session, report, Status.INVESTIGATING, staff, "Looking into it")
    send(db_session, smtp)
    assert {tuple(m.rcpt_tos) for m in smtp.inbox.messages} == {(resident.email,)}     # the follower: nothing


def test_a_get_on_an_email_link_changes_nothing(app, resident, make_report, make_user, db_session):
    from portal.services.links import make_token
    report = make_report(reporter=resident)
    change_status(db_session, report, Status.FIXED, make_user(Role.STAFF))
    token = make_token(db_session, "reopen", {"r": report.id, "f": report.fixed_at.isoformat()})
    assert app.test_client().get(f"/n/reopen/{token}").status_code == 200
    db_session.refresh(report)
    assert report.status is Status.FIXED


def test_reopen_link_after_14_days_is_refused(app, resident, make_report, make_user, db_session, monkeypatch):
    from portal.services.links import make_token
    report = make_report(reporter=resident)
    change_status(db_session, report, Status.FIXED, make_user(Role.STAFF))
    old = int((utcnow() - timedelta(days=15)).timestamp())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: old)
    token = make_token(db_session, "reopen", {"r": report.id, "f": report.fixed_at.isoformat()})
    monkeypatch.undo()
    resp = follow(app.test_client(), f"/n/reopen/{token}")
    assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)
    db_session.refresh(report)
    assert report.status is Status.FIXED


def test_forged_or_altered_links_are_refused(app, resident, make_report, make_user, db_session):
    from itsdangerous import URLSafeTimedSerializer
    report = make_report(reporter=resident)
    change_status(db_session, report, Status.FIXED, make_user(Role.STAFF))
    forged = URLSafeTimedSerializer("not-our-secret", salt="kerbside.reopen").dumps(
        {"r": report.id, "f": report.fixed_at.isoformat()})
    client = app.test_client()
    for token in (forged, "garbage", forged[:-2] + "xx"):
        resp = follow(client, f"/n/reopen/{token}")
        assert resp.status_code == 400 and "not valid" in resp.get_data(as_text=True)
    # a token for another purpose (rate) does not reopen
    from portal.services.links import make_token
    rate = make_token(db_session, "rate", {"r": report.id, "f": report.fixed_at.isoformat()})
    assert follow(client, f"/n/reopen/{rate}").status_code == 400
    db_session.refresh(report)
    assert report.status is Status.FIXED


def test_smtp_down_then_back_loses_nothing_and_never_blocks_a_change(
        app, resident, make_report, make_user, db_session, smtp_down):
    report = make_report(reporter=resident)
    change_status(db_session, report, Status.INVESTIGATING, make_user(Role.STAFF))   # no SMTP involved
    assert len(pending(db_session)) == 2
    summary = send(db_session, smtp_down)
    assert summary.deferred == 2 and summary.sent == 0
    waiting = pending(db_session)
    assert all(m.attempts == 1 and m.next_attempt_at > utcnow() and "cannot reach" in m.last_error for m in waiting)
    smtp_down.start()
    assert send(db_session, smtp_down).sent == 0                      # not due yet: backing off
    summary = send(db_session, smtp_down, now=utcnow() + timedelta(minutes=1))
    assert summary.sent == 2
    assert sorted(m.rcpt_tos[0] for m in smtp_down.inbox.messages) == [resident.email] * 2
    assert pending(db_session) == []


def test_backoff_grows_and_is_capped():
    from portal.services.outbox import backoff
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(50) == timedelta(hours=1)


def test_internal_notes_and_no_contact_residents_get_no_email(app, resident, make_report, make_user, db_session):
    report = make_report(reporter=resident)
    staff = make_user(Role.STAFF)
    before = len(pending(db_session))
    add_update(db_session, report, staff, "Crew says the site is hazardous", internal=True)
    change_status(db_session, report, Status.INVESTIGATING, staff, "checking the CCTV", internal=True)
    assert len(pending(db_session)) == before
    # The change itself is on the public timeline (the page shows the status), its note is not.
    page = app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "CCTV" not in page and page.count("Investigating") >= 2
    resident.contact_preference = "none"
    db_session.commit()
    change_status(db_session, report, Status.ASSIGNED, staff, "On its way")
    assert len(pending(db_session)) == before


def test_public_update_is_emailed(app, resident, make_report, make_user, db_session):
    report = make_report(reporter=resident)
    add_update(db_session, report, make_user(Role.STAFF), "We have asked the landowner to clear it", internal=False)
    assert "landowner" in pending(db_session)[-1].body


def test_unsubscribe_from_one_report(app, resident, make_report, make_user, db_session, smtp):
    report = make_report(reporter=resident)
    send(db_session, smtp)
    path = links(smtp.inbox.texts()[0])["unsubscribe"]
    resp = follow(app.test_client(), path)
    assert resp.status_code == 200 and "no more emails" in resp.get_data(as_text=True)
    assert db_session.scalar(select(Subscription.active).where(Subscription.report_id == report.id)) is False
    change_status(db_session, report, Status.INVESTIGATING, make_user(Role.STAFF))
    assert pending(db_session) == []


def test_contact_preference_form(app, resident, resident_client, db_session):
    resp = resident_client.submit("/notifications", {"contact_preference": "none"}, page="/account")
    assert resp.status_code == 302
    db_session.refresh(resident)
    assert resident.contact_preference == "none"
    bad = resident_client.submit("/notifications", {"contact_preference": "carrier-pigeon"}, page="/account")
    assert bad.status_code == 400
    db_session.refresh(resident)
    assert resident.contact_preference == "none"


def test_outbox_send_cli_once(app, app_ctx, resident, make_report, db_session, smtp):
    make_report(reporter=resident)
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=smtp.port)
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(smtp.inbox.messages) == 1
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.sent_at.is_(None))) == 0


def test_refused_recipients_fail_for_good_or_wait(app_ctx, db_session, smtp):
    from portal.services.notifications import queue_email
    bounce = queue_email(db_session, "bounce@example.test", "s", "b")
    busy = queue_email(db_session, "busy@example.test", "s", "b")
    ok = queue_email(db_session, "fine@example.test", "s", "b")
    db_session.commit()
    summary = send(db_session, smtp)
    assert (summary.sent, summary.failed, summary.deferred) == (1, 1, 1)
    assert bounce.failed_at is not None and "No such mailbox" in bounce.last_error
    assert busy.failed_at is None and busy.sent_at is None and busy.attempts == 1
    assert ok.sent_at is not None
    assert send(db_session, smtp, now=utcnow() + timedelta(hours=2)).deferred == 1   # bounce is not retried


def test_outbox_status_cli(app, app_ctx, resident, make_report, db_session):
    make_report(reporter=resident)
    result = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert result.exit_code == 0 and "waiting 1, sent 0, refused 0; oldest waiting since" in result.output


def test_public_page_shows_due_date_and_overdue(app, make_report, db_session):
    report = make_report()
    html = app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "Due" in html and "Overdue" not in html
    report.created_at = utcnow() - timedelta(days=30)
    db_session.commit()
    assert "Overdue" in app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)


def test_finished_emails_are_deleted_after_the_keep_period(app, app_ctx, db_session, smtp):
    """Sent mail holds addresses and single-use links: kept 30 days for support, then deleted; mail still
    waiting to go is never deleted, however old."""
    from portal.services.notifications import queue_email
    from portal.services.outbox import purge_finished
    now = utcnow()
    old_sent = queue_email(db_session, "old@example.test", "s", "b")
    new_sent = queue_email(db_session, "new@example.test", "s", "b")
    old_refused = queue_email(db_session, "bounce@example.test", "s", "b")
    old_waiting = queue_email(db_session, "busy@example.test", "s", "b")
    old_sent.sent_at, new_sent.sent_at = now - timedelta(days=31), now - timedelta(days=29)
    old_refused.failed_at = now - timedelta(days=40)
    old_waiting.created_at = now - timedelta(days=90)
    db_session.commit()
    kept_ids = {new_sent.id, old_waiting.id}
    assert purge_finished(db_session, timedelta(days=30), now=now) == 2
    assert set(db_session.scalars(select(OutboxMessage.id))) == kept_ids
    result = app.test_cli_runner().invoke(args=["outbox", "purge", "--days", "0"])
    assert result.exit_code == 0 and "deleted 1 finished emails" in result.output, result.output
    assert set(db_session.scalars(select(OutboxMessage.id))) == {old_waiting.id}
    assert app.test_cli_runner().invoke(args=["outbox", "purge", "--days", "-1"]).exit_code != 0


def test_worker_and_cli_purge_pending_photos_older_than_a_day(app, app_ctx, smtp):
    """Photos uploaded with a report that was never sent: the worker deletes them hourly after a day."""
    import os
    import time

    from portal.services.photos import PhotoStore, process_photo
    from tests.factories import image_bytes
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=smtp.port)
    store = PhotoStore(app.config["PHOTO_DIR"])
    old, recent = (store.save_pending(process_photo(image_bytes(), "a.jpg")) for _ in range(2))
    day_old = time.time() - 24 * 3600 - 60
    os.utime(store._pending(old), (day_old, day_old))
    os.utime(store._pending(recent), (day_old + 3 * 3600, day_old + 3 * 3600))
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0 and "deleted 1 pending photos" in result.output, result.output
    assert not store.pending_exists(old) and store.pending_exists(recent)
    result = app.test_cli_runner().invoke(args=["photos", "purge", "--hours", "20"])
    assert result.exit_code == 0 and "photos: deleted 1 pending photos" in result.output, result.output
    assert not store.pending_exists(recent)
    assert app.test_cli_runner().invoke(args=["photos", "purge", "--hours", "-1"]).exit_code != 0
