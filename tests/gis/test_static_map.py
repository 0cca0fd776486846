"""The print map of a ward: its outline and its reports scaled into the view box, north up, with a scale bar."""
import re

from sqlalchemy import select

from gis.coords import LonLat
from gis.static_map import job_static_map, ward_static_map
from models import Ward
from tests.factories import CATFORD, OUTSIDE


def test_outline_points_and_scale(db_session):
    ward = db_session.scalars(select(Ward).where(Ward.name == "Rushey Green")).one()
    north = LonLat(lon=CATFORD.lon, lat=CATFORD.lat + 0.002)
    drawn = ward_static_map(db_session, ward.id, [CATFORD, north, OUTSIDE], width=600)
    assert drawn.width == 600 and drawn.height > 100
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", " ".join(drawn.paths))]
    assert min(numbers) >= 0 and max(numbers[0::2]) <= 600 and max(numbers) <= max(600, drawn.height)
    assert len(drawn.points) == 2                              # Westminster is not drawn
    (x1, y1), (x2, y2) = drawn.points
    assert y2 < y1 and abs(x2 - x1) < 2                        # north is up
    assert drawn.scale_m in (100, 200, 250, 500, 1000, 2000, 5000) and 0 < drawn.scale_px < 600
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="2.5" class="report-dot"></circle>',
                         str(drawn.dots_svg()))
    assert [(float(x), float(y)) for x, y in circles] == drawn.points


def test_unknown_ward(db_session):
    assert ward_static_map(db_session, 999_999, []) is None


def test_job_map_centres_the_job_with_nearby_streets_and_a_scale(db_session):
    drawn = job_static_map(db_session, CATFORD, width=360, height=240, metres_across=400, streets=6)
    assert drawn.centre == (180.0, 120.0) and drawn.scale_m == 100 and drawn.scale_px == 90.0
    names = [name for _, _, name in drawn.streets]
    assert 0 < len(names) <= 6 and len(set(names)) == len(names) and "Rushey Green" in names
    assert all(0 <= x <= 360 and 0 <= y <= 240 for x, y, _ in drawn.streets)
    # the nearest street first: its point is no farther from the centre than the last one's
    distance = [((x - 180) ** 2 + (y - 120) ** 2) ** .5 for x, y, _ in drawn.streets]
    assert distance[0] <= distance[-1]
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", " ".join(drawn.edges))]
    assert all(-1 <= n <= 361 for n in numbers)                # boundaries are clipped to the view


def test_job_map_far_from_any_street_or_ward(db_session):
    drawn = job_static_map(db_session, LonLat(lon=-3.0, lat=53.0))
    assert drawn.streets == [] and drawn.edges == [] and drawn.centre == (180.0, 120.0)
