"""Each report's hexagon, computed arithmetically, is the ST_Hexagon cell that covers it."""
import random

import pytest

from sqlalchemy import text

from gis.hexagons import hex_cell


def test_cells_match_postgis_hexagons(db_session):
    rng = random.Random(3)
    points = [(rng.uniform(530000, 545000), rng.uniform(170000, 180000)) for _ in range(300)]
    points += [(0.0, 0.0), (-375.0, 216.50635094610965), (1.5, 0.866)]
    for size in (250, 100):
        for x, y in points:
            i, j = hex_cell(x, y, size)
            covered = db_session.execute(text(
                "SELECT ST_Covers(ST_Hexagon(:s, :i, :j), ST_MakePoint(:x, :y))"),
                {"s": size, "i": i, "j": j, "x": x, "y": y}).scalar()
            assert covered, (x, y, size, i, j)


def test_hexagon_ward_is_the_ward_at_its_centre(client, known_reports):
    cells = client.get("/api/hexagons?start=2020-03-01&end=2020-03-31").get_json()["features"]
    assert {f["properties"]["ward"] for f in cells} == {"Rushey Green", "Brockley"}


def test_database_cells_match_python_cells(db_session):
    rng = random.Random(5)
    for _ in range(200):
        lon, lat = rng.uniform(-0.08, 0.04), rng.uniform(51.41, 51.49)
        x, y, cell = db_session.execute(text(
            "SELECT ST_X(t), ST_Y(t), kerbside_hex_cell(p) FROM (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) p) a,"
            " LATERAL (SELECT ST_Transform(a.p, 27700) t) b"), {"lon": lon, "lat": lat}).one()
        assert tuple(cell) == hex_cell(x, y, 250)


@pytest.mark.parametrize("status", ["open", "fixed", "all"])
def test_summary_and_live_hexagons_agree(db_session, known_reports, status):
    from gis.explore import report_conditions
    from gis.hexagons import hexagon_counts, hexagon_counts_summary
    from gis.performance import Period
    from portal.maps.filters import STATUS_CHOICES
    from portal.services.visibility import visible_to
    from datetime import date
    march = Period(date(2020, 3, 1), date(2020, 3, 31))
    live = hexagon_counts(db_session, report_conditions(visible_to(None), march, statuses=STATUS_CHOICES[status]))
    if status == "all":
        assert [(c.i, c.j, c.count) for c in hexagon_counts_summary(db_session, march)] == \
            [(c.i, c.j, c.count) for c in live]
    assert sum(c.count for c in live) == {"open": 2, "fixed": 6, "all": 9}[status]
