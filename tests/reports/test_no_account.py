"""Reporting with only an email address (held until confirmed), claiming it, and staff reporting for callers."""
import re
from datetime import timedelta

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from models import OutboxMessage, Report, Status, User, utcnow
from tests.conftest import FormClient, csrf_from
from tests.factories import report_form

CONFIRM = re.compile(r"http://localhost(/n/confirm/\S+)")


def follow(client, path, data=None):
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **(data or {})})


def _anonymous_report(app, email="walker@example.test", **kw):
    client = FormClient(app.test_client())
    resp = client.submit("/report", report_form(email=email, your_name="Wendy Walker", **kw))
    return client, resp


def test_report_is_held_until_the_link_is_followed_then_claimed(app, db_session):
    client, resp = _anonymous_report(app)
    assert resp.status_code == 302 and "check-your-email" in resp.headers["Location"]
    report = db_session.scalars(select(Report).order_by(Report.id.desc())).first()
    assert report.status is Status.UNCONFIRMED and report.reporter.password_hash is None
    assert app.test_client().get(f"/reports/{report.reference}").status_code == 404      # not public yet
    [mail] = db_session.scalars(select(OutboxMessage).where(OutboxMessage.report_id == report.id)).all()
    assert mail.to_addr == "walker@example.test" and "Confirm your report" in mail.subject
    path = CONFIRM.search(mail.body).group(1)
    resp = follow(client, path)
    assert resp.status_code == 200 and "confirmed" in resp.get_data(as_text=True)
    db_session.refresh(report)
    assert report.status is Status.NEW
    assert app.test_client().get(f"/reports/{report.reference}").status_code == 200
    received = db_session.scalars(select(OutboxMessage).where(OutboxMessage.report_id == report.id)
                                  .order_by(OutboxMessage.id)).all()
    assert "We have your report" in received[-1].subject
    again = follow(client, path)                                                     # used twice
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    claim = re.search(r'href="(/n/claim/[^"]+)"', resp.get_data(as_text=True)).group(1)
    assert follow(client, claim, {"password": "short"}).status_code == 400
    assert follow(client, claim, {"password": "a long enough password"}).status_code == 302
    mine = client.get("/my/reports").get_data(as_text=True)
    assert report.reference in mine
    assert follow(client, claim, {"password": "another long password"}).status_code == 400   # claimed once


def test_forged_and_expired_confirmation_links(app, app_ctx, db_session, monkeypatch):
    from portal.services.links import make_token
    _anonymous_report(app)
    report = db_session.scalars(select(Report).order_by(Report.id.desc())).first()
    forged = URLSafeTimedSerializer("guessed-secret", salt="kerbside.confirm").dumps({"r": report.id})
    client = app.test_client()
    resp = follow(client, f"/n/confirm/{forged}")
    assert resp.status_code == 400 and "not valid" in resp.get_data(as_text=True)
    old = int((utcnow() - timedelta(days=8)).timestamp())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: old)
    expired = make_token(db_session, "confirm", {"r": report.id})
    monkeypatch.undo()
    resp = follow(client, f"/n/confirm/{expired}")
    assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)
    db_session.refresh(report)
    assert report.status is Status.UNCONFIRMED


def test_email_is_required_without_an_account(app, db_session):
    for email in ("", "not-an-email"):
        _, resp = _anonymous_report(app, email=email, submission_token=f"t-{email}")
        assert resp.status_code == 400 and "email address" in resp.get_data(as_text=True)
    assert db_session.scalars(select(User).where(User.email == "not-an-email")).first() is None


def test_email_only_user_cannot_log_in(app, db_session):
    _anonymous_report(app)
    client = FormClient(app.test_client())
    resp = client.submit("/login", {"email": "walker@example.test", "password": ""})
    assert resp.status_code != 302


def test_staff_report_for_a_phone_caller(app, staff_client, db_session):
    resp = staff_client.submit("/report", report_form(channel="phone", email="caller@example.test",
                                                     your_name="Carl Caller"))
    assert resp.status_code == 302 and "/staff/reports/" in resp.headers["Location"]
    report = db_session.scalars(select(Report).order_by(Report.id.desc())).first()
    assert report.channel == "phone" and report.status is Status.NEW
    assert report.reporter.email == "caller@example.test"
    assert report.events[0].actor.role.value == "staff"
    bad = staff_client.submit("/report", report_form(channel="pigeon", submission_token="pigeon"))
    assert bad.status_code == 400


def test_the_report_form_speaks_of_the_caller_to_staff_and_of_you_to_residents(staff_client, resident_client):
    """Staff fill it in for a caller: "Hide my name" read as the staff member's own name."""
    staff = staff_client.get("/report?caller=phone").get_data(as_text=True)
    assert "Caller&#39;s name (optional)" in staff and "Hide my name" not in staff
    assert "Hide the name on the public page (the caller&#39;s, or yours for your own)" in staff
    assert "Hide my name on the public page" in resident_client.get("/report").get_data(as_text=True)


def test_residents_cannot_choose_a_channel(app, resident, resident_client, db_session):
    resident_client.submit("/report", report_form(channel="phone", email="someone@example.test"))
    report = db_session.scalars(select(Report).order_by(Report.id.desc())).first()
    assert report.channel == "web" and report.reporter_id == resident.id


def test_a_disabled_account_cannot_go_on_without_signing_in(app, db_session, make_user, make_report, staff_client):
    """Disabling an account ends its sessions; every way in without one (a report, an update, following a
    report, an alert, staff reporting for a caller by email) refuses its address with one clear message and
    writes nothing, and a link mailed before it was disabled no longer acts in its name."""
    from models import Alert, ReportEvent, Role, Subscription
    from portal.services.contacts import DISABLED
    from portal.services.user_admin import disable
    from tests.alerts.test_views import FORM as ALERT_FORM
    from tests.updates.test_views import post_update
    admin = make_user(Role.ADMIN)
    # A report made by email while the account was in good standing, its link not yet followed.
    client, resp = _anonymous_report(app, email="abuser@example.test", submission_token="before")
    assert resp.status_code == 302
    held = db_session.scalars(select(Report).order_by(Report.id.desc())).first()
    link = CONFIRM.search(db_session.scalars(select(OutboxMessage).where(OutboxMessage.report_id == held.id))
                          .one().body).group(1)
    disable(db_session, held.reporter, admin, "abuse")
    counts = lambda: [db_session.query(model).count() for model in (Report, ReportEvent, Subscription, Alert,
                                                                      OutboxMessage)]
    email = "Abuser@Example.test"                          # as typed: the address is normalised first
    target = make_report()
    before = counts()
    pages = [
        _anonymous_report(app, email=email, submission_token="after")[1],
        post_update(app.test_client(), target.reference, {"text": "More rubbish", "email": email,
                                                          "name": "A"}),
        FormClient(app.test_client()).submit(f"/reports/{target.reference}/follow", {"email": email}),
        FormClient(app.test_client()).submit("/alerts", {**ALERT_FORM, "email": email}),
        staff_client.submit("/report", report_form(channel="phone", email=email, your_name="A Caller",
                                                   submission_token="caller")),
    ]
    for page in pages:
        assert page.status_code == 400 and DISABLED in page.get_data(as_text=True)
    assert counts() == before
    refused = follow(client, link)
    assert refused.status_code == 400 and "not valid" in refused.get_data(as_text=True)
    db_session.refresh(held)
    assert held.status is Status.UNCONFIRMED


def test_a_form_that_emails_a_link_redirects_so_a_reload_sends_nothing(app, db_session, make_report):
    """Every form that emails a link (report, update, following, alert, sign-up, password reset) answers with a
    redirect to a page saying where it went: a reload or Back and Forward loads that page, and sends no second
    form or email (an answer with the page itself did, with a second pending update)."""
    from tests.alerts.test_views import FORM as ALERT_FORM
    from tests.updates.test_views import post_update
    report = make_report()
    client = FormClient(app.test_client())
    sent = {
        "report": client.submit("/report", report_form(email="r@example.test", your_name="R")),
        "update": post_update(client, report.reference, {"text": "Seen it", "email": "u@example.test"}),
        "follow": client.submit(f"/reports/{report.reference}/follow", {"email": "f@example.test"}),
        "alert": client.submit("/alerts", {**ALERT_FORM, "email": "a@example.test"}),
        "register": client.submit("/register", {"display_name": "Reg", "email": "g@example.test",
                                                "password": "a long password here",
                                                "confirm": "a long password here"}),
        "password": client.submit("/password/forgot", {"email": "nobody@example.test"}),
    }
    before = db_session.query(OutboxMessage).count()
    for what, resp in sent.items():
        assert resp.status_code == 302 and resp.headers["Location"] == f"/check-your-email/{what}", what
        again = client.get(resp.headers["Location"])
        assert again.status_code == 200 and "Check your email" in again.get_data(as_text=True), what
    assert "nobody@example.test" in client.get("/check-your-email/password").get_data(as_text=True)   # the last
    assert db_session.query(OutboxMessage).count() == before
    assert client.get("/check-your-email/anything").status_code == 404
