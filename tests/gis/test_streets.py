"""Street names: the shipped OpenStreetMap extract is loaded in the test database (tests/conftest.py)."""
import pytest
from sqlalchemy import func, select

from gis.importers import ImportFailed
from gis.streets import find_places, find_street, import_streets, read_streets, street_in_address, street_key
from models import Street
from portal.services import demo


def test_street_key_folds_case_spaces_and_punctuation():
    assert street_key("  St. Mary's   ROAD ") == "st marys road"


def test_find_street_whole_name_first_with_a_point_in_the_borough(db_session):
    matches = find_street(db_session, "abbotshall road")
    assert matches and matches[0].name == "Abbotshall Road"
    assert 51.40 < matches[0].point.lat < 51.50 and -0.07 < matches[0].point.lon < 0.04
    assert len({m.name for m in matches}) == len(matches)           # one point per street


def test_find_street_prefix_and_nothing_for_short_or_unknown_text(db_session):
    found = find_street(db_session, "Brockl")
    assert found and all("brockl" in m.name.lower() for m in found)
    assert find_street(db_session, "ab") == []
    assert find_street(db_session, "Nowhere Street Zzz") == []
    assert find_street(db_session, "%_%") == []                     # LIKE wildcards are literal


def test_find_places_postcode_or_street(db_session):
    [place] = find_places(db_session, "se6 4ru")
    assert place.kind == "postcode" and place.label == "SE6 4RU"
    assert find_places(db_session, "ZZ9 9ZZ") == []
    assert {p.kind for p in find_places(db_session, "Abbotshall")} == {"street"}


def test_footways_and_service_roads_are_left_out(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("name,osm_highway,lat,lon\nA Path,footway,51.44,-0.02\nA Road,residential,51.44,-0.02\n"
                    "No Point,residential,,\nFar,residential,95,0\n")
    assert [r[0] for r in read_streets(path)] == ["A Road"]


def test_import_is_idempotent_and_adds_only_new_rows(db_session, tmp_path):
    before = db_session.scalar(select(func.count()).select_from(Street))
    assert import_streets(db_session, demo.STREETS_FILE).created == 0       # already loaded
    path = tmp_path / "more.csv"
    path.write_text("name,easting,northing\nKerbside Test Lane,537700,174000\n")
    assert import_streets(db_session, path).created == 1
    assert import_streets(db_session, path).created == 0
    assert db_session.scalar(select(func.count()).select_from(Street)) == before + 1
    [match] = find_street(db_session, "kerbside test lane")
    assert 51.4 < match.point.lat < 51.5


def test_a_file_without_names_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("street,lat,lon\nX,51,0\n")
    with pytest.raises(ImportFailed):
        list(read_streets(path))


@pytest.mark.parametrize("address", ["12 Rushey Green, Catford", "12a Rushey Green", "No. 12 rushey  green",
                                     "Outside the shops, 10-12 Rushey Green, London SE6", "RUSHEY GREEN"])
def test_the_street_a_written_address_names(db_session, address):
    found = street_in_address(db_session, address)
    assert found is not None and found.name == "Rushey Green", address


@pytest.mark.parametrize("address", ["Outside the library", "12 Rushey, Catford", "", "12", ",,,,",
                                     "%_%, 12 %", "x" * 5000, "a, " * 6 + "Rushey Green"])
def test_a_written_address_without_a_whole_street_name_places_nothing(db_session, address):
    assert street_in_address(db_session, address) is None, address


def test_demo_prepare_brings_street_names_to_a_database_made_before_them(app, db_session, monkeypatch):
    """`make run` loads the demo only into an empty database: a database made before street names were shipped
    never had them, and street search (and Open311's address_string example) found nothing. `demo prepare`
    imports them when the table is empty, and leaves it alone when it is not."""
    from sqlalchemy import text
    from portal.services import demo
    runner = app.test_cli_runner()
    kept = runner.invoke(args=["streets", "import", "--if-empty", str(demo.STREETS_FILE)])
    assert kept.exit_code == 0 and "already loaded" in kept.output
    db_session.execute(text("DELETE FROM streets"))
    db_session.commit()
    made = runner.invoke(args=["streets", "import", "--if-empty", str(demo.STREETS_FILE)])
    assert made.exit_code == 0, made.output
    assert db_session.execute(text("SELECT count(*) FROM streets")).scalar() > 1000
