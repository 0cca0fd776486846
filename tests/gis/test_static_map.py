"""The print map of a ward: its outline and its reports scaled into the view box, north up, with a scale bar."""
import re

from sqlalchemy import select

from gis.coords import LonLat
from gis.static_map import ward_static_map
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


def test_unknown_ward(db_session):
    assert ward_static_map(db_session, 999_999, []) is None
