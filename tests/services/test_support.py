""""Me too": open same-category reports within 50 m (geography, real geometry) are offered and supported."""
from pyproj import Geod
from sqlalchemy import func, select

from gis.coords import LonLat
from gis.nearby import open_reports_near
from models import Report, Status, Subscription, Supporter
from portal.services.errors import DomainError
from portal.services.support import support
from tests.factories import CATFORD, report_form

GEOD = Geod(ellps="WGS84")


def north_of(point: LonLat, metres: float) -> LonLat:
    lon, lat, _ = GEOD.fwd(point.lon, point.lat, 0, metres)
    return LonLat(lon=lon, lat=lat)


def test_49_metres_is_offered_and_51_is_not(make_report, db_session):
    near, far = make_report(point=north_of(CATFORD, 49)), make_report(point=north_of(CATFORD, 51))
    found = {r.id: m for r, m, _, _ in open_reports_near(db_session, select(Report), CATFORD, near.category_id)}
    assert near.id in found and far.id not in found
    assert 48.5 < found[near.id] < 49.5


def test_other_categories_and_closed_reports_are_not_offered(make_report, db_session):
    fixed = make_report(point=north_of(CATFORD, 10), status=Status.FIXED)
    other = make_report(point=north_of(CATFORD, 10), category="graffiti")
    fly_tipping = db_session.scalar(select(Report.category_id).where(Report.id == fixed.id))
    found = [r.id for r, *_ in open_reports_near(db_session, select(Report), CATFORD, fly_tipping)]
    assert fixed.id not in found and other.id not in found


def test_the_report_form_offers_nearby_reports_and_support_subscribes(app, make_report, make_user,
                                                                     resident, resident_client, db_session):
    first = make_report(point=north_of(CATFORD, 20), reporter=make_user())
    resp = resident_client.submit("/report", report_form(action="submit"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Is it one of these?" in html and first.reference in html
    # Offered once: from here "Send report" (and Enter) sends; it used to offer the same reports again.
    assert 'name="action" value="submit_new" class="primary">Send report' in html
    assert 'name="action" value="submit" ' not in html
    assert db_session.scalar(select(func.count()).select_from(Report)
                             .where(Report.reporter_id == resident.id)) == 0     # nothing made yet
    page = f"/reports/{first.reference}"
    assert resident_client.submit(f"{page}/support", {}, page=page).status_code == 302
    assert resident_client.submit(f"{page}/support", {}, page=page).status_code == 302   # twice: still one
    assert db_session.scalar(select(func.count()).select_from(Supporter)
                             .where(Supporter.report_id == first.id)) == 1
    assert db_session.scalar(select(Subscription.active).where(Subscription.report_id == first.id,
                                                               Subscription.user_id == resident.id))
    assert "1 person has said" in app.test_client().get(page).get_data(as_text=True)
    # "it is a different problem" still makes a new report
    resp = resident_client.submit("/report", report_form(action="submit_new", submission_token="different"))
    assert resp.status_code == 302


def test_a_visitor_is_offered_to_follow_by_email_and_staff_no_me_too(app, make_report, make_user, forms,
                                                                    staff_client, resident_client, db_session):
    """A "me too" needs an account: a signed-out visitor was offered the button, which led to the sign-in page
    and then to a 405. A visitor is offered to follow by email instead; staff taking a call get no button (it
    would count the member of staff, not the caller). A GET of the "me too" address, where signing in leads
    back to, shows the report."""
    first = make_report(point=north_of(CATFORD, 20), reporter=make_user())
    visitor = forms.submit("/report", report_form(action="submit", email="walker@example.test",
                                                   your_name="Wendy Walker")).get_data(as_text=True)
    assert "Is it one of these?" in visitor and f"/reports/{first.reference}/follow" in visitor
    assert f"/reports/{first.reference}/support" not in visitor and "Follow one by email" in visitor
    staff = staff_client.submit("/report", report_form(action="submit")).get_data(as_text=True)
    assert "Is it one of these?" in staff and "give them its reference" in staff
    assert f"/reports/{first.reference}/support" not in staff
    resident = resident_client.submit("/report", report_form(action="submit")).get_data(as_text=True)
    assert f'action="/reports/{first.reference}/support"' in resident
    # The live list (report-form.js) reads the same choice from the form.
    for html, choice in ((visitor, "follow"), (staff, "staff"), (resident, "support")):
        assert f'data-me-too="{choice}"' in html
    back = resident_client.get(f"/reports/{first.reference}/support")
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/reports/{first.reference}")
    assert db_session.scalar(select(func.count()).select_from(Supporter)
                             .where(Supporter.report_id == first.id)) == 0           # a GET changes nothing
    signed_out = forms.get(f"/reports/{first.reference}/support")
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]


def test_cannot_support_own_or_closed_report(make_report, make_user, db_session):
    me = make_user()
    mine, fixed = make_report(reporter=me), make_report(status=Status.FIXED)
    for report in (mine, fixed):
        try:
            support(db_session, report, me)
        except DomainError:
            pass
        else:
            raise AssertionError("support accepted")
    assert db_session.scalar(select(func.count()).select_from(Supporter)) == 0


def test_nearby_query_can_use_the_geography_index(db_session):
    """The cast must match the index expression (geom::geography), or every search scans the table."""
    from sqlalchemy import text
    from gis.nearby import geog
    from gis.queries import point_expr
    stmt = select(Report.id).where(func.ST_DWithin(geog(Report.geom), geog(point_expr(CATFORD)), 50))
    sql = str(stmt.compile(dialect=db_session.bind.dialect, compile_kwargs={"literal_binds": True}))
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(row[0] for row in db_session.execute(text("EXPLAIN " + sql)))
    assert "ix_reports_geog" in plan, plan
