import json
from datetime import timedelta

from sqlalchemy import func, select

from models import Report, Role, User, utcnow
from portal.services import accounts

from ..conftest import login
from ..factories import PASSWORD, report_form


def _report(client, token):
    resp = client.submit("/report", report_form(submission_token=token))
    assert resp.status_code == 302
    return resp


def test_download_my_data_has_my_reports_and_no_one_elses(app, make_user, db_session):
    me, other = make_user(), make_user()
    mine, theirs = login(app.test_client(), me.email), login(app.test_client(), other.email)
    _report(mine, "mine-1")
    _report(theirs, "theirs-1")
    resp = mine.get("/account/data.json")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(resp.get_data(as_text=True))
    assert data["account"]["email"] == me.email
    refs = [r["reference"] for r in data["reports"]]
    assert len(refs) == 1
    assert db_session.scalars(select(Report).where(Report.client_token == "mine-1")).one().reference == refs[0]
    assert other.email not in resp.get_data(as_text=True)


def test_delete_account_keeps_reports_anonymous(app, resident, db_session):
    email, name = resident.email, resident.display_name
    client = login(app.test_client(), email)
    _report(client, "del-1")
    report = db_session.scalars(select(Report).where(Report.client_token == "del-1")).one()
    wrong = client.submit("/account/delete", {"password": "not my password"}, page="/account")
    assert wrong.status_code == 400 and "That password is not right." in wrong.get_data(as_text=True)
    assert db_session.get(User, resident.id) is not None
    resp = client.submit("/account/delete", {"password": PASSWORD}, page="/account")
    assert resp.status_code == 302
    db_session.expire_all()
    assert db_session.scalars(select(User).where(User.email == email)).first() is None
    from models import OutboxMessage
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(func.lower(OutboxMessage.to_addr) == email.lower())) == 0
    kept = db_session.get(Report, report.id)
    assert kept.reporter_id is None and kept.anonymous
    page = app.test_client().get(f"/reports/{kept.reference}")
    assert page.status_code == 200 and name not in page.get_data(as_text=True)


def test_delete_without_csrf_token_changes_nothing(app, resident, db_session):
    client = login(app.test_client(), resident.email)
    resp = client.post("/account/delete", data={"password": PASSWORD})
    assert resp.status_code == 400
    assert "expired" in resp.get_data(as_text=True)
    assert db_session.get(User, resident.id) is not None


def test_anonymise_inactive_only_touches_old_residents(db_session, make_user):
    old, fresh, staff = make_user(), make_user(), make_user(Role.STAFF)
    old.last_login_at = utcnow() - timedelta(days=800)
    staff.last_login_at = utcnow() - timedelta(days=800)
    db_session.commit()
    assert accounts.anonymise_inactive(db_session, days=730) == 1
    assert db_session.get(User, old.id) is None
    assert db_session.get(User, fresh.id) is not None and db_session.get(User, staff.id) is not None


def test_privacy_page_states_what_is_kept(client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "Photo metadata" in html and "one-way hash" in html


def test_delete_account_also_blanks_contact_details_given_under_that_address(db_session, make_user, app):
    from models import ReportContact
    from portal.services.photos import PhotoStore
    from portal.services.reports import NewReport, create_report
    from ..factories import CATFORD
    user = make_user(email="contact-me@example.org")
    answers = {"size": "single_bag", "waste": ["household"], "where": "road", "witnessed": "no"}
    with app.app_context():
        report = create_report(db_session, NewReport("fly_tipping", CATFORD, "via an app", answers), None,
                               PhotoStore(app.config["PHOTO_DIR"]))
    db_session.add(ReportContact(report_id=report.id, email="Contact-Me@example.org", first_name="Con",
                                 last_name="Tact", phone="0208 000 0000"))
    db_session.commit()
    accounts.delete_account(db_session, user)
    db_session.expire_all()
    contact = db_session.get(ReportContact, report.id)
    assert (contact.email, contact.first_name, contact.last_name, contact.phone) == ("", "", "", "")
