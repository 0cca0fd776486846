"""The public name is only ever a name the person typed: never their email address or part of it."""
import re

from sqlalchemy import select

from models import OutboxMessage, Report, Status
from tests.conftest import FormClient, csrf_from
from tests.factories import report_form


def test_an_email_only_reporter_who_shows_their_name_is_not_named_by_their_address(app, db_session):
    client = FormClient(app.test_client())
    data = report_form(email="walker.secret99@example.test", your_name="", submission_token="names-1")
    data.pop("anonymous")                                      # "hide my name" unticked
    assert client.submit("/report", data).status_code == 302
    report = db_session.scalars(select(Report).where(Report.client_token == "names-1")).one()
    mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.report_id == report.id)).one()
    link = re.search(r"https?://[^/]+(/n/confirm/\S+)", mail.body).group(1)
    page = client.get(link).get_data(as_text=True)
    client.post(link, data={"csrf_token": csrf_from(page)})
    db_session.refresh(report)
    assert report.status is Status.NEW and not report.anonymous
    public = app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "walker.secret99" not in public and "walker" not in public.lower()
    assert report.reporter.display_name == ""
    assert "Hello there" in mail.body                            # emails do not use the address either


def test_a_typed_name_is_shown_when_the_reporter_chooses(app, db_session):
    client = FormClient(app.test_client())
    data = report_form(email="nadia@example.test", your_name="Nadia", submission_token="names-2")
    data.pop("anonymous")
    client.submit("/report", data)
    report = db_session.scalars(select(Report).where(Report.client_token == "names-2")).one()
    report.status = Status.NEW
    db_session.commit()
    assert "Nadia" in app.test_client().get(f"/reports/{report.reference}").get_data(as_text=True)
