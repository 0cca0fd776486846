from sqlalchemy import select

from models import Report, Status

from ..factories import CATFORD, report_form


def test_resident_reports_fly_tipping_and_sees_it(resident_client, db_session):
    resp = resident_client.submit("/report", report_form(submission_token="smoke-1"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    report = db_session.scalars(select(Report).where(Report.client_token == "smoke-1")).one()
    assert report.status is Status.NEW
    assert report.ward.name == "Rushey Green"
    assert resp.headers["Location"].endswith(f"/reports/{report.reference}/sent")
    sent = resident_client.get(resp.headers["Location"])
    assert report.reference in sent.get_data(as_text=True)
    mine = resident_client.get("/my/reports").get_data(as_text=True)
    assert report.reference in mine
    page = resident_client.get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "Rushey Green" in page and "A small van load" in page
