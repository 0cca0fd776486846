"""Each report's hexagon, computed arithmetically, is the ST_Hexagon cell that covers it."""
import random

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
