"""Fairness figures on hand-made areas with known answers: reports per 1,000 residents (a ward's residents
shared out by the lookup), exact median time to fix and share within target over fixed reports only; open,
reopened, closed-without-fix, hidden, unconfirmed and out-of-period reports each counted as defined."""
from datetime import date, datetime, timedelta, timezone

import pytest

from gis.areas import import_areas
from gis.coords import LonLat
from gis.fairness import fairness, store_figures, stored_fairness, window
from models import Status

from .test_areas import write_files

IN_A = LonLat(lon=-0.0210, lat=51.4448)      # decile 1, 1,000 residents (75% in Rushey Green, 25% Hither Green)
IN_B = LonLat(lon=-0.0200, lat=51.4448)      # decile 9, 2,000 residents, all in Rushey Green
SINCE, UNTIL = datetime(2024, 1, 1), datetime(2025, 1, 1)


@pytest.fixture()
def world(db_session, tmp_path, add_report):
    import_areas(db_session, **write_files(tmp_path))
    start = datetime(2024, 3, 1, 8)
    for hours in range(1, 13):                                   # 12 fixed within 48 h
        add_report(IN_A, status=Status.FIXED, created=start, fixed=start + timedelta(hours=hours))
    add_report(IN_A, status=Status.FIXED, created=start, fixed=start + timedelta(hours=100))    # late
    add_report(IN_A, created=start)                                                             # open
    add_report(IN_A, status=Status.REOPENED, created=start)                                     # reopened: open
    add_report(IN_A, status=Status.CLOSED, created=start)                                       # closed, no fix
    for hours in (10, 20, 30):
        add_report(IN_B, status=Status.FIXED, created=start, fixed=start + timedelta(hours=hours))
    add_report(IN_B, created=start, hidden=True)                                                # never public
    add_report(IN_B, status=Status.UNCONFIRMED, created=start)                                  # not yet public
    add_report(IN_B, status=Status.FIXED, created=datetime(2023, 6, 1), fixed=datetime(2023, 6, 2))  # before
    return fairness(db_session, SINCE, UNTIL)


def by_label(groups, label):
    return next(g for g in groups if g.label.startswith(label))


def test_deciles(world):
    assert [g.key for g in world.deciles] == [1, 9]
    a, b = world.deciles
    assert (a.residents, a.reported, a.fixed, a.fixed_within) == (1000, 16, 13, 12)
    assert a.per_1000 == 16.0
    assert a.median == 7.0                                    # median of 1..12 h and 100 h
    assert a.within_target == 12 / 13
    assert (b.residents, b.reported, b.fixed, b.fixed_within) == (2000, 3, 3, 3)
    assert b.per_1000 == 1.5
    assert b.median_hours == 20.0 and b.median is None and b.within_target is None   # too few to say


def test_wards_share_residents_by_the_lookup(world):
    rushey, hither = by_label(world.wards, "Rushey Green"), by_label(world.wards, "Hither Green")
    assert rushey.residents == 2750 and hither.residents == 250
    assert rushey.reported == 19 and rushey.per_1000 == pytest.approx(19 / 2750 * 1000)
    assert (rushey.fixed, rushey.fixed_within) == (16, 15)
    assert rushey.median == 8.5                  # 16 values 1..9, 10, 10, 11, 12, 20, 30, 100: (8 + 9) / 2
    assert rushey.imd_score == pytest.approx(18.2)            # (750 × 40 + 2,000 × 10) / 2,750
    assert hither.reported == 0 and hither.per_1000 == 0
    assert world.wards[0].label == "Hither Green"             # the most deprived first (score 40)


def test_no_areas_no_deciles(db_session):
    figures = fairness(db_session, SINCE, UNTIL)
    assert figures.deciles == [] and not figures.has_areas
    assert all(g.residents == 0 and g.per_1000 is None for g in figures.wards)


def test_stored_figures_are_the_direct_ones_as_of_when_they_were_computed(db_session, world, add_report):
    at = datetime(2025, 1, 2, 3, 4, tzinfo=timezone.utc)
    first = stored_fairness(db_session)                        # stored by the import, before any report
    assert first is not None and sum(g.reported for g in first.wards) == 0
    assert store_figures(db_session, today=date(2025, 1, 2), now=at) == at
    since, until = window(db_session, date(2025, 1, 2))
    assert (since, until) == (datetime(2023, 3, 3), datetime(2024, 3, 2))   # 365 days up to the last report
    stored, direct = stored_fairness(db_session), fairness(db_session, since, until)
    assert stored.computed_at == at and direct.computed_at is None
    assert (stored.first_day, stored.last_day) == (date(2023, 3, 3), date(2024, 3, 1))
    assert (stored.wards, stored.deciles) == (direct.wards, direct.deciles)
    assert by_label(stored.deciles, "9").reported == 4                  # the June 2023 fix is in this window
    add_report(IN_B, status=Status.FIXED, created=datetime(2024, 3, 1, 9), fixed=datetime(2024, 3, 1, 10))
    assert by_label(stored_fairness(db_session).deciles, "9").reported == 4    # until the next refresh
    store_figures(db_session, today=date(2025, 1, 2), now=at)
    assert by_label(stored_fairness(db_session).deciles, "9").reported == 5


def test_nothing_stored_before_the_first_computation(db_session):
    assert stored_fairness(db_session) is None


def test_reports_are_placed_in_their_area_when_made_moved_or_the_areas_change(db_session, tmp_path, add_report):
    from sqlalchemy import text as sql

    def area_of(report):
        db_session.refresh(report)
        return db_session.execute(sql("SELECT code FROM areas WHERE id = :id"), {"id": report.area_id}).scalar()

    early = add_report(IN_A, created=datetime(2024, 3, 1, 8))
    assert early.area_id is None                                  # no areas yet
    import_areas(db_session, **write_files(tmp_path))
    assert area_of(early) == "E01000001"
    later = add_report(IN_B, created=datetime(2024, 3, 1, 9))
    assert area_of(later) == "E01000002"
    later.geom = IN_A.ewkt
    db_session.commit()
    assert area_of(later) == "E01000001"
    assert area_of(add_report(LonLat(lon=-0.0302, lat=51.4672))) is None   # Brockley: outside both squares
