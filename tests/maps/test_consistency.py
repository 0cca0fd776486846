"""One answer everywhere: for the same filters, /performance (wards plus reports outside every ward), the map's
list, the map feed over the whole borough, the exports and Open311 GET count the same reports; for a ward, its
page, its /performance row, its exports and the map's list and feed filtered to it agree, and the fairness page's
ward figures are the ward's /performance figures for the same days; on the demo history and on generated data
(hidden, unconfirmed, outside the wards, every status)."""
import csv
import io
import json
import random
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import Category, Report, Status

BOROUGH_BOX = "-0.2,51.35,0.2,51.55"
#: Wards checked one by one (ward page, ward CSV, the map list filtered to the ward).
SOME_WARDS = ("E05013730", "E05013716")


def count_of(pattern: str, html: str) -> int:
    return int(re.search(pattern, html).group(1))


def answers(client, start: str, end: str, category: str = "all") -> dict[str, int]:
    q = f"start={start}&end={end}&category={category}"
    perf = client.get(f"/performance?{q}").get_data(as_text=True)
    reported = count_of(r'data-reported="(\d+)"', perf)
    outside = count_of(r'data-outside="(\d+)"', perf)
    out = {"performance": reported + outside}
    out["map list"] = count_of(r'data-total="(\d+)"', client.get(f"/map?{q}").get_data(as_text=True))
    feed = client.get(f"/api/map?{q}&bbox={BOROUGH_BOX}").get_json()
    out["map feed"] = feed["total"]
    out["export csv"] = len(list(csv.DictReader(io.StringIO(client.get(f"/data/reports.csv?{q}").get_data(as_text=True)))))
    out["export geojson"] = len(json.loads(client.get(f"/data/reports.geojson?{q}").get_data(as_text=True))["features"])
    service = "" if category == "all" else f"&service_code={category}"
    n, page = 0, 1
    while True:
        batch = client.get(f"/open311/v2/requests.json?start_date={start}T00:00:00Z&end_date={end}T23:59:59Z"
                           f"&page_size=1000&page={page}{service}").get_json()
        n += len(batch)
        if len(batch) < 1000:
            break
        page += 1
    out["open311"] = n
    wards_total = 0
    for code in SOME_WARDS:
        wards_total += assert_one_answer(ward_answers(client, code, q, perf))
    assert wards_total <= reported
    return out


def ward_answers(client, code: str, q: str, performance_page: str) -> dict[str, int]:
    """One ward, the same filters: its page, its row on /performance, its CSV and GeoJSON, the map's list and
    feed filtered to it, and the open data exports filtered to it."""
    def rows(url):
        return len(list(csv.DictReader(io.StringIO(client.get(url).get_data(as_text=True)))))

    ward_page = client.get(f"/wards/{code}?{q}").get_data(as_text=True)
    return {
        "ward page": count_of(r'id="headline" data-reported="(\d+)"', ward_page),
        "performance row": count_of(rf'data-ward="{code}" data-reported="(\d+)"', performance_page),
        "ward csv": rows(f"/wards/{code}/reports.csv?{q}"),
        "ward geojson": len(json.loads(client.get(f"/wards/{code}/reports.geojson?{q}").get_data(as_text=True))[
            "features"]),
        "map list": count_of(r'data-total="(\d+)"', client.get(f"/map?{q}&ward={code}").get_data(as_text=True)),
        "map feed": client.get(f"/api/map?{q}&ward={code}&bbox={BOROUGH_BOX}").get_json()["total"],
        "export csv": rows(f"/data/reports.csv?{q}&ward={code}"),
    }


def assert_one_answer(found: dict[str, int]) -> int:
    assert len(set(found.values())) == 1, found
    return next(iter(found.values()))


@pytest.fixture()
def generated(db_session):
    """300 reports in March 2020 with every status, some hidden, some unconfirmed, some outside every ward."""
    rng = random.Random(12)
    cats = list(db_session.scalars(select(Category)))
    made = []
    for n in range(300):
        outside = n % 25 == 0
        lon = rng.uniform(-0.12, -0.11) if outside else rng.uniform(-0.06, 0.02)
        lat = rng.uniform(51.52, 51.53) if outside else rng.uniform(51.42, 51.46)
        status = rng.choice(list(Status))
        created = datetime(2020, 3, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(31 * 86400))
        fixed_at = created + timedelta(hours=rng.uniform(1, 400)) if status is Status.FIXED else None
        report = Report(reference=f"KB-G{n:05d}", category=rng.choice(cats), description="generated",
                        geom=f"SRID=4326;POINT({lon} {lat})", status=status, created_at=created,
                        updated_at=created, fixed_at=fixed_at, hidden=rng.random() < 0.05)
        db_session.add(report)
        made.append(report)
    db_session.flush()
    return made


def test_generated_data_gives_one_answer_everywhere(client, db_session, generated):
    public = [r for r in generated if r.status is not Status.UNCONFIRMED and not r.hidden]
    assert any(r.ward_id is None for r in public) and any(r.ward_id for r in public)
    total = assert_one_answer(answers(client, "2020-03-01", "2020-03-31"))
    assert total == len(public)
    fly = [r for r in public if r.category.code == "fly_tipping"]
    assert assert_one_answer(answers(client, "2020-03-01", "2020-03-31", "fly_tipping")) == len(fly)
    first_half = [r for r in public if r.created_at < datetime(2020, 3, 16, tzinfo=timezone.utc)]
    assert assert_one_answer(answers(client, "2020-03-01", "2020-03-15")) == len(first_half)


def test_demo_history_gives_one_answer_everywhere(client, db_session):
    from portal.services import demo
    demo.load_fms_history(db_session)
    total = assert_one_answer(answers(client, "2023-03-01", "2023-04-30"))
    assert total > 500
    assert assert_one_answer(answers(client, "2023-03-01", "2023-04-30", "fly_tipping")) > 50


def test_fairness_gives_each_wards_performance_figures(client, db_session):
    """On the demo history: the fairness page's ward rows (its own window) are /performance's for those days."""
    from portal.services import demo
    demo.load_fms_history(db_session)
    fair = client.get("/fairness").get_data(as_text=True)
    start, end = re.search(r'href="/wards/E05013730\?start=([\d-]+)&amp;end=([\d-]+)"', fair).groups()
    perf = client.get(f"/performance?start={start}&end={end}").get_data(as_text=True)
    wards = fair[fair.index('id="wards"'):fair.index("</table>", fair.index('id="wards"'))]
    checked = 0
    for code, row in re.findall(r'href="/wards/(E\d+)\?[^"]*">[^<]*</a></th>(.*?)</tr>', wards, re.S):
        cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        reported, within = int(cells[2].replace(",", "")), cells[5]
        mine = perf[perf.index(f'data-ward="{code}"'):]
        mine = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
                for c in re.findall(r"<td>(.*?)</td>", mine[:mine.index("</tr>")], re.S)]
        assert reported == int(mine[6].replace(",", "")), (code, cells, mine)
        share, due = re.match(r"(.+?) \(\d+ of ([\d,]+) due\)", within).groups()
        assert mine[0] == f"{share} ({due} reports)", (code, cells, mine)
        checked += 1
    assert checked == 19
