"""Reading a body's boundary from GeoJSON as people export it; anything that is not polygons in degrees (or in a
declared coordinate system) is refused with a message in the file's terms."""
import json

import pytest
from shapely.geometry import MultiPolygon

from gis.boundaries import MAX_VERTICES, InvalidBoundary, read_boundary

from ..bodies_helpers import bow_tie, square


def test_a_polygon_a_feature_and_a_collection_are_read_as_one_multipolygon():
    polygon = square()
    for doc, parts, west in [(polygon, 1, -0.0225), ({"type": "Feature", "properties": {}, "geometry": polygon}, 1, -0.0225),
                             ({"type": "FeatureCollection", "features": [
                                 {"type": "Feature", "geometry": polygon},
                                 {"type": "Feature", "geometry": {"type": "MultiPolygon",
                                                                  "coordinates": [square(half=0.01)["coordinates"]]}}]},
                              2, -0.0305)]:
        shape = read_boundary(json.dumps(doc))
        assert isinstance(shape, MultiPolygon) and len(shape.geoms) == parts
        assert shape.bounds[0] == pytest.approx(west)


def test_british_national_grid_is_transformed_to_degrees():
    # Lewisham town hall is about (537900, 173900) in EPSG:27700.
    x, y = 537900, 173900
    doc = {"type": "Polygon", "crs": {"type": "name", "properties": {"name": "EPSG:27700"}},
           "coordinates": [[[x - 100, y - 100], [x + 100, y - 100], [x + 100, y + 100], [x - 100, y + 100],
                            [x - 100, y - 100]]]}
    doc = {"type": "FeatureCollection", "crs": doc.pop("crs"), "features": [{"type": "Feature", "geometry": doc}]}
    lon, lat = read_boundary(json.dumps(doc)).centroid.coords[0]
    assert -0.03 < lon < -0.01 and 51.43 < lat < 51.46


def test_an_invalid_polygon_is_read_as_it_is_for_postgis_to_judge():
    assert not read_boundary(json.dumps(bow_tie())).is_valid


@pytest.mark.parametrize(("text", "message"), [
    ("", "not GeoJSON"), ("{", "not GeoJSON"), ("[1, 2]", "not GeoJSON"), ('"polygon"', "not GeoJSON"),
    ("[" * 100_000 + "]" * 100_000, "not GeoJSON"),
    (json.dumps({"type": "Point", "coordinates": [0, 51]}), "a Point: a boundary is made of polygons only"),
    (json.dumps({"type": "LineString", "coordinates": [[0, 51], [1, 52]]}), "polygons only"),
    (json.dumps({"type": "FeatureCollection", "features": []}), "no features"),
    (json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature"}]}), "Feature 1 has no geometry"),
    (json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}), "at least four"),
    (json.dumps({"type": "Polygon", "coordinates": "<script>"}), "not a polygon we can read"),
    (json.dumps({"type": "Polygon", "coordinates": []}), "empty"),
    (json.dumps({"type": "Polygon", "coordinates": [[[530000, 170000], [531000, 170000], [531000, 171000],
                                                     [530000, 170000]]]}), "not longitude and latitude"),
    (json.dumps({"type": "Polygon", "crs": {"type": "name", "properties": {"name": "EPSG:999999"}},
                 "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}), "coordinate system we do not know"),
])
def test_what_is_not_a_boundary_is_refused_clearly(text, message):
    with pytest.raises(InvalidBoundary, match=message):
        read_boundary(text)


def test_a_huge_boundary_is_refused():
    ring = [[-0.02 + i * 1e-7, 51.44] for i in range(MAX_VERTICES)] + [[-0.02, 51.45], [-0.02, 51.44]]
    with pytest.raises(InvalidBoundary, match="simplify"):
        read_boundary(json.dumps({"type": "Polygon", "coordinates": [ring]}))
