"""The stored British National Grid point (reports.geom_bng), the box-and-date index, and the hotspot query
that relies on both."""
from datetime import timedelta

from sqlalchemy import func, select, text

from gis.hotspots import hotspots
from models import Report, Status

from .conftest import BROCKLEY, DAY, RUSHEY_GREEN, add_report


def _offset(lon: float, lat: float, east_m: float) -> str:
    """A point ``east_m`` metres east of (lon, lat): 1 degree of longitude is ~69.4 km at 51.44 N."""
    return f"POINT({lon + east_m / 69_400:.7f} {lat})"


def test_trigger_stores_the_grid_point_and_follows_a_moved_pin(db_session):
    report = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, DAY)
    expected = db_session.scalar(select(func.ST_AsText(func.ST_SnapToGrid(
        func.ST_Transform(Report.geom, 27700), 0.01))).where(Report.id == report.id))
    stored = db_session.scalar(select(func.ST_AsText(func.ST_SnapToGrid(Report.geom_bng, 0.01)))
                               .where(Report.id == report.id))
    assert stored == expected and stored.startswith("POINT(53")          # Catford: easting ~537,800
    assert db_session.scalar(select(func.ST_SRID(Report.geom_bng)).where(Report.id == report.id)) == 27700

    report.geom = f"SRID=4326;{BROCKLEY}"
    db_session.flush()
    db_session.expire(report)
    moved = db_session.scalar(select(func.ST_Distance(Report.geom_bng, func.ST_Transform(Report.geom, 27700)))
                              .where(Report.id == report.id))
    assert moved < 0.01
    assert report.ward.name == "Brockley"


def test_box_and_date_search_uses_the_two_column_index(db_session):
    """Street-zoom feeds filter by a box and a date; one GiST index answers both (no bitmap AND)."""
    sql = ("SELECT id FROM reports WHERE geom && ST_MakeEnvelope(-0.03, 51.44, -0.02, 51.45, 4326) "
           "AND created_at >= '2020-01-01'")
    # On a nearly empty test table the planner may as well take any index on created_at; take those away (in
    # a savepoint, so their locks go with it) and ask whether the GiST index answers the box and the date.
    with db_session.begin_nested() as nested:
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
        others = db_session.scalars(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'reports' AND indexdef LIKE '%created_at%' "
            "AND indexname <> 'ix_reports_geom_created'")).all()
        for name in others:
            db_session.execute(text(f'DROP INDEX "{name}"'))
        plan = "\n".join(row[0] for row in db_session.execute(text("EXPLAIN " + sql)))
        nested.rollback()
    assert "ix_reports_geom_created" in plan, plan
    assert "Index Cond: ((geom && " in plan and "created_at >=" in plan.split("Index Cond:")[1], plan


def test_hotspot_distances_are_metres_in_the_grid(db_session):
    """Chains 45 m apart cluster (eps 50 m); a point 55 m beyond the chain stays out; another category never
    joins; references come newest first and the centre lies in the ward."""
    lon, lat = -0.0214, 51.4442
    chain = [add_report(db_session, "fly_tipping", _offset(lon, lat, 45 * k), Status.NEW, DAY + timedelta(hours=k))
             for k in range(4)]
    add_report(db_session, "fly_tipping", _offset(lon, lat, 45 * 3 + 55), Status.NEW, DAY)
    add_report(db_session, "graffiti", _offset(lon, lat, 10), Status.NEW, DAY)
    spots = hotspots(db_session, DAY - timedelta(days=1), DAY + timedelta(days=1))
    assert len(spots) == 1
    spot = spots[0]
    assert spot.category_code == "fly_tipping" and spot.count == 4
    assert spot.references == [r.reference for r in sorted(chain, key=lambda r: r.id, reverse=True)]
    assert spot.ward_name == "Rushey Green"
    assert abs(spot.lon - (lon + 67.5 / 69_400)) < 0.0002 and abs(spot.lat - lat) < 0.0002


def test_hidden_and_unconfirmed_reports_make_no_hotspot(db_session):
    lon, lat = -0.0214, 51.4442
    made = [add_report(db_session, "fly_tipping", _offset(lon, lat, 10 * k), Status.NEW, DAY) for k in range(3)]
    made[0].hidden = True
    made[1].status = Status.UNCONFIRMED
    db_session.flush()
    assert hotspots(db_session, DAY - timedelta(days=1), DAY + timedelta(days=1)) == []
    made[0].hidden = False
    made[1].status = Status.NEW
    db_session.flush()
    assert [s.count for s in hotspots(db_session, DAY - timedelta(days=1), DAY + timedelta(days=1))] == [3]


def test_hotspot_limit_keeps_the_largest(db_session):
    lon, lat = -0.0214, 51.4442
    for k in range(5):
        add_report(db_session, "fly_tipping", _offset(lon, lat, 10 * k), Status.NEW, DAY)
    for k in range(3):
        add_report(db_session, "graffiti", _offset(lon, lat, 10 * k), Status.NEW, DAY)
    spots = hotspots(db_session, DAY - timedelta(days=1), DAY + timedelta(days=1), limit=1)
    assert [(s.category_code, s.count) for s in spots] == [("fly_tipping", 5)]


def test_a_large_hotspot_lists_its_newest_references_and_counts_them_all(db_session):
    lon, lat = -0.0214, 51.4442
    made = [add_report(db_session, "fly_tipping", _offset(lon, lat, 2 * k), Status.NEW, DAY) for k in range(25)]
    [spot] = hotspots(db_session, DAY - timedelta(days=1), DAY + timedelta(days=1))
    assert spot.count == 25
    assert spot.references == [r.reference for r in sorted(made, key=lambda r: r.id, reverse=True)][:20]
    [one] = hotspots(db_session, DAY - timedelta(days=1), DAY + timedelta(days=1), references=3)
    assert one.references == spot.references[:3] and one.count == 25
