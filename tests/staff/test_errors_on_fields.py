"""Staff, crew, admin and notices pages: a refused value is an error on its field (label, box and message tied
by aria-describedby, a summary at the top linking to the box), the rest of the input is kept, nothing is written.
Filters in the URL are checked too: a bad one is said, not ignored."""
import re

import pytest
from sqlalchemy import select

from models import Category, Crew, Role, Status

from tests.conftest import client_for


def tied(html: str, box_id: str, message: str) -> bool:
    """The box names its error by id, the error holds the message, and the summary links to the box."""
    described = re.search(rf'<(?:input|select|textarea|fieldset)[^>]*\bid="{re.escape(box_id)}"[^>]*>', html)
    error = re.search(rf'id="{re.escape(box_id)}-error">.*?</p>', html, re.S)
    return (described is not None and f"{box_id}-error" in described.group(0) and error is not None
            and message in error.group(0) and f'href="#{box_id}">{message}' in html)


def test_bad_queue_filters_are_said_on_their_boxes_and_the_good_ones_kept(make_report, staff_client):
    report = make_report()
    resp = staff_client.client.get("/staff/?age=%C2%B2&status=bogus&ward=7x&sort=created&overdue=1")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and html.count("<title>Error: ") == 1
    assert tied(html, "f-age", "Give the age as a whole number of days, from 1 to 36,500.")
    assert tied(html, "f-status", "Choose a status from the list.")
    assert tied(html, "f-ward", "Choose a ward from the list.")
    assert 'value="²"' in html                                              # what was typed stays in the box
    assert re.search(r'<option selected value="created">', html)             # the good filters still apply
    assert '<input checked id="f-overdue" name="overdue" type="checkbox" value="1">' in html
    assert report.reference not in html                                       # overdue only: a new one is not
    assert staff_client.client.get("/staff/?age=30&sort=-created").status_code == 200


def test_bulk_assignment_without_a_crew_keeps_the_ticked_reports(make_report, staff_client, db_session):
    a, b = make_report(), make_report()
    resp = staff_client.submit("/staff/assign", {"reports": [a.reference, b.reference], "crew": ""}, page="/staff/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and tied(html, "bulk-crew", "Choose a crew.")
    for ref in (a.reference, b.reference):
        assert re.search(rf'<input aria-label="Select {ref}" checked id="sel-{ref}"', html), ref
    db_session.refresh(a)
    assert a.crew_id is None and a.status is Status.NEW


def test_assignment_of_no_known_report_says_so_on_the_queue(staff_client, db_session, crew_pair):
    resp = staff_client.submit("/staff/assign", {"reports": ["KB-NOPE1"], "crew": str(crew_pair[0].id)},
                               page="/staff/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'href="#reports">Choose at least one report.' in html
    assert 'id="reports-error"' in html


def test_a_refused_status_change_is_shown_on_its_fields_with_the_message_kept(make_report, staff_client,
                                                                               db_session):
    report = make_report()
    page = f"/staff/reports/{report.reference}"
    resp = staff_client.submit(f"{page}/status", {"status": "investigating", "template": "7x",
                                                  "note": "Looking this week"}, page=page)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert tied(html, "status-template", "Choose a response template from the list, or none.")
    assert re.search(r'id="status-note"[^>]*>\s*Looking this week</textarea>', html)        # the message is kept
    resp = staff_client.submit(f"{page}/status", {"status": "fixed-ish"}, page=page)
    assert resp.status_code == 400 and tied(resp.get_data(as_text=True), "new-status", "Choose a status from the list.")
    resp = staff_client.submit(f"{page}/status", {"status": "investigating", "note": "x" * 2001}, page=page)
    assert resp.status_code == 400
    assert tied(resp.get_data(as_text=True), "status-note", "Keep the message to 2,000 characters or fewer.")
    db_session.refresh(report)
    assert report.status is not Status.INVESTIGATING


def test_a_service_refusal_lands_on_the_field_it_names(make_report, staff_client):
    report = make_report()
    page = f"/staff/reports/{report.reference}"
    resp = staff_client.submit(f"{page}/duplicate", {"original": "kb-nope9"}, page=page)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert tied(html, "dup-original", "Enter the reference of an existing report, like KB-7QF3K.")
    assert 'value="KB-NOPE9"' in html
    resp = staff_client.submit(f"{page}/hide", {"hidden": "1", "reason": " "}, page=page)
    assert tied(resp.get_data(as_text=True), "hide-reason",
                "Give the reason for this moderation; it is kept in the internal log.")


def test_the_report_page_has_one_id_per_box(make_report, staff_client):
    report = make_report()
    html = staff_client.client.get(f"/staff/reports/{report.reference}").get_data(as_text=True)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for box in re.findall(r'<(?:input|select|textarea)\b[^>]*>', html):
        if 'type="hidden"' in box or "aria-label=" in box:
            continue
        box_id = re.search(r'\bid="([^"]+)"', box).group(1)
        assert f'for="{box_id}"' in html, box


def test_the_crew_route_start_says_what_is_wrong_on_the_box(app, make_user, crew_pair):
    client = client_for(app, crew_pair[1])
    resp = client.client.get("/crew/jobs?place=Nowhere+Street+Zzz")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    error = re.search(r'id="start-place-error">(.*?)</p>', html, re.S)
    assert error and "We do not know a street of that name" in error.group(1) and "postcode" in error.group(1)
    assert 'value="Nowhere Street Zzz"' in html
    assert "start-place-error" in re.search(r'<input[^>]*id="start-place"[^>]*>', html).group(0)


@pytest.fixture()
def admin(app, make_user):
    return client_for(app, make_user(Role.ADMIN))


def test_admin_category_errors_are_on_their_fields_and_the_rest_is_kept(admin, db_session):
    good = {"code": "abandoned_trolley", "name": "Abandoned trolley", "group": "Streets", "target": "²",
            "target_unit": "hours", "active": "y"}
    resp = admin.submit("/admin/categories/new", good)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert tied(html, "target", "The target must be a whole number: 1 to 8,760 hours, or 1 to 365 days.")
    assert 'value="Abandoned trolley"' in html and 'value="²"' in html
    assert db_session.scalars(select(Category).where(Category.code == "abandoned_trolley")).first() is None
    fly_tipping = db_session.scalars(select(Category).where(Category.code == "fly_tipping")).one()
    resp = admin.submit(f"/admin/categories/{fly_tipping.id}/questions/new",
                        {"code": "size", "label": "Again?", "kind": "text"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and tied(html, "code", "Another question already has the code “size”.")
    assert 'value="Again?"' in html


def test_admin_crew_members_and_depot_refusals_are_on_their_fields(admin, make_user, db_session):
    resident = make_user()
    resp = admin.submit("/admin/crews/new", {"name": "Night crew", "members": [str(resident.id), "²"]})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert tied(html, "members", "Only users with the crew role can be crew members.")
    resp = admin.submit("/admin/crews/new", {"name": "Night crew", "depot_lat": "north", "depot_lon": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="depot_lat-error"' in html and "Depot: " in html
    assert db_session.scalars(select(Crew).where(Crew.name == "Night crew")).first() is None


def test_admin_user_search_refuses_an_overlong_search(admin):
    resp = admin.client.get("/admin/users?q=" + "a" * 300)
    assert resp.status_code == 400 and tied(resp.get_data(as_text=True), "q", "Keep the search under 255 characters.")
    assert admin.client.get("/admin/users?q=example").status_code == 200


def test_the_contact_preference_error_is_on_its_fieldset(resident_client, resident, db_session):
    resp = resident_client.submit("/notifications", {"contact_preference": "carrier-pigeon"}, page="/account")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and tied(html, "contact_preference", "Choose how we should contact you.")
    db_session.refresh(resident)
    assert resident.contact_preference == "email"


def test_assignment_from_the_report_page_goes_back_to_it(make_report, staff_client, db_session, crew_pair):
    report = make_report()
    page = f"/staff/reports/{report.reference}"
    html = staff_client.client.get(page).get_data(as_text=True)
    for name in ("reports", "back"):                  # what the page itself sends
        assert f'name="{name}" type="hidden" value="{report.reference}"' in html
    resp = staff_client.submit("/staff/assign", {"reports": report.reference, "back": report.reference,
                                                 "crew": ""}, page=page)
    assert resp.status_code == 400 and tied(resp.get_data(as_text=True), "a-crew", "Choose a crew.")
    resp = staff_client.submit("/staff/assign", {"reports": report.reference, "back": report.reference,
                                                 "crew": str(crew_pair[0].id)}, page=page)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(page), resp.get_data(as_text=True)[-3000:]
    db_session.refresh(report)
    assert report.crew_id == crew_pair[0].id
