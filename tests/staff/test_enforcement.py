"""Staff pages of the fly-tipping return: enforcement actions on the report page (staff only, never public),
and the month's return as a table and as CSV, with clear messages for a bad month."""
import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from models import EnforcementAction, Role
from portal.services.enforcement import london_today

from ..conftest import login

SECRET_NOTE = "Suspect van VX12 ABC seen by caretaker"


@pytest.fixture()
def fly_tip(add_report, db_session):
    report = add_report(created=datetime.now(timezone.utc) - timedelta(days=3))
    report.answers = {"size": "car_boot", "waste": ["household", "tyres"], "where": "road"}
    db_session.commit()
    return report


def stored(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(EnforcementAction))


def record(fc, ref, **data):
    return fc.submit(f"/staff/reports/{ref}/enforcement", data, page=f"/staff/reports/{ref}")


def test_staff_record_an_action_and_the_public_never_sees_it(app, staff_client, fly_tip, db_session):
    ref, today = fly_tip.reference, london_today()
    page = staff_client.get(f"/staff/reports/{ref}").get_data(as_text=True)
    assert 'id="form-enforcement"' in page and "No enforcement action has been recorded." in page
    resp = record(staff_client, ref, action="warning_letter", taken_on=today.isoformat(), note=SECRET_NOTE)
    assert resp.status_code == 302
    page = staff_client.get(f"/staff/reports/{ref}").get_data(as_text=True)
    assert "Warning letter" in page and SECRET_NOTE in page and today.strftime("%d/%m/%Y") in page
    public = app.test_client()
    for url in (f"/reports/{ref}", f"/open311/v2/requests.json?service_request_id={ref}",
                f"/open311/v2/requests/{ref}.json", "/data/reports.csv?period=365", "/feeds/reports.atom",
                "/feeds/reports.atom?category=fly_tipping"):
        body = public.get(url).get_data(as_text=True)
        assert "Warning letter" not in body and "warning_letter" not in body and "VX12" not in body, url
    assert ref in public.get(f"/reports/{ref}").get_data(as_text=True)   # the report itself is public


def test_the_reporter_and_the_public_cannot_record_or_see_the_return(app, resident, fly_tip, db_session):
    ref = fly_tip.reference
    for client in (app.test_client(), login(app.test_client(), resident.email)):
        assert client.post(f"/staff/reports/{ref}/enforcement",
                           data={"action": "prosecution", "taken_on": "2025-06-01"}).status_code in (302, 400, 403)
        assert client.get("/staff/returns/fly-tipping").status_code in (302, 403)
        assert client.get("/staff/returns/fly-tipping.csv?month=2025-06").status_code in (302, 403)
    assert stored(db_session) == 0


@pytest.mark.parametrize("data, message", [
    ({"action": "", "taken_on": "2025-06-01"}, "Choose the action taken"),
    ({"action": "hanging", "taken_on": "2025-06-01"}, "Choose the action taken from the list."),
    ({"action": "warning_letter", "taken_on": ""}, "Enter the date the action was taken"),
    ({"action": "warning_letter", "taken_on": "31/02/2025"}, "Enter a real date"),
    ({"action": "warning_letter", "taken_on": "9" * 5000}, "Enter a real date"),
    ({"action": "warning_letter", "taken_on": "2999-01-01"}, "cannot be in the future"),
    ({"action": "warning_letter", "taken_on": "2001-01-01"}, "before the report was made"),
    ({"action": "warning_letter", "taken_on": "TODAY", "note": "x" * 501}, "500 characters or fewer"),
])
def test_bad_input_is_refused_with_a_message_and_keeps_the_rest(staff_client, fly_tip, db_session, data, message):
    data = {k: (london_today().isoformat() if v == "TODAY" else v) for k, v in data.items()}
    data.setdefault("note", "<script>alert(1)</script> kept")
    resp = record(staff_client, fly_tip.reference, **data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in body
    assert "Error:" in body.split("<title>")[1].split("</title>")[0]
    if len(data["note"]) <= 500:
        assert "&lt;script&gt;alert(1)&lt;/script&gt; kept" in body and "<script>alert(1)" not in body
    assert stored(db_session) == 0


def test_an_action_is_removed_from_the_report_page(staff_client, fly_tip, db_session):
    ref = fly_tip.reference
    assert record(staff_client, ref, action="investigation", taken_on=london_today().isoformat()).status_code == 302
    entry = db_session.scalars(select(EnforcementAction)).one()
    resp = staff_client.submit(f"/staff/reports/{ref}/enforcement/{entry.id}/remove", {"confirm": "1"},
                               page=f"/staff/reports/{ref}")
    assert resp.status_code == 302 and stored(db_session) == 0
    again = staff_client.submit(f"/staff/reports/{ref}/enforcement/{entry.id}/remove", {"confirm": "1"},
                                page=f"/staff/reports/{ref}")
    assert again.status_code == 400 and "not on this report" in again.get_data(as_text=True)


def test_other_categories_show_no_enforcement_form(staff_client, add_report):
    graffiti = add_report(category="graffiti")
    page = staff_client.get(f"/staff/reports/{graffiti.reference}").get_data(as_text=True)
    assert 'id="form-enforcement"' not in page


def _june_2025(add_report, db_session):
    answers = [("car_boot", ["household"], "road"), ("single_bag", ["furniture", "asbestos"], "alley"),
               ("car_boot", ["tyres"], "road")]
    made = []
    for size, waste, where in answers:
        report = add_report(created=datetime(2025, 6, 10, tzinfo=timezone.utc))
        report.answers = {"size": size, "waste": waste, "where": where}
        made.append(report)
    add_report(created=datetime(2025, 6, 12, tzinfo=timezone.utc), hidden=True)
    add_report(category="graffiti", created=datetime(2025, 6, 12, tzinfo=timezone.utc))
    add_report(created=datetime(2025, 7, 2, tzinfo=timezone.utc))
    db_session.add_all([EnforcementAction(report=made[0], action="fixed_penalty", taken_on=date(2025, 6, 11)),
                        EnforcementAction(report=made[1], action="warning_letter", taken_on=date(2025, 6, 30))])
    db_session.commit()


def _cell(body: str, table: str, code: str) -> str:
    section = body.split(f'id="wdf-{table}"')[1]
    return section.split(f'data-code="{code}">')[1].split("<td>")[1].split("</td>")[0]


def test_the_return_page_shows_the_month_as_tables(staff_client, add_report, db_session):
    _june_2025(add_report, db_session)
    resp = staff_client.get("/staff/returns/fly-tipping?month=2025-06")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Fly-tipping return: June 2025" in body
    assert "<strong>3</strong> incidents" in body and "<strong>2</strong> enforcement actions" in body
    assert _cell(body, "size", "car_boot") == "2" and _cell(body, "size", "single_black_bag") == "1"
    assert _cell(body, "waste", "asbestos") == "1" and _cell(body, "waste", "tyres") == "1"
    assert _cell(body, "waste", "black_bags_household") == "1" and _cell(body, "land", "highway") == "2"
    assert _cell(body, "enforcement", "fixed_penalty") == "1" and _cell(body, "enforcement", "prosecution") == "0"
    assert "fly-tipping.csv?month=2025-06" in body
    assert "In a park or open space" in body and "Council land" in body    # the mapping, documented on the page


def test_the_return_as_csv_adds_up(staff_client, add_report, db_session):
    _june_2025(add_report, db_session)
    resp = staff_client.get("/staff/returns/fly-tipping.csv?month=2025-06")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert 'filename="kerbside-fly-tipping-return-2025-06.csv"' in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0] == {"month": "2025-06", "section": "incidents", "category": "Total incidents", "count": "3"}
    for section in ("size", "waste", "land"):
        assert sum(int(r["count"]) for r in rows if r["section"] == section) == 3, section
    actions = {r["category"]: int(r["count"]) for r in rows if r["section"] == "enforcement"}
    assert actions["Fixed penalty notice"] == 1 and actions["Warning letter"] == 1
    assert actions["Total enforcement actions"] == 2
    assert {r["category"]: r["count"] for r in rows if r["section"] == "size"}["Car boot load or less"] == "2"


def test_without_a_month_the_page_shows_last_month(staff_client):
    last = (london_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    body = staff_client.get("/staff/returns/fly-tipping").get_data(as_text=True)
    assert f"Fly-tipping return: {last:%B %Y}" in body and f'value="{last:%Y-%m}"' in body
    this = london_today().replace(day=1)
    partial = staff_client.get(f"/staff/returns/fly-tipping?month={this:%Y-%m}").get_data(as_text=True)
    assert "This month is not over" in partial


@pytest.mark.parametrize("month, message", [
    ("2025-13", "between 01 (January) and 12 (December)"),
    ("2025-00", "between 01 (January) and 12 (December)"),
    ("June 2025", "for example 2026-10"),
    ("2025-6", "for example 2026-10"),
    ("0000-01", "four digits"),
    ("9" * 10_000, "for example 2026-10"),
    ("2025-06\u202e", "for example 2026-10"),
    ("2999-01", "has not happened yet"),
    ("1999-12", "began in April 2004"),
])
def test_a_bad_month_gets_a_clear_message(staff_client, month, message):
    for url in ("/staff/returns/fly-tipping", "/staff/returns/fly-tipping.csv"):
        resp = staff_client.get(url, query_string={"month": month})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400 and message in body and resp.mimetype == "text/html", url
        assert 'id="wdf-month-error"' in body and "<title>Error:" in body
