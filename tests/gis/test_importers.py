import json

import pytest
from sqlalchemy import func, select, text

from gis.coords import LonLat
from gis.importers import ImportFailed, clean, import_wards, read_wards
from gis.queries import ward_for_point
from models import Ward
from portal.services import demo

LIVERPOOL_POINTS = {  # landmark: (point, ward), checked against the source file in British National Grid
    "Anfield stadium": (LonLat(lon=-2.9608, lat=53.4308), "Anfield"),
    "Goodison Park": (LonLat(lon=-2.9664, lat=53.4388), "County"),
    "Town Hall": (LonLat(lon=-2.9917, lat=53.4075), "City Centre North"),
}


def liverpool_codes(path) -> list[str]:
    return [f["properties"]["wd23cd"].strip() for f in json.loads(path.read_text())["features"]]


def ward_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Ward))


def test_lewisham_wards_all_valid_in_4326(db_session):
    # The session fixture imported them; a re-import must update all 19 in place.
    summary = import_wards(db_session, demo.WARDS_FILE)
    assert (summary.created, summary.updated, summary.skipped) == (0, 19, [])
    rows = db_session.execute(text(
        "SELECT count(*), bool_and(ST_IsValid(geom)), min(ST_SRID(geom)), max(ST_SRID(geom)), "
        "bool_and(GeometryType(geom) = 'MULTIPOLYGON'), bool_and(area_km2 > 0.5 AND area_km2 < 5) FROM wards"
    )).one()
    assert rows == (19, True, 4326, 4326, True, True)
    codes = db_session.scalars(select(Ward.code)).all()
    assert all(c.startswith("E05") and c == c.strip() for c in codes)


def test_liverpool_bng_wards_are_cleaned_and_transformed(db_session, liverpool_file):
    before = ward_count(db_session)
    summary = import_wards(db_session, liverpool_file)
    assert (summary.created, summary.updated, summary.skipped) == (64, 0, [])
    assert ward_count(db_session) == before + 64
    liverpool = db_session.scalars(select(Ward).where(Ward.code.in_(liverpool_codes(liverpool_file)))).all()
    names = {w.name for w in liverpool}
    assert len(liverpool) == 64 and {"Anfield", "Aigburth", "County"} <= names
    assert all("\r" not in w.code and "\n" not in w.code and w.code == w.code.strip() for w in liverpool)
    assert all(len(w.code) == 9 for w in liverpool)
    extent = db_session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
        "(SELECT ST_Extent(geom) AS e FROM wards WHERE code = ANY(:codes)) s"),
        {"codes": [w.code for w in liverpool]}).one()
    min_lon, min_lat, max_lon, max_lat = extent
    assert -3.05 < min_lon < max_lon < -2.80, extent      # Liverpool, in degrees (not metres)
    assert 53.30 < min_lat < max_lat < 53.48, extent
    srids = set(db_session.scalars(text("SELECT DISTINCT ST_SRID(geom) FROM wards")))
    assert srids == {4326}
    assert db_session.scalar(text("SELECT bool_and(ST_IsValid(geom)) FROM wards"))


@pytest.mark.parametrize("landmark", sorted(LIVERPOOL_POINTS))
def test_liverpool_known_point_lands_in_the_right_ward(db_session, liverpool_file, landmark):
    import_wards(db_session, liverpool_file)
    point, ward = LIVERPOOL_POINTS[landmark]
    assert ward_for_point(db_session, point).name == ward


def test_reimport_updates_in_place(db_session, liverpool_file):
    import_wards(db_session, liverpool_file)
    ids = dict(db_session.execute(select(Ward.code, Ward.id)).all())
    summary = import_wards(db_session, liverpool_file)
    assert (summary.created, summary.updated) == (0, 64)
    assert dict(db_session.execute(select(Ward.code, Ward.id)).all()) == ids


def _write_collection(path, features, crs=None):
    collection = {"type": "FeatureCollection", "features": features}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection))
    return path


def _feature(props, coordinates):
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": coordinates}}


BOW_TIE = [[[1.0, 50.0], [1.01, 50.01], [1.01, 50.0], [1.0, 50.01], [1.0, 50.0]]]


def test_invalid_ring_is_repaired(db_session, tmp_path):
    path = _write_collection(tmp_path / "bowtie.geojson", [_feature({"code": " BOW1 ", "name": "Bow\r\nTie "}, BOW_TIE)])
    summary = import_wards(db_session, path)
    assert (summary.created, summary.repaired) == (1, 1)
    ward = db_session.scalars(select(Ward).where(Ward.code == "BOW1")).one()
    assert ward.name == "Bow Tie"
    valid, parts, kind = db_session.execute(text(
        "SELECT ST_IsValid(geom), ST_NumGeometries(geom), GeometryType(geom) FROM wards WHERE code = 'BOW1'")).one()
    assert (valid, parts, kind) == (True, 2, "MULTIPOLYGON")
    assert ward_for_point(db_session, LonLat(lon=1.002, lat=50.005)).code == "BOW1"


def test_feature_without_geometry_or_code_is_skipped(db_session, tmp_path):
    square = [[[1.0, 50.0], [1.0, 50.01], [1.01, 50.01], [1.01, 50.0], [1.0, 50.0]]]
    path = _write_collection(tmp_path / "gaps.geojson", [
        _feature({"code": "OK1", "name": "Fine"}, square),
        {"type": "Feature", "properties": {"code": "NOGEOM", "name": "Empty"}, "geometry": None},
        _feature({"code": "  ", "name": "No code"}, square),
    ])
    summary = import_wards(db_session, path)
    assert summary.created == 1 and len(summary.skipped) == 2
    assert "NOGEOM" in str(summary)


@pytest.mark.parametrize("content, message", [
    ("not json", "cannot read"),
    ('{"type": "FeatureCollection", "features": []}', "not a GeoJSON FeatureCollection"),
    ('[1, 2]', "not a GeoJSON FeatureCollection"),
])
def test_unreadable_files_are_refused(db_session, tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    before = ward_count(db_session)
    with pytest.raises(ImportFailed, match=message):
        import_wards(db_session, path)
    assert ward_count(db_session) == before


def test_unknown_property_names_say_what_the_file_has(liverpool_file):
    with pytest.raises(ImportFailed, match="'nope' not found.*wardname"):
        list(read_wards(liverpool_file, code_property="nope"))


def test_clean_trims_and_collapses_whitespace():
    assert clean(" E05015277\r\n") == "E05015277"
    assert clean("City  Centre\tNorth ") == "City Centre North"
    assert clean(None) == ""


def test_cli_imports_with_explicit_property_names(app, db_session, liverpool_file):
    before = ward_count(db_session)
    result = app.test_cli_runner().invoke(args=["wards", "import", str(liverpool_file),
                                                "--code-property", "wd23cd", "--name-property", "wardname"])
    assert result.exit_code == 0, result.output
    assert "64 created, 0 updated" in result.output
    assert ward_count(db_session) == before + 64
    assert db_session.scalars(select(Ward.name).where(Ward.code == "E05015277")).one() == "Aigburth"


def test_cli_uses_the_named_property_for_names(app, db_session, liverpool_file):
    # districtna is the same for every ward: proves the option is honoured, not guessed.
    result = app.test_cli_runner().invoke(args=["wards", "import", str(liverpool_file),
                                                "--code-property", "wd23cd", "--name-property", "districtna"])
    assert result.exit_code == 0, result.output
    codes = liverpool_codes(liverpool_file)
    assert set(db_session.scalars(select(Ward.name).where(Ward.code.in_(codes)))) == {"Liverpool"}


def test_cli_reports_a_missing_property_clearly(app, db_session, liverpool_file):
    before = ward_count(db_session)
    result = app.test_cli_runner().invoke(args=["wards", "import", str(liverpool_file), "--code-property", "WD22CD"])
    assert result.exit_code != 0
    assert "property 'WD22CD' not found" in result.output
    assert ward_count(db_session) == before
