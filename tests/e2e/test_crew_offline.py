"""Crews without signal (issue 14): in Chromium, the job list and card are kept by the service worker, a job
completed with the network off (with its photo) waits on the phone, and lands once when the signal returns.
Also axe and 390 px on the job card, with and without errors."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.factories import image_bytes

from .conftest import build_world, delete_a11y_data, login_by_keyboard

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(engine, live_server, tmp_path_factory):
    yield build_world(engine, tmp_path_factory.mktemp("offline-photos"))
    delete_a11y_data(engine)


@pytest.fixture()
def crew_page(browser, live_server, site):
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE)
    context.set_default_timeout(15_000)
    context.route("http://tiles.invalid/**", lambda route: route.abort())
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    login_by_keyboard(page, site["emails"]["crew"])
    yield page
    context.close()


def _completions(engine, reference: str) -> tuple[str, int, int]:
    with engine.connect() as conn:
        return conn.execute(text("""
            SELECT r.status::text,
                   (SELECT count(*) FROM report_events e WHERE e.report_id = r.id AND e.to_status = 'fixed'),
                   (SELECT count(*) FROM photos p WHERE p.report_id = r.id AND p.kind = 'after')
            FROM reports r WHERE r.reference = :ref"""), {"ref": reference}).one()


def test_job_card_axe_and_phone_width_with_and_without_errors(crew_page, site):
    from axe_playwright_python.sync_playwright import Axe
    page, job = crew_page, site["job"]
    axe = Axe()
    page.goto(f"/crew/jobs/{job}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not axe.run(page).response["violations"]
    page.get_by_role("button", name=f"Return {job} to the office").click()     # no reason chosen
    page.wait_for_load_state("load")
    assert page.locator("#error-summary").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = axe.run(page).response["violations"]
    assert not violations, [f"{v['id']}: {v['help']}" for v in violations]
    page.goto("/crew/jobs?place=Nowhere+Street+Zzz")
    assert page.locator("#error-summary").count() == 1 and page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not axe.run(page).response["violations"]


# Last: it completes the module's job.
def test_a_job_completed_offline_lands_once_when_the_signal_returns(crew_page, site, engine, tmp_path):
    page, job = crew_page, site["job"]
    photo = tmp_path / "after.jpg"
    photo.write_bytes(image_bytes(color=(30, 150, 60)))
    page.goto("/crew/jobs")
    page.locator("html[data-offline-ready=yes]").wait_for(state="attached")        # list and cards kept
    page.context.set_offline(True)
    page.goto(f"/crew/jobs/{job}")                                # no signal: the card comes from the phone
    assert page.get_by_role("heading", name="Safety notes").is_visible()
    page.get_by_label("What was done").fill("Sofa and bags cleared without signal")
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name=f"Complete {job}").click()
    status = page.locator("#offline-status")
    status.filter(has_text="1 completion waiting for signal").wait_for()
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    assert _completions(engine, job) == ("assigned", 0, 0)         # nothing reached the server
    page.goto("/crew/jobs")                                        # the list, kept too, shows what waits
    status.filter(has_text="1 completion waiting for signal").wait_for()
    assert job in page.content()
    page.context.set_offline(False)                                # the signal returns: the queue is sent
    expect(status).not_to_contain_text("waiting")
    assert _completions(engine, job) == ("fixed", 1, 1)
    page.reload()                                                  # nothing is sent again
    page.wait_for_load_state("load")
    expect(status).to_have_text("")
    assert _completions(engine, job) == ("fixed", 1, 1)
    assert "Job completed" in page.content() or job not in page.content()
    assert page.console_errors == []
