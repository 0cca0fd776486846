"""What to expect: the confirmation and the report page say how long this kind of problem usually takes in this
ward (the last 12 months, with the count, open reports counted as not fixed yet) beside the promise."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from models import Status
from tests.maps.conftest import RUSHEY_GREEN, add_report


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture()
def history(db_session):
    """12 fly-tips in Rushey Green made 20 days ago: 8 fixed after 5 h, 4 after 20 h."""
    made = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=20)
    for hours in [5] * 8 + [20] * 4:
        add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, made, hours)
    db_session.flush()


def expect_text(html: str) -> str:
    return text_of(html.split('id="expect"')[1].split("</section>")[0])


def test_sent_page_says_what_to_expect(resident, resident_client, make_report, history):
    report = make_report(resident)
    said = expect_text(resident_client.get(f"/reports/{report.reference}/sent").get_data(as_text=True))
    assert "Fly-tipping in Rushey Green: half fixed within 5 h, 9 in 10 within 20 h" in said
    assert "13 reports, 1 still open" in said and "The promise is 2 days." in said


def test_report_page_says_what_to_expect(client, resident, make_report, history):
    report = make_report(resident)
    said = expect_text(client.get(f"/reports/{report.reference}").get_data(as_text=True))
    assert "half fixed within 5 h" in said and "The promise is 2 days." in said
    assert "Kaplan–Meier" in said


def test_too_few_reports_say_so(client, resident, make_report):
    report = make_report(resident)
    said = expect_text(client.get(f"/reports/{report.reference}").get_data(as_text=True))
    assert "Too few fly-tipping reports in Rushey Green" in said and "to say (1)" in said
    assert "half fixed" not in said and "The promise is 2 days." in said
