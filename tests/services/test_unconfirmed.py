"""Updates and follows asked for by email are purged once their link has expired unused; nothing confirmed, and
no one still referred to, is touched."""
import io
from datetime import timedelta

from sqlalchemy import func, select, update

from models import OutboxMessage, Photo, ReportEvent, Subscription, User, utcnow
from portal.services.photos import PhotoStore
from portal.services.unconfirmed import purge_unconfirmed
from tests.conftest import FormClient
from tests.factories import image_bytes
from tests.updates.test_views import post_update

LATER = timedelta(days=8)          # past the links' 7 days


def _age(db_session, email: str, by: timedelta) -> None:
    """Make everything about this address ``by`` older (its account, its updates and its mail)."""
    user = db_session.scalars(select(User).where(User.email == email)).one()
    user.created_at -= by
    db_session.execute(update(ReportEvent).where(ReportEvent.actor_id == user.id).values(at=ReportEvent.at - by))
    db_session.execute(update(OutboxMessage).where(OutboxMessage.to_addr == email)
                       .values(created_at=OutboxMessage.created_at - by))
    db_session.commit()


def _user(db_session, email: str):
    return db_session.scalars(select(User).where(User.email == email)).first()


def test_expired_unconfirmed_updates_and_follows_go_with_their_photos(app, db_session, make_report):
    report = make_report()
    client = FormClient(app.test_client())
    resp = post_update(client, report.reference, {"text": "Still there", "email": "stale@example.test"},
                       files=[(image_bytes(), "a.jpg")])
    assert resp.status_code == 302
    assert client.submit(f"/reports/{report.reference}/follow", {"email": "follower@example.test"}).status_code == 302
    post_update(client, report.reference, {"text": "Fresh one", "email": "fresh@example.test"})
    store = PhotoStore(app.config["PHOTO_DIR"])
    event = db_session.scalars(select(ReportEvent).where(ReportEvent.note == "Still there")).one()
    [photo] = db_session.scalars(select(Photo).where(Photo.event_id == event.id)).all()
    assert store.path(photo.key).exists()
    _age(db_session, "stale@example.test", LATER)
    _age(db_session, "follower@example.test", LATER)

    done = purge_unconfirmed(db_session, store)
    assert (done.updates, done.photos, done.people) == (1, 1, 2)
    assert db_session.get(ReportEvent, event.id) is None
    assert db_session.scalar(select(func.count()).select_from(Photo).where(Photo.key == photo.key)) == 0
    assert not store.path(photo.key).exists()
    assert _user(db_session, "stale@example.test") is None and _user(db_session, "follower@example.test") is None
    # Within its link's life: kept.
    assert db_session.scalars(select(ReportEvent).where(ReportEvent.note == "Fresh one")).one().awaiting_confirmation
    assert _user(db_session, "fresh@example.test") is not None
    assert purge_unconfirmed(db_session, store) == type(done)()          # nothing more to do


def test_confirmed_ones_and_people_still_referred_to_stay(app, db_session, make_report, make_user):
    report = make_report()
    client = FormClient(app.test_client())
    client.submit(f"/reports/{report.reference}/follow", {"email": "keen@example.test"})
    import re
    mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == "keen@example.test")).one()
    assert client.submit(re.search(r"http://localhost(/n/follow/\S+)", mail.body).group(1), {}).status_code == 200
    _age(db_session, "keen@example.test", LATER)
    reporter = report.reporter                                         # an email-only reporter of a report
    account = make_user()                                              # a real account (has a password)
    account.created_at = utcnow() - LATER
    db_session.commit()
    # Someone first seen long ago who asked to follow yesterday: their link is alive, so they stay.
    client.submit(f"/reports/{report.reference}/follow", {"email": "again@example.test"})
    _age(db_session, "again@example.test", LATER)
    db_session.execute(update(OutboxMessage).where(OutboxMessage.to_addr == "again@example.test")
                       .values(created_at=utcnow() - timedelta(days=1)))
    db_session.commit()

    done = purge_unconfirmed(db_session, PhotoStore(app.config["PHOTO_DIR"]))
    assert done.people == 0
    assert _user(db_session, "keen@example.test") is not None
    assert db_session.scalars(select(Subscription).join(User).where(User.email == "keen@example.test")).one().active
    assert db_session.get(User, account.id) is not None
    assert reporter is None or db_session.get(User, reporter.id) is not None
    assert _user(db_session, "again@example.test") is not None


def test_the_command_and_the_mail_worker_run_it(app, app_ctx, db_session, make_report, smtp):
    report = make_report()
    client = FormClient(app.test_client())
    for email in ("gone@example.test", "also.gone@example.test"):
        client.submit(f"/reports/{report.reference}/follow", {"email": email})
        _age(db_session, email, LATER)
    db_session.execute(update(User).where(User.email == "also.gone@example.test")
                       .values(created_at=utcnow()))                  # not yet old enough for the command
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["updates", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 email-only people" in result.output and "unconfirmed reports" in result.output
    assert _user(db_session, "gone@example.test") is None
    assert _user(db_session, "also.gone@example.test") is not None
    _age(db_session, "also.gone@example.test", LATER)
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=smtp.port)
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 email-only people whose links expired" in result.output
    assert _user(db_session, "also.gone@example.test") is None


def test_expired_unconfirmed_reports_and_alerts_go_with_their_photos_and_contact(app, db_session):
    """A report made without an account whose link expired unused was kept for good: its description, photos,
    the name and address it came with. It goes, with them; so does an alert never confirmed (they counted
    towards the person's 50, so anyone could fill another's allowance). A fresh one stays."""
    from models import Alert, Person, Report, Status
    from tests.alerts.test_views import FORM as ALERT_FORM
    from tests.factories import report_form
    client = FormClient(app.test_client())
    sent = client.submit("/report", {**report_form(email="lapsed@example.test", your_name="Lee Lapsed"),
                                      "photos": [(io.BytesIO(image_bytes()), "a.jpg")]},
                         content_type="multipart/form-data")
    assert sent.status_code == 302
    client.submit("/report", report_form(email="recent@example.test", your_name="Rae", submission_token="r"))
    client.submit("/alerts", {**ALERT_FORM, "email": "lapsed@example.test"})
    lapsed = db_session.scalars(select(Report).join(User, Report.reporter_id == User.id)
                                .where(User.email == "lapsed@example.test")).one()
    assert lapsed.status is Status.UNCONFIRMED
    [photo] = db_session.scalars(select(Photo).where(Photo.report_id == lapsed.id)).all()
    store = PhotoStore(app.config["PHOTO_DIR"])
    assert store.path(photo.key).exists()
    _age(db_session, "lapsed@example.test", LATER)
    db_session.execute(update(Report).where(Report.id == lapsed.id).values(created_at=Report.created_at - LATER))
    db_session.execute(update(Alert).values(created_at=Alert.created_at - LATER))
    db_session.execute(update(Person).where(Person.email == "lapsed@example.test")
                       .values(created_at=Person.created_at - LATER))
    db_session.commit()

    done = purge_unconfirmed(db_session, store)
    assert (done.reports, done.alerts, done.photos, done.people) == (1, 1, 1, 1)
    assert db_session.get(Report, lapsed.id) is None and not store.path(photo.key).exists()
    assert _user(db_session, "lapsed@example.test") is None
    assert db_session.scalar(select(func.count()).select_from(Person).where(Person.name == "Lee Lapsed")) == 0
    assert _user(db_session, "recent@example.test") is not None             # its link is still alive
    assert db_session.scalar(select(func.count()).select_from(Report).join(User, Report.reporter_id == User.id)
                             .where(User.email == "recent@example.test")) == 1
