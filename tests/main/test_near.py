"""The front door and the neighbourhood page: where (postcode or coordinates), what is near, what the public
may see only, and a clear message with the input kept for every place that cannot be used."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from gis.coords import LonLat
from models import Status
from tests.factories import CATFORD, OUTSIDE

FAR = LonLat(lon=-0.0205, lat=51.4552)        # ~1.1 km north of Catford, still in Lewisham


def test_home_asks_where(client):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/near"' in html and 'id="postcode"' in html and 'id="lat"' in html
    assert "Use my location" in html and "locate.js" in html


def test_postcode_opens_the_neighbourhood_with_public_reports_newest_first(client, add_report):
    old = add_report(created=datetime(2024, 3, 1, 8))
    new = add_report(created=datetime(2024, 4, 20, 8), status=Status.IN_PROGRESS)
    hidden = add_report(created=datetime(2024, 4, 21, 8), hidden=True)
    unconfirmed = add_report(created=datetime(2024, 4, 22, 8), status=Status.UNCONFIRMED)
    far = add_report(point=FAR, created=datetime(2024, 4, 23, 8))
    resp = client.get("/near?postcode=se6+4tu")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Near SE6 4TU" in html and "Rushey Green ward" in html
    table = html[html.index('id="nearby"'):]
    assert table.index(new.reference) < table.index(old.reference)
    for unseen in (hidden, unconfirmed, far):
        assert unseen.reference not in html
    assert "In progress" in html
    being_fixed = html[html.index("Being fixed now"):html.index("Hotspots")]
    assert new.reference in being_fixed and old.reference not in being_fixed


def test_hotspots_within_500_metres(client, add_report):
    for hour in range(3):
        add_report(created=datetime(2024, 4, 20, 8 + hour))
    for hour in range(3):
        add_report(point=FAR, created=datetime(2024, 4, 20, 8 + hour))
    html = client.get("/near?postcode=SE64TU").get_data(as_text=True)
    spots = html[html.index("<h2>Hotspots"):html.index("promises-heading")]
    assert "Fly-tipping</strong>: 3 reports" in spots
    assert spots.count("<li>") == 1


def test_ward_figures_against_the_borough_say_too_few(client, add_report):
    add_report(created=datetime(2024, 4, 1, 8), status=Status.FIXED, fixed=datetime(2024, 4, 1, 10))
    html = client.get(f"/near?lat={CATFORD.lat}&lon={CATFORD.lon}").get_data(as_text=True)
    headline = html[html.index('id="headline"'):]
    assert "too few reports to say" in headline and "of 1</span>" in headline
    assert "Borough" in headline


def test_a_few_new_reports_do_not_replace_the_history(client, add_report):
    """As on every page (gis.measures.data_end): one report today leaves the figures on the history, and the ward
    figures are the ward page's own for the same days."""
    for n in range(12):
        day = 20 if n < 10 else 30
        add_report(created=datetime(2024, 3, day, 8 + n), status=Status.FIXED, fixed=datetime(2024, 3, day, 23))
    today = add_report(created=datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=1))
    html = client.get(f"/near?lat={CATFORD.lat}&lon={CATFORD.lon}").get_data(as_text=True)
    assert "figures up to 30 March 2024, where the data ends" in html
    table = html[html.index('id="nearby"'):html.index("</table>", html.index('id="nearby"'))]
    assert re.findall(r"KB-[0-9A-Z]+", table)[0] == today.reference     # the list is of now: today's first
    headline = re.sub(r"\s+", " ", html[html.index('id="headline"'):html.index("</table>", html.index('id="headline"'))])
    assert '<td>100% <span class="hint-inline">of 10</span></td>' in headline          # the ten due by 30 March
    assert re.search(r'<td>\d+ h <span class="hint-inline">of 12</span></td>', headline)
    ward = client.get("/wards/E05013730").get_data(as_text=True)
    assert "Data up to 30 Mar 2024" in ward and 'data-reported="12"' in ward


def test_coordinates_open_the_page(client):
    resp = client.get(f"/near?lat={CATFORD.lat}&lon={CATFORD.lon}")
    assert resp.status_code == 200
    assert "Near 51.44520, -0.02050" in resp.get_data(as_text=True)


@pytest.mark.parametrize(("query", "message", "kept"), [
    ("postcode=NOT+A+CODE", "Enter a full postcode", 'value="NOT A CODE"'),
    ("postcode=ZZ9+9ZZ", "We do not know the postcode ZZ9 9ZZ", 'value="ZZ9 9ZZ"'),
    ("postcode=" + "S" * 300, "at most 8 letters", None),
    ("postcode=", "Enter a postcode, or use your location.", None),
    ("lat=north&lon=-0.02", "The latitude must be a number", 'value="north"'),
    ("lat=51.44&lon=", "Enter a longitude", 'value="51.44"'),
    ("lat=95&lon=0", "between -90 and 90", 'value="95"'),
    ("lat=nan&lon=0", "real number", 'value="nan"'),
    (f"lat={OUTSIDE.lat}&lon={OUTSIDE.lon}", "That place is outside", f'value="{OUTSIDE.lat}"'),
    ("lat=<script>&lon=1", "must be a number", 'value="&lt;script&gt;"'),
])
def test_bad_places_come_back_to_the_home_page_with_the_input_kept(client, query, message, kept):
    resp = client.get(f"/near?{query}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "There is a problem" in html and message in html
    assert 'aria-invalid="true"' in html
    if kept:
        assert kept in html
    assert "<script>" not in html.replace("<script src=", "")


def test_the_alerts_link_opens_an_alert_around_the_place(client):
    html = client.get("/near?postcode=SE64TU").get_data(as_text=True)
    assert "Get an email when a problem is reported near SE6 4TU" in html and 'href="/alerts?place=SE6+4TU"' in html
    form = client.get("/alerts?place=SE6+4TU").get_data(as_text=True)
    assert 'value="SE6 4TU"' in form and 'value="radius" checked' in form.replace("checked ", "checked")


def test_a_street_name_finds_the_neighbourhood(client):
    resp = client.get("/near?postcode=abbotshall+road")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Abbotshall Road" in html
    unknown = client.get("/near?postcode=Nowhere+Such+Lane")
    assert unknown.status_code == 400 and "We do not know that street" in unknown.get_data(as_text=True)
    assert 'value="Nowhere Such Lane"' in unknown.get_data(as_text=True)


def test_the_page_links_the_feed_of_its_circle(client):
    """The area around a point has a feed (issue 13): the neighbourhood page offers it, for the same circle."""
    import html as html_lib

    import feedparser
    page = client.get("/near?postcode=SE64TU").get_data(as_text=True)
    link = re.search(r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)"', page)
    assert link and "within 500 metres of SE6 4TU" in link.group(1)
    href = html_lib.unescape(link.group(2))
    assert href.startswith("/feeds/reports.atom?") and "radius=500" in href and f'href="{link.group(2)}"' in \
        page.split("<h2>Alerts</h2>")[1]                                  # also a visible link
    feed = feedparser.parse(client.get(href).get_data())
    assert not feed.bozo and feed.version == "atom10" and "within 500 m" in feed.feed.title


def test_the_count_covers_the_90_days_shown_and_older_listed_reports_are_said_to_be_older(client, add_report):
    old = add_report(created=datetime(2023, 1, 10, 8))
    recent = add_report(created=datetime(2024, 4, 20, 8))
    html = client.get("/near?postcode=SE64TU").get_data(as_text=True)
    said = " ".join(html[html.index('id="nearby-heading"'):html.index('class="map-frame"')].split())
    assert "1 report within 500 metres from 22 Jan 2024 to 20 Apr 2024" in said
    assert "the newest 2 of any date are listed and mapped." in said
    assert old.reference in html and recent.reference in html
