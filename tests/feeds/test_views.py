"""Atom feeds: valid (feedparser), public reports only, no personal data, absolute links, 400 for bad input."""
import feedparser
import pytest

from models import Status
from tests.factories import CATFORD


def parse(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(resp.get_data())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def test_feeds_list_public_reports_with_absolute_links_and_no_names(client, db_session, make_report, make_user):
    reporter = make_user(name="Priya Private")
    shown, hidden, waiting = make_report(reporter=reporter), make_report(), make_report(status=Status.UNCONFIRMED)
    hidden.hidden = True
    db_session.commit()
    ward = shown.ward.code
    for url in ("/feeds/reports.atom", f"/feeds/reports.atom?ward={ward}", "/feeds/reports.atom?category=fly_tipping",
                f"/feeds/reports.atom?lat={CATFORD.lat}&lon={CATFORD.lon}&radius=300",
                "/feeds/reports.atom?place=SE6+4RU&radius=2000&category=fly_tipping"):
        feed = parse(client, url)
        links = [e.link for e in feed.entries]
        assert f"http://localhost/reports/{shown.reference}" in links, url
        assert not any(r.reference in link for r in (hidden, waiting) for link in links), url
        text = client.get(url).get_data(as_text=True)
        assert "Priya" not in text and reporter.email not in text
    assert "Fly" in parse(client, "/feeds/reports.atom?category=fly_tipping").feed.title


def test_a_reports_timeline_feed(client, make_report):
    report = make_report()
    feed = parse(client, f"/feeds/reports/{report.reference}.atom")
    assert feed.entries and feed.feed.link == f"http://localhost/reports/{report.reference}"


@pytest.mark.parametrize("query", [
    "ward=E99999999", "category=nope", "lat=north&lon=0", "lat=51.5&lon=", "lat=91&lon=0",
    "lat=51.5072&lon=-0.1276", "lat=51.4452&lon=-0.0205&radius=99", "lat=51.4452&lon=-0.0205&radius=5001",
    "lat=51.4452&lon=-0.0205&radius=%EF%BC%95%EF%BC%90%EF%BC%90", "radius=500", "place=Nowhere+Zzz",
    "colour=red", "ward=" + "x" * 5000,
])
def test_bad_parameters_are_400_with_a_message(client, query):
    resp = client.get(f"/feeds/reports.atom?{query}")
    assert resp.status_code == 400 and resp.get_data(as_text=True).strip()


def test_hidden_unknown_and_unconfirmed_report_feeds_are_404(client, db_session, make_report):
    hidden = make_report()
    hidden.hidden = True
    db_session.commit()
    for reference in (hidden.reference, make_report(status=Status.UNCONFIRMED).reference, "KB-ZZZZZ", "nonsense"):
        assert client.get(f"/feeds/reports/{reference}.atom").status_code == 404


def test_pages_link_their_feeds(client, make_report):
    report = make_report()
    page = client.get(f"/reports/{report.reference}").get_data(as_text=True)
    assert f'rel="alternate" type="application/atom+xml"' in page and f"/feeds/reports/{report.reference}.atom" in page
    ward = client.get(f"/wards/{report.ward.code}").get_data(as_text=True)
    assert f"/feeds/reports.atom?ward={report.ward.code}" in ward


def test_feed_links_never_come_from_a_forged_host(client, make_report):
    report = make_report()
    forged = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}
    for url in ("/feeds/reports.atom", f"/feeds/reports/{report.reference}.atom"):
        resp = client.get(url, headers=forged)
        assert resp.status_code == 200
        body = resp.get_data(as_text=True)
        assert "attacker" not in body and f"http://localhost/reports/{report.reference}" in body, url


def test_text_stored_with_control_characters_still_makes_well_formed_feeds(client, db_session, make_report):
    """Text stored before input was cleaned (or imported) must not break the document for every reader."""
    from xml.parsers import expat

    from sqlalchemy import update

    from models import Category, Report, ReportEvent
    from portal.services.reports import change_status
    report = make_report()
    change_status(db_session, report, Status.INVESTIGATING, None, note="Crew on the way")
    db_session.execute(update(Report).where(Report.id == report.id).values(description="Sofa\x0band\x01 bags\ufffe"))
    db_session.execute(update(ReportEvent).where(ReportEvent.report_id == report.id)
                       .values(note="Crew\x0c on\x1f the way"))
    db_session.execute(update(Category).where(Category.id == report.category_id).values(name="Fly\x0b-tipping"))
    db_session.commit()
    for url in ("/feeds/reports.atom", f"/feeds/reports/{report.reference}.atom"):
        data = client.get(url).data
        expat.ParserCreate().Parse(data, True)          # raises on a character XML forbids
        text = data.decode()
        assert ("Sofaand bags" in text) if url.endswith("reports.atom") else ("Crew on the way" in text), url


def test_filtered_pages_link_the_feed_of_what_they_show(client, make_report):
    """A category (and a ward) chosen on the map or a ward's page gives the feed of that category there."""
    import html
    import re
    report = make_report()
    ward = report.ward
    for url, title, wanted in (
            ("/map?category=fly_tipping", "Fly-tipping reports", {"category": "fly_tipping"}),
            (f"/map?category=fly_tipping&ward={ward.code}", f"Fly-tipping reports in {ward.name}",
             {"category": "fly_tipping", "ward": ward.code}),
            (f"/wards/{ward.code}?category=fly_tipping", f"New fly-tipping reports in {ward.name}",
             {"category": "fly_tipping", "ward": ward.code}),
            ("/map", "Every new report", {})):
        page = client.get(url).get_data(as_text=True)
        [(got_title, href)] = re.findall(r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" '
                                         r'href="([^"]+)"', page)
        assert html.unescape(got_title) == f"{title} (Atom feed)", url
        href = html.unescape(href)
        assert dict(re.findall(r"[?&]([^=&]+)=([^&]*)", href)) == wanted, (url, href)
        feed = parse(client, href)
        assert f"http://localhost/reports/{report.reference}" in [e.link for e in feed.entries], url
