"""/fairness: deciles and wards side by side, the note on what it can and cannot say, the attribution."""
import re
from datetime import datetime, timedelta, timezone

from gis.areas import import_areas
from models import Status
from portal.services.fairness import refresh_fairness
from tests.gis.test_areas import write_files
from tests.gis.test_fairness import IN_A, IN_B


def test_fairness_page_shows_deciles_and_wards(client, db_session, tmp_path, add_report):
    import_areas(db_session, **write_files(tmp_path))
    start = datetime(2024, 2, 20, 8)
    for days in range(1, 12):
        add_report(IN_A, status=Status.FIXED, created=start, fixed=start + timedelta(days=days))
    add_report(IN_B, created=datetime(2024, 3, 1, 8))
    refresh_fairness(db_session, now=datetime(2024, 3, 20, 7, 5, tzinfo=timezone.utc))    # as the worker does
    resp = client.get("/fairness")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "data up to 1 Mar 2024" in html                   # anchored to the end of the data
    assert "Figures computed at 07:05 UTC on 20 Mar 2024" in html and "every 10 minutes" in html
    deciles = html[html.index('id="deciles"'):html.index('id="wards-heading"')]
    assert "1 (most deprived 10% in England)" in deciles
    assert "<td>11.0</td>" in deciles                        # 11 reports per 1,000 residents in decile 1
    assert "Median time to fix (days)" in deciles
    assert re.search(r"<td>6.0 days\s*<span class=\"n\">\(11 reports\)", deciles)   # half fixed by day 6
    assert re.search(r"<td>18%\s*<span class=\"n\">\(2 of 11 due\)", deciles)       # fixed in 1 and 2 days
    assert "too few reports to say" in deciles               # decile 9: one open report, not yet due
    assert "<td>0.5</td>" in deciles                         # 1 report / 2,000 residents
    assert "cannot say" in html and "does <strong>not</strong> say why" in html
    assert "Kaplan–Meier" in html and "still open, counts as a broken promise" in html
    assert "English Indices of Deprivation 2019" in html and "Open Government Licence v3.0" in html


def test_a_ward_links_to_its_page_for_the_same_days(client, db_session, tmp_path, add_report):
    import_areas(db_session, **write_files(tmp_path))
    for n in range(12):
        add_report(IN_A, status=Status.FIXED, created=datetime(2024, 2, 1, 8 + n % 8),
                   fixed=datetime(2024, 2, 1, 20) + timedelta(days=n % 5))
    add_report(IN_A, created=datetime(2024, 2, 3, 8))
    html = client.get("/fairness").get_data(as_text=True)
    link = re.search(r'<a href="(/wards/E05013730\?[^"]+)">Rushey Green</a>', html).group(1).replace("&amp;", "&")
    row = html[html.index(link.split("?")[0]):]
    row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row[:row.index("</tr>")]))
    ward = client.get(link).get_data(as_text=True)
    headline = ward[ward.index('id="headline"'):ward.index("</table>", ward.index('id="headline"'))]
    headline = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", headline))
    within = re.search(r"Fixed within target (.+?) \((\d+) reports\)", headline).groups()
    median = re.search(r"Median time to fix \((hours|days)\) ([^(]+?) \((\d+) reports\)", headline).groups()
    due = re.search(r"\(\d+ of (\d+) due\)", row).group(1)
    assert (within[1], f"{within[0]} ") == (due, row[row.index("reports) ") + 9:].split("(")[0]), (row, headline)
    assert f"{median[1].strip()} ({median[2]} reports)" in row, (row, headline)


def test_fairness_page_without_areas_says_how_to_load_them(client):
    html = client.get("/fairness").get_data(as_text=True)
    assert "flask areas import" in html and 'id="deciles"' not in html and 'id="wards"' in html


def test_the_page_shows_the_stored_figures_until_the_next_refresh(client, db_session, tmp_path, add_report):
    import_areas(db_session, **write_files(tmp_path))             # stores figures: no report yet
    add_report(IN_A, created=datetime(2024, 3, 1, 8))
    deciles = client.get("/fairness").get_data(as_text=True).split('id="deciles"')[1].split("</table>")[0]
    assert "<td>0.0</td>" in deciles and "<td>1.0</td>" not in deciles
    refresh_fairness(db_session)
    deciles = client.get("/fairness").get_data(as_text=True).split('id="deciles"')[1].split("</table>")[0]
    assert "<td>1.0</td>" in deciles                               # 1 report per 1,000 residents


def test_without_stored_figures_the_page_computes_them_and_says_so(client, add_report):
    add_report(IN_A, created=datetime(2024, 3, 1, 8))
    html = client.get("/fairness").get_data(as_text=True)
    assert "Figures computed just now." in html and "data up to 1 Mar 2024" in html
