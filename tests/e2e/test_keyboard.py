"""Keyboard only (Tab, Shift+Tab, Enter, Space, arrow keys, typing; no mouse): a resident tracks a report, staff
triage one, a crew member completes a job. Focus must be visible on every control used."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Photo, Report, ReportEvent, Status

from ..factories import image_bytes
from .conftest import build_world, delete_a11y_data, login_by_keyboard, tab_to

pytestmark = pytest.mark.e2e


@pytest.fixture()
def world(engine, tmp_path):
    yield build_world(engine, tmp_path / "photos")
    delete_a11y_data(engine)


def report_in_db(engine, reference: str) -> tuple[Report, list[ReportEvent], list[Photo]]:
    with Session(engine) as session:
        report = session.scalar(select(Report).where(Report.reference == reference))
        return report, list(report.events), list(report.photos)


def press_and_wait(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def choose(page, value: str, limit: int = 30) -> None:
    """Arrow Down through the focused <select> until ``value`` is chosen (a closed select changes in place)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value!r} not reached with the arrow keys")


def test_resident_tracks_a_report_with_the_keyboard(page, world):
    login_by_keyboard(page, world["emails"]["resident"])
    tab_to(page, "nav a", "My reports")
    press_and_wait(page, "Enter")
    assert page.url.endswith("/my/reports")
    tab_to(page, "main a", world["report"])
    press_and_wait(page, "Enter")
    assert page.url.endswith(f"/reports/{world['report']}")
    assert page.get_by_role("heading", level=1).is_visible()


def test_staff_triage_a_report_with_the_keyboard(page, world, engine):
    reference = world["report"]
    login_by_keyboard(page, world["emails"]["staff"])
    tab_to(page, "nav a", "Triage")
    press_and_wait(page, "Enter")
    tab_to(page, ".skip-link", key="Shift+Tab")     # back to the start: the skip link is the first stop
    page.keyboard.press("Enter")
    tab_to(page, "main a", reference)                # past the filters and the map, no trap on the way
    press_and_wait(page, "Enter")
    assert page.url.endswith(f"/staff/reports/{reference}")

    tab_to(page, "#new-status")
    choose(page, Status.INVESTIGATING.value)
    tab_to(page, "#status-note")
    page.keyboard.type("We are looking into it this week.")
    tab_to(page, "button", "Change status")
    press_and_wait(page, "Enter")
    assert "Status changed." in page.locator(".flashes").inner_text()

    tab_to(page, "#a-crew")
    choose(page, str(world["crew"]))
    tab_to(page, "button", "Assign")
    press_and_wait(page, " ")                        # Space presses a button too
    assert f"assigned to {world['crew_name']}" in page.locator(".flashes").inner_text()

    report, events, _ = report_in_db(engine, reference)
    assert report.status is Status.ASSIGNED and report.crew_id == world["crew"]
    update = next(e for e in events if e.to_status is Status.INVESTIGATING)
    assert update.note == "We are looking into it this week." and not update.internal
    page.goto(f"/reports/{reference}")               # the update is public
    assert "We are looking into it this week." in page.locator("main").inner_text()


def test_crew_completes_a_job_with_the_keyboard(page, world, engine):
    reference = world["job"]
    login_by_keyboard(page, world["emails"]["crew"])
    tab_to(page, "nav a", "My jobs")
    press_and_wait(page, "Enter")
    tab_to(page, "a", f"Open the job card for {reference}")
    press_and_wait(page, "Enter")
    tab_to(page, "button", f"Start {reference}")
    press_and_wait(page, " ")
    assert "Job started" in page.locator(".flashes").inner_text()
    if not page.url.endswith(f"/crew/jobs/{reference}"):          # back on the list: open the card again
        tab_to(page, "a", f"Open the job card for {reference}")
        press_and_wait(page, "Enter")
    tab_to(page, f"#note-{reference}")
    page.keyboard.type("Sofa removed, pavement swept")
    # the file picker is an OS dialog: the file is given to the (focused-next) input directly
    tab_to(page, f"#photo-{reference}")
    page.set_input_files(f"#photo-{reference}", files=[{"name": "after.jpg", "mimeType": "image/jpeg",
                                                         "buffer": image_bytes(color=(40, 160, 40))}])
    tab_to(page, "button", f"Complete {reference}")
    press_and_wait(page, "Enter")
    assert "Job completed" in page.locator(".flashes").inner_text()
    report, events, photos = report_in_db(engine, reference)
    assert report.status is Status.FIXED
    assert any(e.note == "Sofa removed, pavement swept" for e in events)
    assert [p.kind for p in photos] == ["after"]


def test_the_focus_check_can_fail(page):
    page.goto("/")
    page.add_style_tag(content="*:focus-visible { outline: none !important; box-shadow: none !important; }")
    with pytest.raises(AssertionError, match="no visible focus"):
        tab_to(page, ".skip-link")


def test_the_report_forms_category_is_chosen_with_the_arrow_keys_alone(page):
    """Issue 13: the category list can be chosen by keyboard without typing its name; its questions then show."""
    page.goto("/report")
    tab_to(page, "#category")
    assert page.locator("#questions-fly_tipping").is_hidden()
    choose(page, "fly_tipping")
    assert page.input_value("#category") == "fly_tipping"
    assert page.locator("#questions-fly_tipping").is_visible()
    tab_to(page, "input[name=q_fly_tipping_size]")                  # on to its first question


def test_a_visitor_flags_an_entry_of_the_timeline_with_the_keyboard(page, world, engine):
    """Issue of this round: "Report a problem" on an entry of a report's timeline, by keyboard alone, without an
    account: the radio buttons with the arrow keys, the note typed, Enter sends; the moderators have it."""
    from models import ContentFlag
    reference = world["report"]
    page.goto(f"/reports/{reference}")
    tab_to(page, "ol.timeline a", "Report a problem")
    press_and_wait(page, "Enter")
    assert "/flag?update=" in page.url
    tab_to(page, "input[name=reason]")
    page.keyboard.press("ArrowDown")                     # from the first reason to the second: personal details
    assert page.evaluate("document.activeElement.value") == "personal"
    tab_to(page, "#message")
    page.keyboard.type("A neighbour's name is in this update")
    tab_to(page, "button", "Tell the moderators")
    press_and_wait(page, "Enter")
    assert "moderators will look at it" in page.locator(".flashes").inner_text()
    assert page.url.split("#")[1].startswith("entry-")
    with Session(engine) as session:
        flagged = session.scalars(select(ContentFlag).join(Report).where(
            Report.reference == reference, ContentFlag.event_id.is_not(None))).all()      # (the world flags the report)
        assert [(f.reason, f.message) for f in flagged] == [("personal", "A neighbour's name is in this update")]
