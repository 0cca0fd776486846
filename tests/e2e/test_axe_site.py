"""axe-core on every page type the app serves (GET routes that render HTML, from ``app.url_map``), as each role:
zero violations. Each role logs in once and keeps one page for all its audits; the test ids list what was audited
(``pytest --collect-only -q tests/e2e/test_axe_site.py``)."""
from __future__ import annotations

import pytest

from portal.app import create_app

from .conftest import ROLES, build_world, delete_a11y_data, login_by_keyboard

pytestmark = pytest.mark.e2e


#: Every HTML page type, by name: the URL with placeholders filled from the site data below.
PAGES = {
    "home": "/", "about": "/about", "privacy": "/privacy", "login": "/login", "register": "/register",
    "register-confirm": "/register/confirm/some-token",
    "forgot-password": "/password/forgot", "reset-password-bad-link": "/password/reset/not-a-token",
    "email-change-bad-link": "/account/email/confirm/not-a-token",
    "report-form": "/report", "check-your-email": "/check-your-email/report",
    "sent": "/reports/{report}/sent", "public-report": "/reports/{report}", "find-report": "/find?reference={report}",
    "my-reports": "/my/reports", "account": "/account", "notification-preferences": "/notifications",
    "notice-bad-link": "/n/confirm/not-a-token", "explore-map": "/map", "performance": "/performance",
    "density": "/density", "ward": "/wards/{ward}", "promises": "/promises",
    "promises-category": "/promises?category=fly_tipping", "open-data": "/data", "open311-docs": "/open311",
    "staff-queue": "/staff/", "staff-report": "/staff/reports/{report}", "crew-jobs": "/crew/jobs",
    "crew-job": "/crew/jobs#job-{job}", "crew-job-card": "/crew/jobs/{job}",
    "crew-jobs-from-place": "/crew/jobs?place=SE6+4RU", "admin-index": "/admin/", "admin-users": "/admin/users",
    "admin-categories": "/admin/categories", "admin-category": "/admin/categories/{category}",
    "admin-category-new": "/admin/categories/new", "admin-crews": "/admin/crews", "admin-crew": "/admin/crews/{crew}",
    "admin-crew-new": "/admin/crews/new", "admin-api-keys": "/admin/api-keys", "admin-user": "/admin/users/{user}",
    "admin-log": "/admin/log", "error-404": "/no-such-page",
    "alerts": "/alerts", "alert-confirm": "/alerts/confirm/some-token", "alert-stop": "/alerts/stop/some-token",
    "alert-manage-bad-link": "/alerts/manage/not-a-token", "add-update": "/reports/{report}/update",
    "follow": "/reports/{report}/follow", "update-confirm": "/n/update/some-token",
    "follow-confirm": "/n/follow/some-token", "questionnaire-bad-link": "/n/fixed/not-a-token",
    "neighbourhood": "/near?postcode=SE6+4TU", "fairness": "/fairness", "my-ward": "/my/ward",
    "admin-user-councillor": "/admin/users/{councillor_user}",
    "staff-search": "/staff/search?q=sofa", "staff-person": "/staff/people/{person}", "staff-dashboard": "/staff/dashboard",
    "admin-templates": "/admin/templates", "admin-template": "/admin/templates/{template}",
    "admin-template-new": "/admin/templates/new",
    "staff-flytipping-return": "/staff/returns/fly-tipping",
    "admin-teams": "/admin/teams", "admin-team": "/admin/teams/{team}",
    "admin-team-new": "/admin/teams/new", "admin-bodies": "/admin/bodies", "admin-body": "/admin/bodies/{body}",
    "admin-body-new": "/admin/bodies/new", "admin-questions": "/admin/categories/{category}/questions",
    "admin-question": "/admin/categories/{category}/questions/size",
    "admin-question-new": "/admin/categories/{category}/questions/new",
    "flag-report": "/reports/{report}/flag", "staff-flags": "/staff/flags",
}
#: GET endpoints that are not HTML pages (data, assets, actions behind tokens) or are covered under another name.
NOT_PAGES = {"static", "assets.vendor", "main.favicon", "main.healthz", "main.openapi", "account.data_export", "reports.photo",
             "maps.api_hexagons", "maps.api_hotspots", "maps.api_map", "maps.export_csv", "maps.export_geojson",
             "maps.ward_csv", "maps.ward_geojson", "admin.body_boundary", "maps.promises_csv", "staff.flytipping_return_csv", "reports.nearby_json", "notices.claim", "notices.rate", "notices.reopen",
             "notices.unsubscribe", "feeds.everything", "feeds.report", "lookup.places",
             "crew.service_worker", "notices.support", "maps.tile",   # "me too" leads to the report; a tile is a PNG
             # the two-factor steps need a half-finished sign-in: audited in test_two_factor_in_browser.py
             "account.two_factor", "account.enrol_two_factor"}


@pytest.fixture(scope="module")
def site(engine, live_server, tmp_path_factory):
    """Committed data every page needs (see ``build_world``); deleted at the end of the module."""
    yield build_world(engine, tmp_path_factory.mktemp("a11y-photos"))
    delete_a11y_data(engine)


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


@pytest.fixture(scope="module")
def role_pages(browser, live_server, site):
    """One logged-in page per role, opened on first use and kept for the module."""
    pages = {}

    def get(role: str):
        if role not in pages:
            context = browser.new_context(base_url=live_server, locale="en-GB")
            context.set_default_timeout(10_000)
            context.route("http://tiles.invalid/**", lambda route: route.abort())
            page = context.new_page()
            page.console_errors = []
            page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
            if role != "anonymous":
                login_by_keyboard(page, site["emails"][role])
            pages[role] = page
        return pages[role]
    yield get
    for page in pages.values():
        page.context.close()


def test_every_html_page_type_is_audited():
    """The list above follows the app: a new GET page fails here until it is audited (or said not to be a page)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    audited = {app.url_map.bind("localhost").match(url.split("?")[0].split("#")[0].format(
        report="KB-1", job="KB-1", ward="E05013723", category=1, crew=1, user=1, councillor_user=1, person=1, template=1, team=1, body=1), "GET")[0]
        for url in PAGES.values() if url != "/no-such-page"}
    # the open311 API endpoints are JSON/XML, not pages
    missing = endpoints - audited - NOT_PAGES - {e for e in endpoints if e.startswith("open311.") and e != "open311.docs"}
    assert not missing, f"GET pages not audited by axe: {sorted(missing)}"


@pytest.mark.parametrize(("role", "name"), [(role, name) for role in ROLES for name in PAGES],
                         ids=[f"{role}:{url}" for role in ROLES for url in PAGES.values()])
def test_page_has_no_axe_violations(role_pages, axe, site, role, name):
    page = role_pages(role)
    page.console_errors.clear()
    url = PAGES[name].format(**site)
    if "#" in url:
        page.goto("about:blank")                          # a fresh load, not a jump within the same page
    response = page.goto(url)
    page.wait_for_load_state("load")
    print(f"axe audit: {role:10} {url} -> {response.status} {page.url.split('//', 1)[1].split('/', 1)[1]}")
    violations = axe.run(page).response["violations"]
    details = [f"{v['id']} ({v['impact']}): {v['help']} -> " + "; ".join(str(n["target"]) for n in v["nodes"][:5])
               for v in violations]
    assert not details, f"{role} {url}:\n" + "\n".join(details)
    errors = [e for e in page.console_errors if "status of 40" not in e and "tiles.invalid" not in e
              and "ERR_FAILED" not in e]
    assert errors == []


#: Pages in their error state: (role, page, the field to type into, what to type). Enter submits the form.
ERROR_STATES = [
    ("anonymous", "/", "#postcode", "ZZ9 9ZZ"),
    ("anonymous", "/login", "#password", "wrong password"),
    ("anonymous", "/register", "#email", "not-an-email"),
    ("anonymous", "/password/forgot", "#email", ""),
    ("staff", "/staff/reports/{report}", "#dup-original", "KB-NOPE"),
    ("staff", "/staff/reports/{report}", "#enf-date", "2999-01-01"),
    ("staff", "/staff/returns/fly-tipping", "#wdf-month", "2999-01"),
    ("crew", "/crew/jobs", "#start-place", "Nowhere Street Zzz"),
    ("admin", "/admin/categories/new", "#code", "Not A Code!"),
    ("admin", "/admin/crews/new", "#depot_lat", "north"),
    ("anonymous", "/alerts", "#place", "Nowhere Street Zzz"),
    ("anonymous", "/reports/{report}/flag", "#email", "not-an-email"),
    ("anonymous", "/reports/{report}/update", "#email", "not-an-email"),
    ("staff", "/staff/people/{person}", "#p-phone", "ring me"),
    ("admin", "/admin/templates/new", "#title", "No status chosen"),
    ("admin", "/admin/crews/new", "#depot_place", "nowhere"),
    ("admin", "/admin/teams/new", "#email", "not-an-address"),
    ("admin", "/admin/bodies/new", "#endpoint", "not a url"),
    ("admin", "/admin/categories/{category}/questions/new", "#code", "Not A Code!"),
]


@pytest.mark.parametrize(("role", "url", "field", "value"), ERROR_STATES,
                         ids=[f"{role}:{url}:error" for role, url, *_ in ERROR_STATES])
def test_page_with_errors_has_no_axe_violations(role_pages, axe, site, role, url, field, value):
    page = role_pages(role)
    url = url.format(**site)
    page.goto(url)
    page.fill(field, value)
    with page.expect_navigation():
        page.press(field, "Enter")
    page.wait_for_load_state("load")
    assert page.locator("#error-summary, .error-message, .error-summary").count() >= 1, page.url
    print(f"axe audit: {role:10} {url} with errors -> {page.url}")
    violations = axe.run(page).response["violations"]
    assert not violations, f"{role} {url} with errors:\n" + "\n".join(f"{v['id']}: {v['help']} -> " + "; ".join(
        str(n["target"]) for n in v["nodes"][:5]) for v in violations)
