"""`flask areas import` on hand-made files: areas with deprivation and population, ward shares from a lookup or
from where an area lies; re-importing updates in place; bad files say why and write nothing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from gis.areas import import_areas
from gis.importers import ImportFailed

#: Two ~70 × 55 m squares around Catford town hall (Rushey Green ward), WGS84.
SQUARES = {"E01000001": (-0.0215, 51.4445, -0.0205, 51.4452), "E01000002": (-0.0205, 51.4445, -0.0195, 51.4452)}


def square(west, south, east, north) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north],
                                                [west, south]]]}


def write_files(folder: Path, *, deciles=(1, 9), populations=(1000, 2000), lookup_rows=None,
                extra_feature=False) -> dict[str, Path]:
    features = [{"type": "Feature", "properties": {"LSOA11CD": code, "LSOA11NM": f"Test {code[-1]}"},
                 "geometry": square(*box)} for code, box in SQUARES.items()]
    if extra_feature:
        features.append({"type": "Feature", "properties": {"LSOA11CD": "E01000009", "LSOA11NM": "No data"},
                         "geometry": square(-0.0195, 51.4445, -0.0190, 51.4452)})
    files = {"boundaries": folder / "areas.geojson", "deprivation": folder / "imd.csv",
             "population": folder / "pop.csv", "lookup": folder / "lookup.csv"}
    files["boundaries"].write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    files["deprivation"].write_text("lsoa11cd,lsoa11nm,imd_score,imd_rank,imd_decile\n" + "".join(
        f"{code},x,{40 - 30 * (d > 5)},{d * 3000},{d}\n" for code, d in zip(SQUARES, deciles)))
    files["population"].write_text("lsoa11cd,pop_mid2020\n" + "".join(
        f"{code},{n}\n" for code, n in zip(SQUARES, populations)))
    rows = lookup_rows if lookup_rows is not None else [
        ("2011", "E01000001", "E05013730", "0.75"), ("2011", "E01000001", "E05013724", "0.25"),
        ("2021", "E01000001", "E05013730", ""), ("2011", "E01000002", "E05013730", "1.0")]
    files["lookup"].write_text("lsoa_vintage,lsoa_cd,wd22cd,pop_share_mid2020\n" + "".join(
        ",".join(r) + "\n" for r in rows))
    return files


def areas(db_session) -> list[tuple]:
    return db_session.execute(text("SELECT code, name, imd_decile, imd_score, imd_rank, population FROM areas "
                                   "ORDER BY code")).all()


def shares(db_session) -> list[tuple]:
    return db_session.execute(text("SELECT a.code, w.code, aw.pop_share FROM area_wards aw JOIN areas a "
                                   "ON a.id = aw.area_id JOIN wards w ON w.id = aw.ward_id ORDER BY 1, 2")).all()


def test_import_and_reimport(db_session, tmp_path):
    files = write_files(tmp_path, extra_feature=True)
    summary = import_areas(db_session, **files)
    assert (summary.created, summary.updated, summary.ward_links) == (2, 0, 3)
    assert summary.skipped == ["E01000009: not in the deprivation file"]
    assert areas(db_session) == [("E01000001", "Test 1", 1, 40.0, 3000, 1000),
                                 ("E01000002", "Test 2", 9, 10.0, 27000, 2000)]
    assert shares(db_session) == [("E01000001", "E05013724", 0.25), ("E01000001", "E05013730", 0.75),
                                  ("E01000002", "E05013730", 1.0)]
    files = write_files(tmp_path, deciles=(2, 9), populations=(1100, 2000),
                        lookup_rows=[("2011", "E01000001", "E05013730", "1.0"), ("2011", "E01000002", "E05013730", "1.0")])
    again = import_areas(db_session, **files)
    assert (again.created, again.updated) == (0, 2)
    assert areas(db_session)[0][2::3] == (2, 1100)
    assert shares(db_session) == [("E01000001", "E05013730", 1.0), ("E01000002", "E05013730", 1.0)]


def test_without_a_lookup_each_area_goes_to_the_ward_it_lies_in(db_session, tmp_path):
    files = write_files(tmp_path)
    files["lookup"] = None
    summary = import_areas(db_session, **files)
    assert summary.placed_by_point == 2
    assert [(a, w, s) for a, w, s in shares(db_session)] == [("E01000001", "E05013730", 1.0),
                                                              ("E01000002", "E05013730", 1.0)]


@pytest.mark.parametrize(("which", "content", "message"), [
    ("deprivation", "code,score\nE01000001,3\n", "no imd_decile column"),
    ("deprivation", "lsoa11cd,imd_decile\nE01000001,11\nE01000002,zero\n", "no row with a deprivation decile"),
    ("population", "lsoa11cd,people\nE01000001,3\n", "no population column"),
    ("lookup", "lsoa_cd,ward\nE01000001,x\n", "no ward code column"),
    ("boundaries", "not json", "cannot read"),
    ("boundaries", '{"type": "FeatureCollection", "features": []}', "not a GeoJSON FeatureCollection with features"),
])
def test_bad_files_say_why_and_write_nothing(db_session, tmp_path, which, content, message):
    files = write_files(tmp_path)
    files[which].write_text(content)
    with pytest.raises(ImportFailed, match=message):
        import_areas(db_session, **files)
    assert areas(db_session) == []


def test_command_imports_the_demo_files_idempotently(app, db_session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["areas", "import"])
    assert first.exit_code == 0, first.output
    assert "169 created" in first.output
    total = db_session.execute(text("SELECT sum(population), count(DISTINCT imd_decile) FROM areas")).one()
    assert total == (305_309, 8)          # the borough's mid-2020 population; deciles 1 to 8 (data README)
    again = runner.invoke(args=["areas", "import"])
    assert again.exit_code == 0 and "0 created, 169 updated" in again.output
    skipped = runner.invoke(args=["areas", "import", "--if-empty"])
    assert "already loaded" in skipped.output
    bad = runner.invoke(args=["areas", "import", "--deprivation", str(app.root_path)])
    assert bad.exit_code != 0
