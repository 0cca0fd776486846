"""Issue 13's "done when", end to end in Chromium with the real loopback SMTP server, on a desktop and at 390 px:
a new resident, without an account, subscribes to fly-tipping alerts within 500 m of their postcode, confirms by
the emailed link, receives the alert when a neighbour reports fly-tipping there (the worker's matching and sending
functions), adds an update with a photo to the neighbour's report (confirmed by its emailed link), and reads the
ward's Atom feed; four weeks on, the neighbour is asked "has it been fixed?" and answers from the email.

Every page on the way is checked for axe violations and for sideways scrolling; mail goes through the outbox to
a real SMTP server and links are read from the messages it received, as a person would."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta
from email import message_from_bytes, policy

import feedparser
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.coords import LonLat
from gis.streets import find_places
from models import utcnow
from portal.services.accounts import register_user
from portal.services.alerts import match_new_events, send_alert_emails
from portal.services.photos import PhotoStore
from portal.services.questionnaire import send_questionnaires
from portal.services.reports import NewReport, create_report

from ..conftest import send
from ..factories import FLY_TIPPING_ANSWERS, PASSWORD, alerts_start_now, image_bytes
from .conftest import E2E_EMAIL_DOMAIN

pytestmark = pytest.mark.e2e

POSTCODE = "SE6 4RU"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


@pytest.fixture(params=list(VIEWPORTS))
def resident_page(request, browser, live_server):
    """A visitor without an account, on a desktop or a phone."""
    viewport = VIEWPORTS[request.param]
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=viewport)
    context.set_default_timeout(10_000)
    context.route("http://tiles.invalid/**", lambda route: route.abort())
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error"
            and "tiles.invalid" not in msg.text and "ERR_FAILED" not in msg.text else None)
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    page.viewport_width = viewport["width"]
    yield page
    context.close()


def check_page(page, axe) -> None:
    """What a tester looks at on every page: no axe violations, no sideways scrolling, no script errors."""
    page.wait_for_load_state("load")
    violations = axe.run(page).response["violations"]
    assert not violations, f"{page.url}:\n" + "\n".join(
        f"{v['id']}: {v['help']} -> " + "; ".join(str(n["target"]) for n in v["nodes"][:5]) for v in violations)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_width, f"{page.url}: scrollWidth {width} > {page.viewport_width}"
    assert page.console_errors == [], page.console_errors


def delivered(worker_session, smtp, to: str, subject_start: str):
    """Run the outbox worker's send over real SMTP and return the one message ``to`` received with that subject."""
    with worker_session() as session:
        send(session, smtp)
    found = [message_from_bytes(m.content, policy=policy.default) for m in smtp.inbox.messages if to in m.rcpt_tos]
    found = [m for m in found if str(m["Subject"]).startswith(subject_start)]
    assert len(found) == 1, [str(m["Subject"]) for m in found]
    return found[0]


def path_in(mail, route: str) -> str:
    """The path of the first link to ``route`` in a received email (its host is the site's BASE_URL)."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(route) + r"\S*)", mail.get_content())
    assert match, mail.get_content()
    return match.group(1)


def neighbour_reports_fly_tipping(worker_session, photo_dir, near: LonLat):
    """A neighbour (with an account) reports fly-tipping about 150 m north of ``near``: (email, reference)."""
    with worker_session(expire_on_commit=False) as session:
        neighbour = register_user(session, email=f"neighbour-{uuid.uuid4().hex[:8]}@{E2E_EMAIL_DOMAIN}",
                                  password=PASSWORD, display_name="Nina Neighbour")
        answers = {k.removeprefix("q_fly_tipping_"): v for k, v in FLY_TIPPING_ANSWERS.items()}
        report = create_report(session, NewReport(
            category_code="fly_tipping", point=LonLat(lon=near.lon, lat=near.lat + 150 / 111_320),
            answers=answers, description="Mattress and bin bags dumped by the bus stop",
            client_token=f"e2e-{uuid.uuid4().hex}", anonymous=False), neighbour, PhotoStore(photo_dir))
        return neighbour.email, report.reference, report.ward.code


def test_a_new_resident_stays_with_their_street(resident_page, engine, worker_session, smtp, axe, new_email,
                                                tmp_path):
    page = resident_page
    with Session(engine) as session:
        [place] = find_places(session, POSTCODE)
        alerts_start_now(session)         # the worker's place: after every event already committed
        session.commit()

    # 1. Subscribe, without an account, to fly-tipping within 500 m of the postcode.
    page.goto("/")
    if page.viewport_width < 600:
        page.get_by_text("Menu", exact=True).click()   # the phone's compact menu
    with page.expect_navigation():
        page.get_by_role("link", name="Alerts", exact=True).click()
    check_page(page, axe)
    page.fill("#place", POSTCODE)
    page.keyboard.press("Escape")                     # close the suggestions the combobox may show
    assert page.input_value("#radius") == "500"
    page.check("#categories-fly_tipping")
    assert page.is_checked("#new_reports")
    page.fill("#email", new_email)
    with page.expect_navigation():
        page.click("button:has-text('Set up the alert')")
    assert page.locator("h1").inner_text() == "Check your email", page.locator("main").inner_text()
    check_page(page, axe)

    # 2. Confirm by the emailed link.
    mail = delivered(worker_session, smtp, new_email, "Confirm your Kerbside alert")
    assert "fly-tipping within 500 m of SE6 4RU" in mail.get_content().replace("\n", " "), mail.get_content()
    page.goto(path_in(mail, "/alerts/confirm/"))
    check_page(page, axe)
    with page.expect_navigation():
        page.click("button:has-text('Start my alert')")
    assert page.locator("h1").inner_text() == "Your alert is set"
    check_page(page, axe)

    # 3. A neighbour reports fly-tipping there; the worker matches and sends; the alert arrives.
    neighbour, reference, ward = neighbour_reports_fly_tipping(worker_session, tmp_path, place.point)
    with worker_session() as session:
        assert match_new_events(session, now=utcnow() + timedelta(minutes=5)) >= 1
        assert send_alert_emails(session) >= 1
    alert = delivered(worker_session, smtp, new_email, "Kerbside: 1 update for SE6 4RU")
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and "/alerts/stop/" in alert["List-Unsubscribe"]
    assert reference in alert.get_content() and "/alerts/manage/" in alert.get_content()

    # 4. From the alert to the neighbour's report; add an update with a photo, confirmed by its emailed link.
    page.goto(path_in(alert, f"/reports/{reference}"))
    check_page(page, axe)
    page.click("text=Add an update or photo to this report")
    check_page(page, axe)
    page.fill("#text", "Two more bags were added overnight")
    page.set_input_files("#photos", files=[{"name": "bags.jpg", "mimeType": "image/jpeg",
                                            "buffer": image_bytes("JPEG", size=(1200, 900))}])
    page.fill("#email", new_email)
    with page.expect_navigation():
        page.click("button:has-text('Add my update')")
    assert page.locator("h1").inner_text() == "Check your email", page.locator("main").inner_text()
    page.goto(f"/reports/{reference}")
    assert "Two more bags" not in page.locator("main").inner_text()          # not before its link is followed
    confirm = delivered(worker_session, smtp, new_email, f"Confirm your update on {reference}")
    page.goto(path_in(confirm, "/n/update/"))
    check_page(page, axe)
    with page.expect_navigation():
        page.click("button:has-text('Publish my update')")
    assert page.locator("h1").inner_text() == "Update published"
    page.goto(f"/reports/{reference}")
    timeline = page.locator("main").inner_text()
    assert "Two more bags were added overnight" in timeline and new_email not in page.content()
    photo = page.locator("img[alt*=\"resident's update\"]")
    photo.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth", photo.element_handle()) == 1200
    check_page(page, axe)
    # The neighbour, who follows their own report, is told of the update.
    told = delivered(worker_session, smtp, neighbour, f"Update on {reference}")
    assert "Two more bags" in told.get_content()

    # 5. The ward's Atom feed, found from the ward's page, is valid and lists the report (without names).
    page.goto(f"/wards/{ward}")
    href = page.locator('link[rel="alternate"][type="application/atom+xml"]').first.get_attribute("href")
    assert f"ward={ward}" in href
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo and feed.version == "atom10", feed.get("bozo_exception")
    assert any(e.link.endswith(f"/reports/{reference}") for e in feed.entries)
    assert "Nina" not in response.text() and neighbour not in response.text() and new_email not in response.text()

    # 6. Four weeks on, still open: the neighbour is asked "has it been fixed?" once, and answers.
    with worker_session() as session:
        send_questionnaires(session, now=utcnow() + timedelta(days=27))
        send(session, smtp)
    assert not any(str(message_from_bytes(m.content, policy=policy.default)["Subject"]).startswith("Has it been")
                   for m in smtp.inbox.messages if neighbour in m.rcpt_tos), "asked before four weeks"
    with worker_session() as session:
        assert send_questionnaires(session, now=utcnow() + timedelta(days=29)) >= 1
    asked = delivered(worker_session, smtp, neighbour, f"Has it been fixed? {reference}")
    page.goto(path_in(asked, "/n/fixed/"))
    check_page(page, axe)
    page.get_by_label("No, it has not been fixed").check()
    page.fill("#comment", "Still there after a month")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator("h1").inner_text() == "Thank you"
    page.goto(f"/reports/{reference}")
    assert "Still there after a month" in page.locator("main").inner_text()
    check_page(page, axe)

    # 7. The alert email's preferences link: how often, changed without an account.
    page.goto(path_in(alert, "/alerts/manage/"))
    check_page(page, axe)
    page.get_by_label("How often").select_option("daily")
    with page.expect_navigation():
        page.click("button:has-text('Save')")
    assert "in a daily email" in page.locator("main").inner_text()
    check_page(page, axe)

    # 8. The resident's alert email stops the alert in one click (RFC 8058: a POST without cookies or form token).
    stop = "".join(str(alert["List-Unsubscribe"]).split()).strip("<>")
    stop_path = re.sub(r"^https?://[^/]+", "", stop)
    stopped = page.request.post(stop_path, form={"List-Unsubscribe": "One-Click"})
    assert stopped.status == 200 and "Alert stopped" in stopped.text()
    page.goto(path_in(alert, "/alerts/manage/"))
    assert "SE6 4RU" not in page.locator("main").inner_text()
    check_page(page, axe)
