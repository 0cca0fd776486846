"""The figure cache (gis/figure_cache.py): public figures kept a short while and shared by the pages, never
for a chosen moment, never where the setting is 0."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from gis.figure_cache import INFO_KEY, FigureCache, cached
from gis.measures import measures_table
from gis.performance import Period, category_breakdown
from gis.promises import promise_years, promises
from gis.trends import monthly_points
from models import Status, Ward
from portal.config import SettingsError, load_settings
from tests.maps.conftest import RUSHEY_GREEN, add_report


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_a_figure_is_kept_for_its_seconds_then_worked_out_again():
    clock, calls = Clock(), []
    cache = FigureCache(60, clock=clock)
    work = lambda: calls.append(1) or len(calls)          # noqa: E731
    assert cache.get("k", work) == 1 and cache.get("k", work) == 1
    clock.t += 59.9
    assert cache.get("k", work) == 1
    clock.t += 0.2
    assert cache.get("k", work) == 2                        # 60 s on: worked out again
    assert (cache.hits, cache.misses) == (2, 2)


def test_the_cache_holds_at_most_its_size_dropping_the_least_used():
    cache = FigureCache(60, size=2)
    cache.get("a", lambda: "A")
    cache.get("b", lambda: "B")
    cache.get("a", lambda: "?")                             # "a" used last: "b" goes first
    cache.get("c", lambda: "C")
    assert cache.get("a", lambda: "new") == "A"
    assert cache.get("b", lambda: "new") == "new"


def test_a_session_without_a_cache_always_works_figures_out(db_session):
    calls = []
    assert INFO_KEY not in db_session.info
    cached(db_session, "k", lambda: calls.append(1))
    cached(db_session, "k", lambda: calls.append(1))
    assert len(calls) == 2


def test_pages_share_the_measures_until_the_cache_expires(db_session):
    """With a cache, a new report shows once the figures are older than the setting, and a figure asked for at
    a chosen moment is always worked out."""
    clock = Clock()
    db_session.info[INFO_KEY] = FigureCache(60, clock=clock)
    try:
        today = datetime.now(timezone.utc).date()
        period = Period(today - timedelta(days=29), today)
        first = measures_table(db_session, period)
        before = first.borough.reported
        ward = db_session.scalars(select(Ward.id).where(Ward.name == "Rushey Green")).one()
        breakdown = category_breakdown(db_session, [ward], period)
        add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, datetime.now(timezone.utc) - timedelta(hours=2))
        assert measures_table(db_session, period) is first                         # kept: shared by the pages
        at_noon = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=12)
        assert measures_table(db_session, period, now=max(at_noon, datetime.now(timezone.utc))).borough.reported \
            == before + 1                                                           # a chosen moment: fresh
        trend = monthly_points(db_session, [ward], today, 24)
        assert monthly_points(db_session, [ward], today, 24) is trend
        assert category_breakdown(db_session, [ward], period) is breakdown
        years = promise_years(today)
        assert promises(db_session, years) is promises(db_session, years)
        clock.t += 61
        assert measures_table(db_session, period).borough.reported == before + 1   # expired: worked out again
        assert monthly_points(db_session, [ward], today, 24) is not trend
        assert sum(c["reported"] for c in category_breakdown(db_session, [ward], period)) == \
            sum(c["reported"] for c in breakdown) + 1
    finally:
        del db_session.info[INFO_KEY]


@pytest.mark.parametrize("raw, ok", [("0", 0), ("60", 60), ("3600", 3600), ("-1", None), ("3601", None),
                                     ("1e3", None), ("", 60)])
def test_the_setting_takes_whole_seconds_up_to_an_hour(monkeypatch, raw, ok):
    """(Empty counts as unset, as for every setting: the default.)"""
    monkeypatch.setenv("FIGURES_CACHE_SECONDS", raw)
    if ok is None:
        with pytest.raises(SettingsError, match="FIGURES_CACHE_SECONDS"):
            load_settings()
    else:
        assert load_settings().FIGURES_CACHE_SECONDS == ok


def test_an_app_gives_its_sessions_a_cache_only_when_the_setting_is_above_zero(connection, app_config):
    from portal.app import create_app
    from portal.db import new_session
    off = create_app({**app_config, "FIGURES_CACHE_SECONDS": 0}, bind=connection)
    on = create_app({**app_config, "FIGURES_CACHE_SECONDS": 30}, bind=connection)
    with off.app_context():
        assert INFO_KEY not in new_session().info
    with on.app_context():
        cache = new_session().info[INFO_KEY]
        assert cache.seconds == 30 and new_session().info[INFO_KEY] is cache     # one per app, shared


def test_the_service_area_is_read_once_while_kept(db_session):
    from gis.queries import service_area_bounds
    cache = FigureCache(60)
    db_session.info[INFO_KEY] = cache
    try:
        first = service_area_bounds(db_session)
        assert first is not None and service_area_bounds(db_session) is first
        assert (cache.hits, cache.misses) == (1, 1)
    finally:
        del db_session.info[INFO_KEY]
