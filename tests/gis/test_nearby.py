"""Reports near a place (gis/nearby.py): the box around the circle never cuts it; the newest reports found by
the index's date order are exactly the newest over all time; counts over a window."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from gis.coords import LonLat
from gis.nearby import count_near, envelope, newest_near, reports_near
from gis.queries import point_expr
from models import Report
from tests.factories import CATFORD

UNTIL = datetime(2024, 6, 1)


def north_of(point: LonLat, metres: float) -> LonLat:
    return LonLat(lon=point.lon, lat=point.lat + metres / 111_200)


@pytest.mark.parametrize("lat", [-60.0, 0.0, 51.45, 70.0])
@pytest.mark.parametrize("metres", [50, 500, 2000])
def test_the_box_holds_the_whole_circle_on_the_spheroid(db_session, lat, metres):
    centre = LonLat(lon=-0.02, lat=lat)
    box = envelope(centre, metres)
    # Points on the circle (every 10 degrees of bearing), a hair inside it.
    per_bearing = [db_session.scalar(select(func.ST_Covers(box, func.ST_Project(
        func.Geography(point_expr(centre)), metres * 0.9999, func.radians(b)).cast(Report.geom.type))))
        for b in range(0, 360, 10)]
    assert all(per_bearing)
    # ... and not much more than it: at most 2 % wider than the circle north-south.
    (height,) = db_session.execute(select(func.ST_YMax(box) - func.ST_YMin(box))).one()
    assert height * 110_574 < 2 * metres * 1.03


def _reports(add_report, days_ago: list[int], point=CATFORD) -> list[Report]:
    return [add_report(point=point, created=UNTIL - timedelta(days=d, hours=1)) for d in days_ago]


@pytest.mark.parametrize("days_ago", [[1, 2, 3, 4, 5], [1, 100, 200, 300], [1, 400, 800, 1200, 5000], [3, 3, 3, 3],
                                      []])
def test_newest_near_is_the_newest_over_all_time(db_session, add_report, days_ago):
    made = _reports(add_report, days_ago)
    _reports(add_report, [2, 3], point=north_of(CATFORD, 900))          # too far
    after = add_report(point=CATFORD, created=UNTIL + timedelta(hours=1))  # after the end
    found = newest_near(db_session, select(Report), CATFORD, 500, UNTIL, limit=3)
    everything = reports_near(db_session, select(Report).where(Report.id != after.id), CATFORD, 500, limit=3)
    newest = sorted(made, key=lambda r: r.created_at, reverse=True)
    if len(set(days_ago)) == len(days_ago):
        assert [r.id for r, *_ in found] == [r.id for r, *_ in everything] == [r.id for r in newest[:3]]
    else:                                   # made at the same moment: any of them, in any order
        assert len(found) == min(3, len(made)) and {r.id for r, *_ in found} <= {r.id for r in made}


def test_count_near_counts_the_window_only(db_session, add_report):
    _reports(add_report, [1, 10, 89, 91, 400])
    _reports(add_report, [1], point=north_of(CATFORD, 600))
    assert count_near(db_session, select(Report), CATFORD, 500, UNTIL - timedelta(days=90), UNTIL) == 3
    assert count_near(db_session, select(Report), CATFORD, 500) == 5
    assert count_near(db_session, select(Report), CATFORD, 700) == 6
