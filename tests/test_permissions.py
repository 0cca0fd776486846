"""Each staff, crew and admin page checks the role: 403 for other signed-in users, log in for visitors."""
import pytest

from models import Role, Status

from tests.conftest import client_for

STAFF_GETS = ["/staff/", "/staff/reports/{ref}"]
STAFF_POSTS = ["/staff/reports/{ref}/status", "/staff/reports/{ref}/details", "/staff/reports/{ref}/update",
               "/staff/reports/{ref}/duplicate", "/staff/reports/{ref}/not-responsible", "/staff/assign"]
CREW_PAGES = ["/crew/jobs"]


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.CREW, Role.COUNCILLOR])
def test_non_staff_get_403_on_every_staff_page_and_action(app, make_user, make_report, role, db_session):
    report = make_report()
    client = client_for(app, make_user(role))
    token = client.get("/account").get_data(as_text=True)
    from tests.conftest import csrf_from
    csrf = csrf_from(token)
    for url in STAFF_GETS:
        assert client.get(url.format(ref=report.reference)).status_code == 403, url
    for url in STAFF_POSTS:
        resp = client.post(url.format(ref=report.reference), data={"csrf_token": csrf, "status": "closed",
                                                                     "reports": report.reference})
        assert resp.status_code == 403, url
    db_session.refresh(report)
    assert report.status is Status.NEW


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.COUNCILLOR])
def test_residents_cannot_open_crew_pages(app, make_user, role):
    client = client_for(app, make_user(role))
    for url in CREW_PAGES:
        assert client.get(url).status_code == 403


def test_visitors_are_sent_to_log_in(client):
    for url in ["/staff/", "/crew/jobs"]:
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_staff_and_admin_reach_triage(app, make_user, make_report, role):
    report = make_report()
    client = client_for(app, make_user(role))
    assert client.get("/staff/").status_code == 200
    assert client.get(f"/staff/reports/{report.reference}").status_code == 200
