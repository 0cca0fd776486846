"""The stored borough-wide hotspot lists are the direct computation as of when they were made, on hand-made
reports: at the window's edges, hidden and unconfirmed ones, status changes, a report moved or hidden after the
list was stored, one made since."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from gis.hotspots import forget_hotspots, hotspots, store_hotspots, stored_hotspots, stored_windows
from models import Category, Status
from portal.services.moderation import set_hidden
from portal.services.reports import change_status
from tests.maps.conftest import add_report

SINCE = datetime(2020, 1, 1, tzinfo=timezone.utc)
UNTIL = SINCE + timedelta(days=90)
AT = UNTIL + timedelta(hours=1)
LON, LAT = -0.0214, 51.4442


def near(east_m: float) -> str:
    return f"POINT({LON + east_m / 69_400:.7f} {LAT})"


@pytest.fixture()
def made(db_session):
    """Fly tipping within 10 m of each other: one made at the window's first instant, one at its last, one in
    the middle, one at its end (outside) and one a second before it (outside); one hidden and one unconfirmed
    among them. Graffiti: three in a row, 20 m apart, in the middle of the window."""
    out = {
        "first": add_report(db_session, "fly_tipping", near(0), Status.NEW, SINCE),
        "last": add_report(db_session, "fly_tipping", near(10), Status.FIXED, UNTIL - timedelta(microseconds=1)),
        "middle": add_report(db_session, "fly_tipping", near(20), Status.NEW, SINCE + timedelta(days=40)),
        "after": add_report(db_session, "fly_tipping", near(5), Status.NEW, UNTIL),
        "before": add_report(db_session, "fly_tipping", near(15), Status.NEW, SINCE - timedelta(seconds=1)),
        "hidden": add_report(db_session, "fly_tipping", near(25), Status.NEW, SINCE + timedelta(days=3)),
        "unconfirmed": add_report(db_session, "fly_tipping", near(30), Status.UNCONFIRMED, SINCE + timedelta(days=3)),
    }
    out["hidden"].hidden = True
    for k in range(3):
        out[f"graffiti{k}"] = add_report(db_session, "graffiti", near(500 + 20 * k), Status.NEW,
                                         SINCE + timedelta(days=50))
    db_session.flush()
    return out


def same(stored_spots, direct_spots) -> bool:
    """Equal hotspots; centres to a millimetre (a mean of floats varies in its last digits with the order)."""
    def key(spots):
        return [(s.category_code, s.category_name, s.count, s.references, s.ward_code, s.ward_name,
                 round(s.lon, 8), round(s.lat, 8)) for s in spots]
    return len(stored_spots) == len(direct_spots) and all(
        a[:6] == b[:6] and abs(a[6] - b[6]) < 1e-7 and abs(a[7] - b[7]) < 1e-7
        for a, b in zip(key(stored_spots), key(direct_spots)))


def category(session, code):
    return session.scalars(select(Category.id).where(Category.code == code)).one()


def stored(session, category_id=None):
    return stored_hotspots(session, SINCE, UNTIL, category_id, AT - timedelta(minutes=5))


def test_stored_lists_are_the_direct_computation(db_session, made):
    fly = category(db_session, "fly_tipping")
    for category_id in (None, fly):
        kept = store_hotspots(db_session, SINCE, UNTIL, category_id, AT)
        assert stored(db_session, category_id).spots == kept.spots
        assert same(kept.spots, hotspots(db_session, SINCE, UNTIL, category_id))
        assert stored(db_session, category_id).computed_at == AT
    spots = stored(db_session).spots
    assert [(s.category_code, s.count) for s in spots] == [("fly_tipping", 3), ("graffiti", 3)]
    assert spots[0].references == [made[k].reference for k in ("middle", "last", "first")]   # newest id first
    assert spots[0].ward_name == "Rushey Green"
    assert [s.category_code for s in stored(db_session, fly).spots] == ["fly_tipping"]


def test_the_comparison_can_fail(db_session, made):
    spots = hotspots(db_session, SINCE, UNTIL)
    assert not same(spots[:1], spots) and not same(spots[::-1], spots)


def test_a_status_change_among_public_ones_changes_nothing(db_session, made):
    store_hotspots(db_session, SINCE, UNTIL, None, AT)
    change_status(db_session, made["first"], Status.INVESTIGATING, None)
    assert same(stored(db_session).spots, hotspots(db_session, SINCE, UNTIL))


@pytest.mark.parametrize("change", ["hide", "withdraw", "move", "recategorise", "delete"])
def test_a_report_leaving_a_stored_list_drops_the_list_at_once(db_session, made, change):
    store_hotspots(db_session, SINCE, UNTIL, None, AT)
    fly = category(db_session, "fly_tipping")
    store_hotspots(db_session, SINCE, UNTIL, fly, AT)
    graffiti = category(db_session, "graffiti")
    store_hotspots(db_session, SINCE, UNTIL, graffiti, AT)
    report = made["middle"]
    if change == "hide":
        set_hidden(db_session, report, None, True, "personal details")
    elif change == "withdraw":
        db_session.execute(text("UPDATE reports SET status = 'unconfirmed' WHERE id = :id"), {"id": report.id})
    elif change == "move":
        report.geom = f"SRID=4326;{near(2000)}"
    elif change == "recategorise":
        report.category_id = category(db_session, "pothole")
    else:
        db_session.delete(report)
    db_session.flush()
    assert stored(db_session) is None and stored(db_session, fly) is None
    assert stored(db_session, graffiti) is not None                     # another category's list stays
    again = store_hotspots(db_session, SINCE, UNTIL, None, AT)
    assert same(again.spots, hotspots(db_session, SINCE, UNTIL))
    assert [s.category_code for s in again.spots] == ["graffiti"]       # two fly-tips left: no hotspot


def test_a_change_outside_the_window_keeps_the_list(db_session, made):
    store_hotspots(db_session, SINCE, UNTIL, None, AT)
    set_hidden(db_session, made["after"], None, True, "personal details")
    assert stored(db_session) is not None


def test_a_report_made_since_waits_for_the_next_computation(db_session, made):
    store_hotspots(db_session, SINCE, UNTIL, None, AT)
    add_report(db_session, "fly_tipping", near(12), Status.NEW, SINCE + timedelta(days=60))
    assert stored(db_session).spots[0].count == 3                       # as of AT
    assert hotspots(db_session, SINCE, UNTIL)[0].count == 4
    assert store_hotspots(db_session, SINCE, UNTIL, None, AT + timedelta(minutes=2)).spots[0].count == 4


def test_old_lists_are_not_read_and_can_be_forgotten(db_session, made):
    store_hotspots(db_session, SINCE, UNTIL, None, AT - timedelta(minutes=6))
    assert stored(db_session) is None                                   # older than asked
    assert stored_windows(db_session, AT, UNTIL - timedelta(days=2)) == [(0, SINCE, UNTIL, 0)]
    assert stored_windows(db_session, AT, UNTIL) == []                  # the window ended before that
    assert forget_hotspots(db_session, AT - timedelta(minutes=7)) == 0
    assert forget_hotspots(db_session, AT) == 1
