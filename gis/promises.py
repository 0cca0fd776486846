"""The council's promises (each category's target time to fix) and how often they are kept: per category this
year and last, by ward and by month; and what a resident can expect for one kind of problem in one ward.
"Kept" is gis.measures' within target: of the reports that fell due, the share fixed by their due time (open
ones past it are missed; closed without a fix are left out and counted apart). No Flask here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from models import ALL_CATEGORIES

from .figure_cache import cached
from .measures import MIN_COUNT, Share, TimeToFix, _add, time_to_fix, utc_now
from .performance import Period, whole_months
from .trends import first_month, monthly_points

#: How many of the wards that break a promise most are named per category.
WORST = 3

_BY_CATEGORY_WARD = text("""
SELECT category_id, ward_id, sum(kept)::int, sum(late)::int, sum(open)::int, sum(closed)::int FROM (
    SELECT category_id, ward_id, kept, late, open, closed FROM perf_due_monthly
    WHERE month >= :full_start AND month < :full_end
    UNION ALL
    SELECT category_id, ward_id, kept, late, open, closed FROM perf_due_daily
    WHERE (day >= :start AND day < :full_start) OR (day >= :full_end AND day <= :end)
) parts GROUP BY 1, 2
""")
_BY_MONTH = text("""
SELECT month, sum(kept)::int, sum(late)::int, sum(open)::int FROM (
    SELECT month, kept, late, open FROM perf_due_monthly
    WHERE category_id = :cat AND month >= :first AND month < :cut
    UNION ALL
    SELECT date_trunc('month', day)::date, kept, late, open FROM perf_due_daily
    WHERE category_id = :cat AND day >= :cut AND day <= :last
) parts GROUP BY 1
""")
_CATEGORIES = text("SELECT id, code, name, target_hours FROM categories ORDER BY name")
_WARDS = text("SELECT id, code, name FROM wards ORDER BY name")


@dataclass(frozen=True)
class Years:
    """The 12 months of due days up to the data's end (yesterday at most), and the 12 months before."""
    this: Period
    last: Period


def promise_years(end: date, now: datetime | None = None) -> Years:
    now = now or utc_now()
    last_day = min(end, now.date() - timedelta(days=1))
    this = Period(last_day - timedelta(days=364), last_day)
    return Years(this=this, last=Period(this.start - timedelta(days=365), this.start - timedelta(days=1)))


@dataclass
class WardPromise:
    code: str
    name: str
    this_year: Share
    last_year: Share


@dataclass
class CategoryPromise:
    """``category_id`` 0 and ``code`` "all": every category pooled."""
    category_id: int
    code: str
    name: str
    target_hours: int | None
    this_year: Share = field(default_factory=Share)
    last_year: Share = field(default_factory=Share)
    closed_unfixed: int = 0
    wards: list[WardPromise] = field(default_factory=list)

    @property
    def worst(self) -> list[WardPromise]:
        """The wards (with enough reports) that broke this promise at all and kept it least often this year,
        worst first."""
        known = [w for w in self.wards if w.this_year.enough and w.this_year.yes < w.this_year.of]
        return sorted(known, key=lambda w: (w.this_year.value, w.name))[:WORST]


def _by_category_ward(session: Session, window: Period) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    full_start, full_end = whole_months(window)
    rows = session.execute(_BY_CATEGORY_WARD, {"start": window.start, "end": window.end,
                                               "full_start": full_start, "full_end": full_end})
    return {(c, w): (k, la, o, cl) for c, w, k, la, o, cl in rows}


def promises(session: Session, years: Years) -> list[CategoryPromise]:
    """Every category (and, first, all pooled) with its promise kept this year and last, overall and by ward.
    (Kept a while by the session's figure cache, if it has one: see gis.figure_cache.)"""
    return cached(session, ("promises", years), lambda: _promises(session, years))


def _promises(session: Session, years: Years) -> list[CategoryPromise]:
    wards = session.execute(_WARDS).all()
    this, last = _by_category_ward(session, years.this), _by_category_ward(session, years.last)
    out = [CategoryPromise(ALL_CATEGORIES, "all", "All categories", None)]
    out += [CategoryPromise(i, code, name, hours) for i, code, name, hours in session.execute(_CATEGORIES)]
    for cp in out:
        for ward_id, code, name in wards:
            k, la, o, cl = this.get((cp.category_id, ward_id), (0, 0, 0, 0))
            lk, lla, lo, _lcl = last.get((cp.category_id, ward_id), (0, 0, 0, 0))
            wp = WardPromise(code, name, Share(k, k + la + o), Share(lk, lk + lla + lo))
            cp.wards.append(wp)
            cp.this_year, cp.last_year = cp.this_year + wp.this_year, cp.last_year + wp.last_year
            cp.closed_unfixed += cl
    return out


def promise_by_month(session: Session, category_id: int, end: date, months: int = 24,
                     now: datetime | None = None) -> list[tuple[date, Share]]:
    """Promise kept per calendar month in which reports fell due, the last ``months`` up to ``end`` (days up
    to yesterday only)."""
    now = now or utc_now()
    first = first_month(end, months)
    last = min(end, now.date() - timedelta(days=1))
    found = {}
    if last >= first:
        found = {m: Share(k, k + la + o) for m, k, la, o in session.execute(
            _BY_MONTH, {"cat": category_id, "first": first, "cut": last.replace(day=1), "last": last})}
    out, month = [], first
    while month <= end:
        out.append((month, found.get(month, Share())))
        month = (month + timedelta(days=32)).replace(day=1)
    return out


@dataclass(frozen=True)
class Expectation:
    """How long one kind of problem takes in one ward (and the borough), over the reports made in the 12
    calendar months up to ``end``."""
    target_hours: int
    ward: TimeToFix
    borough: TimeToFix
    first: date
    end: date

    @property
    def enough(self) -> bool:
        return self.ward.count >= MIN_COUNT


def _pooled(points) -> TimeToFix:
    events: dict[int, int] = {}
    censored: dict[int, int] = {}
    for p in points:
        for b, n in p.events.items():
            _add(events, b, n)
        for b, n in p.censored.items():
            _add(censored, b, n)
    return time_to_fix(events, censored)


def what_to_expect(session: Session, category_id: int, target_hours: int, ward_id: int | None, end: date,
                   now: datetime | None = None) -> Expectation:
    """Median and 90th percentile time to fix (Kaplan–Meier, open reports censored) of this category in this
    ward over the last 12 months up to ``end``, with the borough's beside it. Kept by the figure cache when no
    ``now`` is given (every report page shows one: pooling the months' histograms took ~4 ms)."""
    if now is None:
        return cached(session, ("what-to-expect", category_id, target_hours, ward_id, end),
                      lambda: _what_to_expect(session, category_id, target_hours, ward_id, end, None))
    return _what_to_expect(session, category_id, target_hours, ward_id, end, now)


def _what_to_expect(session: Session, category_id: int, target_hours: int, ward_id: int | None, end: date,
                    now: datetime | None) -> Expectation:
    borough = _pooled(monthly_points(session, None, end, 12, category_id, now))
    ward = _pooled(monthly_points(session, [ward_id], end, 12, category_id, now)) if ward_id else \
        TimeToFix(None, None, 0, 0)
    return Expectation(target_hours=target_hours, ward=ward, borough=borough, first=first_month(end, 12), end=end)
