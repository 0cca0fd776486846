"""In Chromium: a crew member completes a job on a phone-sized screen; axe on staff, crew and admin pages."""
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Photo, Role, Status
from portal.services import triage
from tests.factories import PASSWORD, image_bytes, totp_code

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make chromium)")]


@pytest.fixture()
def live_server(app):
    from werkzeug.serving import make_server
    app.config.update(SERVER_NAME=None, WTF_CSRF_SSL_STRICT=False)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def _login(page, base, email):
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_load_state()
    if page.url.endswith("/login/code"):                 # staff and admin: the authenticator's code
        page.fill("#code", totp_code())
        page.click("form button[type=submit] >> nth=-1")
        page.wait_for_load_state()
    assert "/login" not in page.url, f"could not log in as {email}"


def test_crew_completes_a_job_on_a_phone(live_server, browser, make_report, make_user, db_session, crew_pair,
                                         tmp_path):
    crew, member, _, _ = crew_pair
    report = make_report(reporter=make_user())
    triage.assign(db_session, [report], crew, make_user(Role.STAFF))
    after = tmp_path / "after.jpg"
    after.write_bytes(image_bytes(color=(40, 160, 40)))
    # This server shares the test's database connection: no service worker fetching cards in the background
    # (tests/e2e/test_crew_offline.py covers it, against a server of its own).
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  service_workers="block")
    page = context.new_page()
    _login(page, live_server, member.email)
    page.goto(f"{live_server}/crew/jobs")
    job = page.locator(f"#job-{report.reference}")
    assert job.is_visible()
    # nothing overflows sideways on a phone
    page.screenshot(path=str(tmp_path / "crew-jobs.png"), full_page=True)
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
        .slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, wide
    job.get_by_role("link", name=f"Open the job card for {report.reference}").click()
    page.get_by_role("button", name=f"Start {report.reference}").click()
    page.wait_for_load_state()
    assert "Job started" in page.content()
    page.get_by_role("link", name=f"Open the job card for {report.reference}").click()
    page.get_by_label("What was done").fill("Sofa removed, pavement swept")
    page.locator("input[type=file]").set_input_files(str(after))
    with page.expect_navigation(url="**/crew/jobs"):          # sent by the page's script, then back to the list
        page.get_by_role("button", name=f"Complete {report.reference}").click()
    page.wait_for_load_state()
    assert "Job completed" in page.content()
    db_session.refresh(report)
    assert report.status is Status.FIXED
    assert db_session.scalars(select(Photo).where(Photo.report_id == report.id, Photo.kind == "after")).first()
    page.goto(f"{live_server}/reports/{report.reference}")
    assert page.get_by_role("heading", name="After the fix").is_visible()
    context.close()


def test_axe_on_staff_crew_admin_and_visitor_pages(live_server, browser, make_report, make_user, db_session, crew_pair):
    from axe_playwright_python.sync_playwright import Axe
    crew, member, _, _ = crew_pair
    report = make_report(reporter=make_user())
    triage.assign(db_session, [report], crew, make_user(Role.STAFF))
    axe = Axe()
    checks = [(make_user(Role.ADMIN).email, ["/staff/", f"/staff/reports/{report.reference}", "/admin/users",
                                              "/admin/categories", "/admin/crews/new", "/notifications"]),
              (member.email, ["/crew/jobs"])]
    checks.append((None, ["/report", "/check-your-email/report", "/n/reopen/not-a-token",
                          f"/reports/{report.reference}"]))
    failures = []
    for email, urls in checks:
        context = browser.new_context(service_workers="block")
        page = context.new_page()
        if email:
            _login(page, live_server, email)
        for url in urls:
            page.goto(f"{live_server}{url}")
            results = axe.run(page)
            if results.violations_count:
                failures.append(f"{url}:\n{results.generate_report()}")
        context.close()
    assert not failures, "\n".join(failures)


def test_use_my_position_orders_the_route_from_the_phone(live_server, browser, make_report, make_user,
                                                         db_session, crew_pair):
    from gis.coords import LonLat
    from tests.factories import CATFORD
    crew, member, _, _ = crew_pair
    near_depot = make_report(point=LonLat(CATFORD.lon + 0.002, CATFORD.lat))
    far = LonLat(CATFORD.lon + 0.012, CATFORD.lat)
    far_job = make_report(point=far)
    triage.assign(db_session, [near_depot, far_job], crew, make_user(Role.STAFF))
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block", geolocation={
        "latitude": far.lat, "longitude": far.lon + 0.001}, permissions=["geolocation"])
    page = context.new_page()
    _login(page, live_server, member.email)
    page.goto(f"{live_server}/crew/jobs")
    html = page.content()
    assert html.index(near_depot.reference) < html.index(far_job.reference)     # from the depot
    page.get_by_role("button", name="Use my position").click()
    page.wait_for_url("**/crew/jobs?lat=*")
    html = page.content()
    assert html.index(far_job.reference) < html.index(near_depot.reference)     # from where the phone is
    context.close()


def test_staff_select_reports_on_the_queue_map_and_assign(live_server, browser, make_report, make_user,
                                                          db_session, crew_pair):
    from gis.coords import LonLat
    from tests.factories import CATFORD
    crew = crew_pair[0]
    report = make_report(point=LonLat(CATFORD.lon + 0.003, CATFORD.lat))
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    _login(page, live_server, make_user(Role.STAFF).email)
    page.goto(f"{live_server}/staff/?sort=-created")
    circles = page.locator(".map-frame path.leaflet-interactive")
    assert circles.count() >= 1
    box = page.locator(f"#sel-{report.reference}")
    assert not box.is_checked()
    # find the circle for this report by its tooltip
    for i in range(circles.count()):
        circles.nth(i).hover()
        if page.locator(".leaflet-tooltip", has_text=report.reference).count():
            circles.nth(i).click()
            break
    assert box.is_checked()
    page.select_option("#bulk-crew", label=crew.name)
    page.get_by_role("button", name="Assign").click()
    page.wait_for_load_state()
    db_session.refresh(report)
    assert report.crew_id == crew.id and report.status is Status.ASSIGNED
    context.close()
