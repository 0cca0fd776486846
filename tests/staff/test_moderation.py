"""Staff moderation (issue 6): hide a report, redact text, remove a photo; each logged with who and why."""
import io

from sqlalchemy import select

from models import Photo, Report, ReportEvent, Role
from portal.services.photos import PhotoStore, process_photo

from ..conftest import login
from ..factories import CATFORD, image_bytes


def _staff(app, make_user):
    user = make_user(Role.STAFF)
    return user, login(app.test_client(), user.email)


def test_hidden_report_is_gone_from_every_public_view_but_staff_see_it(app, make_user, make_report, db_session):
    staff, fc = _staff(app, make_user)
    report = make_report()
    ref = report.reference
    missing = fc.submit(f"/staff/reports/{ref}/hide", {"hidden": "1", "reason": ""}, page=f"/staff/reports/{ref}")
    assert missing.status_code == 400 and "Give the reason" in missing.get_data(as_text=True)
    assert db_session.get(Report, report.id).hidden is False
    resp = fc.submit(f"/staff/reports/{ref}/hide", {"hidden": "1", "reason": "Abusive text"},
                     page=f"/staff/reports/{ref}")
    assert resp.status_code == 302
    public = app.test_client()
    assert public.get(f"/reports/{ref}").status_code == 404
    assert ref not in public.get(f"/open311/v2/requests.json?service_request_id={ref}").get_data(as_text=True)
    assert ref not in public.get("/data/reports.csv?period=365").get_data(as_text=True)
    assert fc.get(f"/staff/reports/{ref}").status_code == 200
    event = db_session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)
                               .order_by(ReportEvent.id.desc())).first()
    assert event.internal and event.actor_id == staff.id and "Abusive text" in event.note
    assert "Abusive text" not in app.test_client().get(f"/staff/reports/{ref}").get_data(as_text=True)
    shown = fc.submit(f"/staff/reports/{ref}/hide", {"hidden": "0", "reason": "Reviewed"}, page=f"/staff/reports/{ref}")
    assert shown.status_code == 302 and public.get(f"/reports/{ref}").status_code == 200


def test_redaction_replaces_text_and_logs_internally(app, make_user, make_report, db_session):
    staff, fc = _staff(app, make_user)
    report = make_report()
    ref = report.reference
    resp = fc.submit(f"/staff/reports/{ref}/redact", {"description": "A sofa on the pavement [name removed]",
                                                      "reason": "Contained a neighbour's name"},
                     page=f"/staff/reports/{ref}")
    assert resp.status_code == 302
    page = app.test_client().get(f"/reports/{ref}").get_data(as_text=True)
    assert "[name removed]" in page and "neighbour's name" not in page and "neighbour&#39;s name" not in page
    grew = fc.submit(f"/staff/reports/{ref}/redact", {"description": "x" * 500, "reason": "padding"},
                     page=f"/staff/reports/{ref}")
    assert grew.status_code == 400 and "should remove text" in grew.get_data(as_text=True)


def test_remove_photo_deletes_row_and_file(app, app_config, make_user, db_session):
    from portal.services.reports import NewReport, create_report
    store = PhotoStore(app_config["PHOTO_DIR"])
    key = store.save_pending(process_photo(image_bytes()))
    answers = {"size": "single_bag", "waste": ["household"], "where": "road", "witnessed": "no"}
    with app.app_context():
        report = create_report(db_session, NewReport("fly_tipping", CATFORD, "bag with a face", answers, [key]),
                               None, store)
    photo_id = report.photos[0].id
    staff, fc = _staff(app, make_user)
    ref = report.reference
    assert store.path(key).exists()
    resp = fc.submit(f"/staff/reports/{ref}/photos/{photo_id}/remove", {"reason": "Shows a face"},
                     page=f"/staff/reports/{ref}")
    assert resp.status_code == 302
    db_session.expire_all()
    assert db_session.get(Photo, photo_id) is None and not store.path(key).exists()
    assert app.test_client().get(f"/photos/{key}.jpg").status_code == 404


def test_residents_and_crews_cannot_moderate(app, make_user, make_report, db_session):
    report = make_report()
    for role in (Role.RESIDENT, Role.CREW, Role.COUNCILLOR):
        fc = login(app.test_client(), make_user(role).email)
        resp = fc.submit(f"/staff/reports/{report.reference}/hide", {"hidden": "1", "reason": "x"}, page="/")
        assert resp.status_code == 403
    db_session.expire_all()
    assert db_session.get(Report, report.id).hidden is False


def test_a_residents_update_photo_is_removed_like_any_other(app, app_config, make_user, make_report, db_session,
                                                           resident_client):
    """Issue 13: residents' updates are under the same moderation, their photos included."""
    from ..updates.test_views import post_update
    report = make_report()
    ref = report.reference
    assert post_update(resident_client, ref, {"text": "More bags"}, [(image_bytes(), "bags.jpg")]).status_code == 302
    photo = db_session.scalars(select(Photo).where(Photo.report_id == report.id, Photo.kind == "update")).one()
    key, photo_id, store = photo.key, photo.id, PhotoStore(app_config["PHOTO_DIR"])
    assert f"/photos/{key}.jpg" in app.test_client().get(f"/reports/{ref}").get_data(as_text=True)
    staff, fc = _staff(app, make_user)
    panel = fc.get(f"/staff/reports/{ref}").get_data(as_text=True)
    assert f"/staff/reports/{ref}/photos/{photo_id}/remove" in panel and "Remove update photo" in panel
    resp = fc.submit(f"/staff/reports/{ref}/photos/{photo_id}/remove", {"reason": "Shows a number plate"},
                     page=f"/staff/reports/{ref}")
    assert resp.status_code == 302
    db_session.expire_all()
    assert db_session.get(Photo, photo_id) is None and not store.path(key).exists()
    public = app.test_client().get(f"/reports/{ref}").get_data(as_text=True)
    assert f"/photos/{key}.jpg" not in public and "More bags" in public          # the text stays
    assert app.test_client().get(f"/photos/{key}.jpg").status_code == 404


def test_the_author_is_told_what_a_moderator_did_without_the_reason(app, make_user, make_report, db_session,
                                                                     smtp):
    """As FixMyStreet does: a report or update does not change, or disappear, without a word to whoever wrote
    it; the moderator's reason (an internal note) and name stay inside."""
    from models import OutboxMessage
    from portal.services import moderation
    from ..conftest import send
    staff, fc = _staff(app, make_user)
    reporter, author = make_user(Role.RESIDENT), make_user(Role.RESIDENT)
    report = make_report(reporter=reporter)
    update = ReportEvent(report=report, actor=author, note="Dumped by John at number 4", source="resident")
    db_session.add(update)
    db_session.commit()
    ref = report.reference
    assert fc.submit(f"/staff/reports/{ref}/redact", {"description": "A sofa [name removed]",
                                                      "reason": "Named a neighbour"},
                     page=f"/staff/reports/{ref}").status_code == 302
    moderation.redact_update(db_session, report, update.id, staff, "Dumped [name removed]", "Named a neighbour")
    moderation.set_update_hidden(db_session, report, update.id, staff, True, "Still unkind")
    mails = db_session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("moderated"))
                               .order_by(OutboxMessage.id)).all()
    assert [(m.to_addr, m.body.split("A moderator has ")[1].split(" on the report")[0]) for m in mails] == [
        (reporter.email, "edited your description"), (author.email, "edited your update"),
        (author.email, "hidden your update from the public")]
    assert all("Named a neighbour" not in m.body and "Still unkind" not in m.body and staff.display_name
               not in m.body and f"/reports/{ref}" in m.body for m in mails)
    send(db_session, smtp)
    delivered = [r for m in smtp.inbox.messages if b"moderated" in m.content for r in m.rcpt_tos]
    assert sorted(delivered) == sorted([reporter.email, author.email, author.email])


def test_a_moderator_moderating_their_own_words_is_not_emailed(make_user, make_report, db_session):
    from models import OutboxMessage
    from portal.services import moderation
    staff = make_user(Role.STAFF)
    report = make_report(reporter=staff)
    moderation.set_hidden(db_session, report, staff, True, "Duplicate of a phone call")
    assert db_session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("moderated"))).all() == []
