"""How the figures read on the pages: every measure of gis.measures has its definition on each page that shows
it, a time column (or row) keeps one unit, and the printed ward briefing keeps its data date and attribution."""
import re
from pathlib import Path
from datetime import datetime, timedelta, timezone

import pytest

from gis.measures import MEASURES
from models import Status

from .conftest import RUSHEY_GREEN, add_report

RUSHEY_CODE = "E05013730"


def defined_measures(html: str) -> set[str]:
    block = html[html.index('<dl class="definitions">'):html.index("</dl>", html.index('<dl class="definitions">'))]
    return {key for keys in re.findall(r'<dt data-measures="([^"]+)"', block) for key in keys.split()}


@pytest.mark.parametrize("url", ["/performance", f"/wards/{RUSHEY_CODE}", "/promises"])
def test_every_measure_is_defined_on_the_page(client, url):
    html = client.get(url).get_data(as_text=True)
    assert defined_measures(html) == set(MEASURES)
    assert "When a report counts as fixed" in html and "by the person who reported it" in html   # not the council's alone


@pytest.fixture()
def fast_then_slow(db_session):
    """Rushey Green fly-tips: 10 fixed after 3 h made in January 2020, 10 fixed after 100 h in February."""
    for month, hours in ((1, 3), (2, 100)):
        for day in range(1, 11):
            add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED,
                       datetime(2020, month, day, 9, tzinfo=timezone.utc), hours)


def cells(html: str, table_id: str, column: int) -> list[str]:
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    out = []
    for row in rows:
        tds = re.findall(r"<td>(.*?)</td>", row, re.S)
        if len(tds) > column:
            out.append(re.sub(r"\s+", " ", tds[column]).strip())
    return out


def test_the_trend_table_keeps_one_unit_per_column(client, fast_then_slow):
    html = client.get(f"/wards/{RUSHEY_CODE}?start=2020-01-01&end=2020-03-31&category=fly_tipping").get_data(
        as_text=True)
    medians = [c for c in cells(html, "trend", 0) if c != "too few reports to say"]
    assert medians == ["0.1 days", "4.2 days"]                  # not "3 h" beside "4.2 days"
    assert "Median time to fix (days)</th>" in html


def test_the_year_on_year_verdict_gives_both_years_in_one_unit(client, db_session):
    for year, hours in ((2019, 3), (2020, 100)):
        for day in range(1, 11):
            add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED,
                       datetime(year, 2, day, 9, tzinfo=timezone.utc), hours)
    html = client.get(f"/wards/{RUSHEY_CODE}?start=2020-01-01&end=2020-03-31&category=fly_tipping").get_data(
        as_text=True)
    verdict = re.sub(r"<[^>]+>", "", html[html.index('id="verdict"'):html.index("</p>", html.index('id="verdict"'))])
    assert "is getting slower" in verdict
    assert "within 4.2 days; in the 12 months before, within 0.1 days" in verdict


def test_the_neighbourhood_gives_ward_and_borough_times_in_one_unit(client, db_session, fast_then_slow):
    # A slow borough beside a fast ward: the row of times keeps one unit.
    for day in range(1, 11):
        add_report(db_session, "pothole", "POINT(-0.0302 51.4672)", Status.FIXED,
                   datetime(2020, 3, day, tzinfo=timezone.utc), 400)
        add_report(db_session, "pothole", "POINT(-0.0302 51.4672)", Status.FIXED,
                   datetime(2020, 3, day, 1, tzinfo=timezone.utc), 400)
    html = client.get("/near?lat=51.4442&lon=-0.0214").get_data(as_text=True)
    row = html[html.index("Half fixed within"):]
    row = re.sub(r"<[^>]+>", " ", row[:row.index("</tr>")])
    units = set(re.findall(r"\d(?:\.\d)? (h|days)\b", row))
    assert len(units) == 1, row


def test_the_printed_briefing_keeps_the_data_date_and_the_attribution(client, db_session):
    old = datetime.now(timezone.utc) - timedelta(days=400)
    for n in range(12):
        add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, old + timedelta(hours=n), 5)
    html = client.get(f"/wards/{RUSHEY_CODE}").get_data(as_text=True)
    notice = html.index('id="data-end"')
    assert html.rfind('<div class="no-print">', 0, notice) < html.rfind("</div>", 0, notice)   # not inside it
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "maps.css").read_text()
    print_rules = " ".join(re.findall(r"@media print \{(.*?)\n\}", css, re.S))
    assert "attribution" not in print_rules
    assert 'class="attribution"' in html


@pytest.mark.parametrize("url", ["/performance?measure=reported", "/density"])
def test_every_coloured_map_has_a_legend_with_values_and_its_colours(client, db_session, fast_then_slow, url):
    html = client.get(f"{url}&start=2020-01-01&end=2020-03-31".replace("density&", "density?")).get_data(
        as_text=True)
    legend = html[html.index('id="legend"'):html.index("</div>", html.index('id="legend"'))]
    entries = re.findall(r'background: (#[0-9a-f]{6})" aria-hidden="true"></span> ([^<]+)</li>', legend)
    assert entries and all(re.search(r"\d", label) for _c, label in entries if "no figure" not in label)
    assert "more is not better or worse in itself" in re.sub(r"\s+", " ", legend)
    fills = set(re.findall(r'"fill": "(#[0-9a-f]{6})"', html)) or set(re.findall(r'"(#[0-9a-f]{6})"', html))
    assert fills and fills <= {c for c, _l in entries} | {"#bdbdbd", "#555555"}, (fills, entries)   # explained
