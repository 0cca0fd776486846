"""Pages read the stored hotspots (the borough's and each ward's) while fresh, compute and store them when not;
the worker recomputes the current windows' lists and forgets old ones."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text

from gis.hotspots import hotspots
from models import Status, Ward
from portal.services.hotspots import MAX_AGE, public_hotspots, refresh_hotspots
from tests.gis.test_hotspots import SINCE, UNTIL, made, near, same  # noqa: F401  (the fixture)
from tests.maps.conftest import add_report

AT = UNTIL + timedelta(hours=1)


def rows(session):
    return session.execute(text("SELECT category_id, computed_at FROM hotspot_cache ORDER BY 1")).all()


def test_a_miss_computes_and_stores_then_readers_share_it(db_session, made):
    first = public_hotspots(db_session, SINCE, UNTIL, None, now=AT)
    assert first.computed_at == AT and same(first.spots, hotspots(db_session, SINCE, UNTIL))
    assert rows(db_session) == [(0, AT)]
    add_report(db_session, "fly_tipping", near(12), Status.NEW, SINCE + timedelta(days=60))
    later = public_hotspots(db_session, SINCE, UNTIL, None, now=AT + MAX_AGE)
    assert later.computed_at == AT and later.spots[0].count == 3        # still fresh enough
    past = public_hotspots(db_session, SINCE, UNTIL, None, now=AT + MAX_AGE + timedelta(seconds=1))
    assert past.computed_at == AT + MAX_AGE + timedelta(seconds=1) and past.spots[0].count == 4


def test_a_wards_hotspots_are_kept_apart_from_the_boroughs(db_session, made):
    rushey = db_session.scalars(select(Ward.id).where(Ward.name == "Rushey Green")).one()
    other = db_session.scalars(select(Ward.id).where(Ward.id != rushey).order_by(Ward.id)).first()
    spots = public_hotspots(db_session, SINCE, UNTIL, None, rushey, now=AT)
    assert spots.spots and same(spots.spots, hotspots(db_session, SINCE, UNTIL, None, rushey))
    assert public_hotspots(db_session, SINCE, UNTIL, None, other, now=AT).spots == []  # not Rushey Green's list
    assert same(public_hotspots(db_session, SINCE, UNTIL, None, now=AT).spots, hotspots(db_session, SINCE, UNTIL))
    kept = db_session.execute(text("SELECT ward_id FROM hotspot_cache ORDER BY ward_id")).scalars().all()
    assert kept == sorted([0, rushey, other])
    # Fresh enough: read as stored; a report hidden since takes the ward's list with it (the trigger).
    add_report(db_session, "fly_tipping", near(12), Status.NEW, SINCE + timedelta(days=60))
    assert public_hotspots(db_session, SINCE, UNTIL, None, rushey, now=AT + MAX_AGE).spots[0].count == 3
    db_session.execute(text("UPDATE reports SET hidden = true WHERE id = :id"), {"id": made["middle"].id})
    assert db_session.execute(text("SELECT count(*) FROM hotspot_cache WHERE ward_id = :w"),
                              {"w": rushey}).scalar() == 0
    again = public_hotspots(db_session, SINCE, UNTIL, None, rushey, now=AT + timedelta(minutes=1))
    assert again.computed_at == AT + timedelta(minutes=1)
    assert same(again.spots, hotspots(db_session, SINCE, UNTIL, None, rushey))
    # The worker refreshes a ward's list like the borough's.
    assert refresh_hotspots(db_session, now=AT + timedelta(minutes=4)) >= 1
    assert db_session.execute(text("SELECT computed_at FROM hotspot_cache WHERE ward_id = :w"),
                              {"w": rushey}).scalar() == AT + timedelta(minutes=4)


def test_the_worker_recomputes_current_windows_and_forgets_old_lists(db_session, made):
    public_hotspots(db_session, SINCE, UNTIL, None, now=AT)
    old_window = public_hotspots(db_session, SINCE - timedelta(days=30), UNTIL - timedelta(days=30), None, now=AT)
    assert same(old_window.spots, hotspots(db_session, SINCE - timedelta(days=30), UNTIL - timedelta(days=30)))
    assert refresh_hotspots(db_session, now=AT + timedelta(minutes=1)) == 0          # nothing stale yet
    assert refresh_hotspots(db_session, now=AT + timedelta(minutes=3)) == 1          # the current window only
    computed = db_session.execute(text("SELECT until, computed_at FROM hotspot_cache ORDER BY until")).all()
    assert computed == [(UNTIL - timedelta(days=30), AT), (UNTIL, AT + timedelta(minutes=3))]
    refresh_hotspots(db_session, now=AT + timedelta(days=1, minutes=1))           # a day on: the old one goes
    assert db_session.execute(text("SELECT until FROM hotspot_cache")).scalars().all() == [UNTIL]
