import pytest

from gis.coords import LonLat
from gis.queries import (format_postcode, normalise_postcode, postcode_in_text, postcode_location, service_area_bounds,
                         ward_for_point)

from ..factories import CATFORD, OUTSIDE


def test_ward_for_point_inside(db_session):
    ward = ward_for_point(db_session, CATFORD)
    assert ward is not None and ward.name == "Rushey Green"


@pytest.mark.parametrize("point", [OUTSIDE, LonLat(lon=0.0, lat=0.0), LonLat(lon=-2.99, lat=53.41)])
def test_ward_for_point_outside(db_session, point):
    assert ward_for_point(db_session, point) is None


@pytest.mark.parametrize("text, compact", [
    ("SE6 4RU", "SE64RU"), ("se64ru", "SE64RU"), ("  se6   4ru ", "SE64RU"), ("se6\t4ru\n", "SE64RU"),
    ("SW1A 1AA", "SW1A1AA"), ("M1 1AE", "M11AE"),
])
def test_normalise_postcode(text, compact):
    assert normalise_postcode(text) == compact


@pytest.mark.parametrize("text, compact", [
    ("SE6 4RU", "SE64RU"), ("12 Rushey Green, London se6 4ru", "SE64RU"), ("Rushey Green SE64RU, Lewisham", "SE64RU"),
    ("Flat 2, 1 Brownhill Road, SE6 2EJ (by the shop)", "SE62EJ"), ("from BR1 4BY to SE6 4RU", "SE64RU"),
    ("12 Rushey Green, Catford", None), ("", None), (None, None), ("SE6", None), ("ASE6 4RU", None),
    ("SE6 4RUX", None), ("Flat 2A, 1 Foo Road", None),
])
def test_postcode_in_text(text, compact):
    assert postcode_in_text(text) == compact


@pytest.mark.parametrize("text", ["", None, "SE6", "64RU SE", "SE6 4RU'; DROP TABLE postcodes;--",
                                  "<script>", "SE6 4RUX", "12345"])
def test_malformed_postcodes_are_none(text, db_session):
    assert normalise_postcode(text) is None
    assert postcode_location(db_session, text) is None


def test_format_postcode():
    assert format_postcode("SE64RU") == "SE6 4RU"


@pytest.mark.parametrize("text", ["SE6 4RU", "se64ru", " se6  4RU "])
def test_postcode_location_normalises(db_session, text):
    found = postcode_location(db_session, text)
    assert (found.lon, found.lat) == pytest.approx((-0.020805, 51.445076), abs=1e-5)
    assert ward_for_point(db_session, found).name == "Rushey Green"


def test_unknown_but_well_formed_postcode_is_none(db_session):
    assert postcode_location(db_session, "SW1A 1AA") is None


def test_service_area_bounds_cover_lewisham(db_session):
    min_lon, min_lat, max_lon, max_lat = service_area_bounds(db_session)
    assert -0.08 < min_lon < max_lon < 0.05
    assert 51.40 < min_lat < max_lat < 51.50
    assert min_lon < CATFORD.lon < max_lon and min_lat < CATFORD.lat < max_lat
