"""The staff search, person and dashboard pages: staff only; bad input said on its box (400), never a 500; the
caller's phone finds their report in one search; the person's details are staff only; the dashboard's CSV."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from models import OutboxMessage, Person, Role, utcnow
from tests.conftest import login
from tests.factories import report_form


def caller_report(staff_client, **kw):
    data = report_form(channel="phone", phone="020 8314 6000", your_name="Pat Caller", **kw)
    resp = staff_client.submit("/report", data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    return resp.headers["Location"].rsplit("/", 1)[1]


def test_pages_are_for_staff_only(app, resident_client, db_session):
    anonymous = app.test_client()
    for url in ("/staff/search?q=sofa", "/staff/dashboard", "/staff/dashboard?format=csv", "/staff/people/1"):
        assert anonymous.get(url).status_code == 302 and resident_client.get(url).status_code == 403, url


def test_the_callers_phone_finds_their_report_in_one_search(staff_client, db_session):
    ref = caller_report(staff_client)
    html = staff_client.get("/staff/search?q=" + quote("+44 20 8314 6000")).get_data(as_text=True)
    assert ref in html and "1 report found" in html
    person = db_session.scalars(select(Person).where(Person.phone_digits == "02083146000")).one()
    assert f"/staff/people/{person.id}" in html


HOSTILE = ["'", "\\", "%", "_", "' OR 1=1 --", "a & | ! (", "<script>alert(1)</script>", "KB-", "@", "🦊",
           "x" * 200, "%00", "fridge:*", "' UNION SELECT email FROM users --"]


@pytest.mark.parametrize("typed", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_searches_are_answered(staff_client, typed):
    resp = staff_client.get("/staff/search?q=" + quote(typed))
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<script>alert(1)" not in html


@pytest.mark.parametrize(("query", "box", "message"), [
    ("q=" + "x" * 201, "s-q", "Keep the search to 200 characters or fewer."),
    ("q=a&since=31/12/2024", "s-since", "Enter the date like 2024-03-31"),
    ("q=a&since=2024-02-30", "s-since", "Enter the date like 2024-03-31"),
    ("q=a&until=1066-10-14", "s-until", "Enter the date like 2024-03-31"),
    ("q=a&since=2024-03-02&until=2024-03-01", "s-until", "The second date is before the first"),
    ("q=a&ward=7x", "s-ward", "Choose a ward from the list."),
    ("q=a&ward=2147483648", "s-ward", "Choose a ward from the list."),
    ("q=a&status=lost", "s-status", "Choose a status from the list."),
])
def test_bad_search_input_is_said_on_its_box_and_the_rest_kept(staff_client, query, box, message):
    resp = staff_client.get(f"/staff/search?{query}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html
    assert f'href="#{box}"' in html and f'id="{box}-error"' in html


@pytest.mark.parametrize("page", ["0", "-1", "x", "99999999999", "２"])
def test_a_bad_page_number_shows_the_first_page(staff_client, page):
    resp = staff_client.get(f"/staff/search?q=sofa&page={page}")
    assert resp.status_code == 200
    assert staff_client.get(f"/staff/?page={page}").status_code == 200


def test_the_person_page_shows_details_and_history_to_staff(staff_client, db_session):
    ref = caller_report(staff_client, email="pat@example.org", preference="phone")
    person = db_session.scalars(select(Person).where(Person.phone_digits == "02083146000")).one()
    html = staff_client.get(f"/staff/people/{person.id}").get_data(as_text=True)
    assert ref in html and "020 8314 6000" in html and "pat@example.org" in html and "Phone" in html
    report_page = staff_client.get(f"/staff/reports/{ref}").get_data(as_text=True)
    assert f"/staff/people/{person.id}" in report_page and "prefers phone" in report_page
    public = staff_client.application.test_client().get(f"/reports/{ref}").get_data(as_text=True)
    assert "020 8314 6000" not in public and "pat@example.org" not in public and "Pat Caller" not in public
    assert staff_client.get("/staff/people/2000000000").status_code == 404


def test_contact_details_are_saved_and_bad_ones_said_on_their_boxes(staff_client, db_session):
    caller_report(staff_client)
    person = db_session.scalars(select(Person).where(Person.phone_digits == "02083146000")).one()
    url = f"/staff/people/{person.id}"
    good = {"name": "Pat Caller", "phone": "020 8314 6000", "email": "", "preference": "phone",
            "needs": ["no_email", "hearing"], "needs_note": "Calls after 5pm"}
    resp = staff_client.submit(url, good)
    assert resp.status_code == 302
    html = staff_client.get(url).get_data(as_text=True)
    assert "Phone me: I do not use email" in html and "Calls after 5pm" in html
    bad = {**good, "phone": "ring me", "email": "not an email", "preference": "email", "needs": ["psychic"]}
    resp = staff_client.submit(url, bad)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for box in ("p-phone", "p-email", "p-needs"):
        assert f'href="#{box}"' in html, box
    assert 'value="ring me"' in html and 'value="Pat Caller"' in html          # what was typed is kept
    db_session.refresh(person)
    assert person.phone == "020 8314 6000" and person.needs == ["hearing", "no_email"]
    resp = staff_client.post(url, data=good)                                    # no CSRF token: refused
    assert resp.status_code == 400


def test_the_dashboard_and_its_csv(make_report, staff_client, db_session):
    late = make_report()
    late.created_at = utcnow() - timedelta(days=30)
    db_session.commit()
    html = staff_client.get("/staff/dashboard").get_data(as_text=True)
    assert late.category.name in html and "Median time to fix" in html
    for by in ("ward", "crew"):
        assert staff_client.get(f"/staff/dashboard?by={by}").status_code == 200
    bad = staff_client.get("/staff/dashboard?by=%27;drop")
    assert bad.status_code == 400 and "Choose a grouping from the list." in bad.get_data(as_text=True)
    resp = staff_client.get("/staff/dashboard?by=ward&format=csv")
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0][0] == "ward" and rows[-1][0] == "All" and int(rows[-1][2]) >= 1


def test_asking_for_overdue_notices(app, app_ctx, make_report, make_user, db_session):
    lead = make_user(Role.STAFF)
    client = login(app.test_client(), lead.email)
    assert client.submit("/staff/dashboard/notices", {"on": "1"}, page="/staff/dashboard").status_code == 302
    db_session.refresh(lead)
    assert lead.notify_overdue
    late = make_report()
    late.created_at = utcnow() - timedelta(days=30)
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["dashboard", "notify-overdue"])
    assert result.exit_code == 0 and "1 newly overdue report told" in result.output, result.output
    assert "0 newly overdue" in app.test_cli_runner().invoke(args=["dashboard", "notify-overdue"]).output
    assert app.test_cli_runner().invoke(args=["dashboard", "digest", "--day", "2030-05-01"]).output.startswith(
        "dashboard: 1 digest queued")
    assert "0 digests" in app.test_cli_runner().invoke(args=["dashboard", "digest", "--day", "2030-05-01"]).output
    assert app.test_cli_runner().invoke(args=["dashboard", "digest", "--day", "May Day"]).exit_code != 0
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.to_addr == lead.email)) == 2
    assert client.submit("/staff/dashboard/notices", {"on": "maybe"}, page="/staff/dashboard").status_code == 302
    db_session.refresh(lead)
    assert lead.notify_overdue                                                  # nothing changed
