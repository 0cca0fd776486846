import math

import pytest
from pyproj import Transformer

from gis.coords import InvalidCoordinates, LonLat, os_grid_reference, parse_lat_lon

_FROM_BNG = Transformer.from_crs(27700, 4326, always_xy=True)


def test_parses_decimal_degrees_and_trims():
    assert parse_lat_lon(" 51.4452 ", "-0.0205") == LonLat(lon=-0.0205, lat=51.4452)


def test_rounds_to_about_a_centimetre():
    point = parse_lat_lon("51.123456789", "-0.123456789")
    assert point == LonLat(lon=-0.1234568, lat=51.1234568)


@pytest.mark.parametrize("lat, lon, message", [
    (None, "-0.02", "Enter a latitude"),
    ("", "-0.02", "Enter a latitude"),
    ("51.4", "   ", "Enter a longitude"),
    ("abc", "-0.02", "latitude must be a number"),
    ("51.4", "1,5", "longitude must be a number"),
    ("51.4", "0x10", "longitude must be a number"),
    ("\uff15\uff11.\uff14", "-0.02", "latitude must be a number"),       # full-width digits: float() reads them
    ("\u0665\u0661.\u0664", "-0.02", "latitude must be a number"),       # Arabic-Indic digits
    ("51.4", "-0_02", "longitude must be a number"),                       # float() reads "_" between digits
    ("NaN", "-0.02", "latitude must be a real number"),
    ("51.4", "nan", "longitude must be a real number"),
    ("inf", "-0.02", "latitude must be a real number"),
    ("51.4", "-Infinity", "longitude must be a real number"),
    ("1e400", "-0.02", "latitude must be a real number"),
    ("90.0001", "0", "between -90 and 90"),
    ("-91", "0", "between -90 and 90"),
    ("51.4", "180.5", "between -180 and 180"),
    ("51.4", "-181", "between -180 and 180"),
    ("5" * 40, "0", "too long"),
])
def test_bad_coordinates_are_refused_with_a_message(lat, lon, message):
    with pytest.raises(InvalidCoordinates, match=message):
        parse_lat_lon(lat, lon)


def test_limits_are_inclusive():
    assert parse_lat_lon("-90", "180") == LonLat(lon=180.0, lat=-90.0)


def test_ewkt_is_lon_first():
    assert LonLat(lon=-0.02, lat=51.4).ewkt == "SRID=4326;POINT(-0.02 51.4)"


@pytest.mark.parametrize("easting, northing, expected", [
    (216666.5, 771288.5, "NN 16666 71288"),      # Ben Nevis summit
    (537641.5, 173645.5, "TQ 37641 73645"),      # SE6 4RU, Catford
    (651409.5, 313177.5, "TG 51409 13177"),      # the OS's worked example
])
def test_os_grid_reference_of_known_points(easting, northing, expected):
    lon, lat = _FROM_BNG.transform(easting, northing)
    assert os_grid_reference(LonLat(lon=lon, lat=lat)) == expected


def test_os_grid_reference_precision():
    lon, lat = _FROM_BNG.transform(216666.5, 771288.5)
    assert os_grid_reference(LonLat(lon=lon, lat=lat), digits=6) == "NN 166 712"


def test_os_grid_reference_of_catford():
    # Independent of our transformer: the OS grid reference of Catford's town hall area.
    assert os_grid_reference(LonLat(lon=-0.0205, lat=51.4452)).startswith("TQ 376")


def test_point_off_the_national_grid_is_refused():
    with pytest.raises(InvalidCoordinates, match="outside the Ordnance Survey national grid"):
        os_grid_reference(LonLat(lon=20.0, lat=10.0))


def test_numbers_are_read_from_ascii_digits_only():
    from gis.coords import ascii_float
    assert ascii_float(" -0.0205 ") == -0.0205 and ascii_float("1e-3") == 0.001
    for text in ("\uff15\uff11.4", "\u0665\u0661.4", "5_1.4", "51.4\u00b2", ""):
        with pytest.raises(ValueError):
            ascii_float(text)


def test_many_points_go_to_the_national_grid_as_one_at_a_time_would():
    from gis.coords import to_bng, to_bng_many
    points = [LonLat(lon=-0.0205 + i / 1000, lat=51.4452 - i / 2000) for i in range(5)]
    assert to_bng_many(points) == [to_bng(p) for p in points]
    assert to_bng_many([]) == []
