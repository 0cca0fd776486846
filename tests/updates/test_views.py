"""Residents' updates, following, support taken back, the reporter's fixed/reopen, on the report's page."""
import io
import re

from sqlalchemy import select

from models import OutboxMessage, Photo, ReportEvent, Role, Status, Subscription
from tests.conftest import FormClient, csrf_from, login
from tests.factories import image_bytes
from tests.hostile_photos import assert_pixels_only, hostile_jpeg


def post_update(client, reference, data, files=()):
    page = client.get(f"/reports/{reference}/update")
    form = {"csrf_token": csrf_from(page.get_data(as_text=True)), **data}
    if files:
        form["photos"] = [(io.BytesIO(b), name) for b, name in files]
    return client.post(f"/reports/{reference}/update", data=form, content_type="multipart/form-data")


def test_signed_in_update_with_a_photo_reaches_the_timeline_and_the_followers(app, db_session, make_report,
                                                                            make_user, tmp_path):
    reporter = make_user()
    report = make_report(reporter=reporter)
    author = make_user()
    client = login(app.test_client(), author.email)
    resp = post_update(client, report.reference, {"text": "Still there, and more bags now"},
                       [(image_bytes(), "bags.jpg")])
    assert resp.status_code == 302
    event = db_session.scalars(select(ReportEvent).where(ReportEvent.source == "resident")).one()
    assert event.actor_id == author.id and not event.awaiting_confirmation
    [photo] = db_session.scalars(select(Photo).where(Photo.event_id == event.id)).all()
    page = app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "Still there, and more bags now" in page and f"/photos/{photo.key}.jpg" in page
    assert author.display_name not in page                               # no names on the public timeline
    shown = app.test_client().get(f"/photos/{photo.key}.jpg")
    shown.close()
    assert shown.status_code == 200
    mails = db_session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("from a resident"))).all()
    assert [m.to_addr for m in mails] == [reporter.email]                # the follower; not the author


def test_a_hostile_photo_is_stored_as_pixels_only_and_junk_is_refused(app, db_session, make_report,
                                                                      resident_client, tmp_path):
    report = make_report()
    resp = post_update(resident_client, report.reference, {"text": "Photo attached"},
                       [(hostile_jpeg(), "evil.jpg")])
    assert resp.status_code == 302
    photo = db_session.scalars(select(Photo).where(Photo.kind == "update")).one()
    assert_pixels_only((tmp_path / "photos" / f"{photo.key}.jpg").read_bytes())
    resp = post_update(resident_client, report.reference, {"text": "Another"},
                       [(b"<?php system($_GET['c']); ?>", "shell.jpg")])
    assert resp.status_code == 400 and "photo" in resp.get_data(as_text=True).lower()
    assert "Another" in resp.get_data(as_text=True)                       # the text is kept
    assert db_session.scalars(select(ReportEvent).where(ReportEvent.note == "Another")).first() is None


def test_bad_updates_are_refused_with_the_input_kept(db_session, make_report, resident_client):
    report = make_report()
    for text, message in (("", "Write your update"), ("x" * 2001, "2,000 characters")):
        resp = post_update(resident_client, report.reference, {"text": text})
        assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    resp = post_update(resident_client, report.reference, {"text": "four"},
                       [(image_bytes(), f"{n}.jpg") for n in range(4)])
    assert resp.status_code == 400 and "at most 3 photos" in resp.get_data(as_text=True)
    assert db_session.scalars(select(ReportEvent).where(ReportEvent.source == "resident")).first() is None


def test_hidden_and_unconfirmed_reports_take_no_updates(app, db_session, make_report, resident_client):
    hidden, waiting = make_report(), make_report(status=Status.UNCONFIRMED)
    hidden.hidden = True
    db_session.commit()
    for report in (hidden, waiting):
        assert resident_client.get(f"/reports/{report.reference}/update").status_code == 404
        assert resident_client.post(f"/reports/{report.reference}/update", data={"text": "x"}).status_code == 404
        assert resident_client.get(f"/reports/{report.reference}/follow").status_code == 404


def test_update_without_an_account_waits_for_its_link_which_works_once(app, db_session, make_report):
    report = make_report()
    client = FormClient(app.test_client())
    resp = post_update(client, report.reference, {"text": "Seen it too", "email": "neighbour@example.test"})
    assert resp.status_code == 302 and "Check your email" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Seen it too" not in app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == "neighbour@example.test")).one()
    path = re.search(r"http://localhost(/n/update/\S+)", mail.body).group(1)
    page = client.get(path)
    done = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200
    assert "Seen it too" in app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    again = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)


def test_follow_without_an_account_then_my_reports_for_supporters(app, db_session, make_report, make_user):
    report = make_report()
    client = FormClient(app.test_client())
    resp = client.submit(f"/reports/{report.reference}/follow", {"email": "watcher@example.test"},
                         follow_redirects=True)
    assert resp.status_code == 200 and "Check your email" in resp.get_data(as_text=True)
    assert client.submit(f"/reports/{report.reference}/follow", {"email": "nope"}).status_code == 400
    mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == "watcher@example.test")).one()
    path = re.search(r"http://localhost(/n/follow/\S+)", mail.body).group(1)
    assert client.submit(path, {}).status_code == 200
    assert client.submit(path, {}).status_code == 400                    # replayed
    sub = db_session.scalars(select(Subscription).where(Subscription.report_id == report.id)
                             .order_by(Subscription.id.desc())).first()
    assert sub.user.email == "watcher@example.test" and sub.active

    supporter = make_user()
    fc = login(app.test_client(), supporter.email)
    token = csrf_from(fc.get(f"/reports/{report.reference}").get_data(as_text=True))
    fc.post(f"/reports/{report.reference}/support", data={"csrf_token": token})
    page = fc.get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "You support this report" in page and "Stop supporting" in page
    assert report.reference in fc.get("/my/reports").get_data(as_text=True)
    fc.post(f"/reports/{report.reference}/support/stop", data={"csrf_token": token})
    page = fc.get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "You support this report" not in page and "Me too" in page
    assert report.reference not in fc.get("/my/reports").get_data(as_text=True)


def test_reporter_marks_fixed_and_reopens_from_the_page(app, db_session, make_report, make_user):
    me = make_user()
    report = make_report(reporter=me)
    fc = login(app.test_client(), me.email)
    token = csrf_from(fc.get(f"/reports/{report.reference}").get_data(as_text=True))
    fc.post(f"/reports/{report.reference}/reporter-status", data={"csrf_token": token, "action": "fixed"})
    db_session.refresh(report)
    assert report.status is Status.FIXED
    fc.post(f"/reports/{report.reference}/reporter-status", data={"csrf_token": token, "action": "reopen"})
    db_session.refresh(report)
    assert report.status is Status.REOPENED
    other = login(app.test_client(), make_user().email)
    resp = other.post(f"/reports/{report.reference}/reporter-status", data={"csrf_token": token, "action": "fixed"})
    db_session.refresh(report)
    assert resp.status_code in (303, 400) and report.status is Status.REOPENED


def test_a_reporter_cannot_undo_a_decision_of_staff(app, db_session, make_report, make_user):
    """Duplicate and not-the-council's are decisions of staff: the reporter's page offers no "it is not
    fixed" for them, and a forged request changes nothing (a reopened duplicate still named its original)."""
    from portal.services import triage
    me, staff = make_user(), make_user(Role.STAFF)
    original, report = make_report(), make_report(reporter=me)
    triage.mark_duplicate(db_session, report, original, staff)
    fc = login(app.test_client(), me.email)
    page = fc.get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "It is not fixed" not in page
    token = csrf_from(page)
    resp = fc.post(f"/reports/{report.reference}/reporter-status", data={"csrf_token": token, "action": "reopen"})
    db_session.refresh(report)
    assert resp.status_code == 303 and report.status is Status.DUPLICATE
    assert "add an update saying why" in fc.get(resp.headers["Location"]).get_data(as_text=True)


def test_staff_hide_and_redact_an_update_and_see_it_on_the_panel(app, db_session, make_report, resident_client,
                                                                 staff_client):
    report = make_report()
    post_update(resident_client, report.reference, {"text": "Call Bob on 07700 900123"})
    event = db_session.scalars(select(ReportEvent).where(ReportEvent.source == "resident")).one()
    panel = staff_client.get(f"/staff/reports/{report.reference}").get_data(as_text=True)
    assert "Updates from residents" in panel and "07700 900123" in panel
    token = csrf_from(panel)
    base = f"/staff/reports/{report.reference}/updates/{event.id}"
    assert staff_client.post(f"{base}/redact", data={"csrf_token": token, "note": "Call Bob", "reason": ""}).status_code == 400
    done = staff_client.post(f"{base}/redact", data={"csrf_token": token, "note": "Call [removed]", "reason": "phone"})
    assert done.status_code == 302, re.findall(r"There is a problem</h2><p>([^<]*)", done.get_data(as_text=True))
    staff_client.post(f"{base}/hide", data={"csrf_token": token, "hidden": "1", "reason": "spam"})
    db_session.refresh(event)
    assert event.note == "Call [removed]" and event.hidden
    public = app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "Call [removed]" not in public and "07700" not in public


def test_a_signed_in_follower_sees_the_report_in_my_reports_until_they_stop(app, db_session, make_report,
                                                                          make_user):
    report = make_report()
    ref = report.reference
    follower = login(app.test_client(), make_user().email)
    assert "You do not support or follow" in follower.get("/my/reports").get_data(as_text=True)
    resp = follower.submit(f"/reports/{ref}/follow", {})
    assert resp.status_code == 302
    page = follower.get(f"/reports/{ref}").get_data(as_text=True)
    assert "You follow this report" in page and "Stop following this report" in page
    mine = follower.get("/my/reports").get_data(as_text=True)
    assert ref in mine and "<td>Follow</td>" in mine
    report.hidden = True                                     # hidden by staff: gone from the list too
    db_session.commit()
    assert ref not in follower.get("/my/reports").get_data(as_text=True)
    report.hidden = False
    db_session.commit()
    token = csrf_from(page)
    assert follower.post(f"/reports/{ref}/unfollow", data={"csrf_token": token}).status_code == 302
    assert ref not in follower.get("/my/reports").get_data(as_text=True)
    page = follower.get(f"/reports/{ref}").get_data(as_text=True)
    assert "You follow this report" not in page and "Follow this report by email" in page


def test_links_for_a_report_hidden_since_publish_and_follow_nothing(app, db_session, make_report):
    """An update or a follow asked for by email, then the report is hidden by staff: its link is refused (400)
    and the update stays off every page, the follow inactive."""
    report = make_report()
    client = FormClient(app.test_client())
    post_update(client, report.reference, {"text": "Hidden since", "email": "late@example.test"})
    client.submit(f"/reports/{report.reference}/follow", {"email": "late@example.test"})
    mails = [m.body for m in db_session.scalars(select(OutboxMessage)
                                                .where(OutboxMessage.to_addr == "late@example.test"))]
    paths = [re.search(rf"http://localhost(/n/{kind}/\S+)", body).group(1)
             for kind, body in zip(("update", "follow"), sorted(mails, key=lambda b: "/n/follow/" in b))]
    report.hidden = True
    db_session.commit()
    for path in paths:
        resp = client.submit(path, {})
        assert resp.status_code == 400 and "not public" in resp.get_data(as_text=True), path
    event = db_session.scalars(select(ReportEvent).where(ReportEvent.note == "Hidden since")).one()
    assert event.awaiting_confirmation
    assert not db_session.scalars(select(Subscription).where(Subscription.report_id == report.id,
                                                             Subscription.active.is_(True))).all()
