"""Service-performance summaries per ward and for the borough, read from the summary tables that a database
trigger keeps current (migration 0002), so they are right the moment a status changes. No Flask here.

The public pages show the measures of gis/measures.py (within target by due time, time to fix with open reports
counted, backlog at the period's end); this module keeps the periods, the raw summary readers and the counts
per ward that the map feed uses. The definitions below are those of its own readers:

Definitions (all times in hours, days in UTC; the period selects reports by the day they were made):
- time to fix: ``fixed_at - created_at`` of reports now fixed (a reopened report counts again only once it
  is fixed again); percentiles are nearest-rank on times rounded up to 1 h below 48 h, 6 h below a week,
  a day below 30 days and a week beyond;
- within target: share of fixed reports fixed within their category's ``target_hours``;
- backlog: reports made in the period that are still open now, and their mean age in days;
- count and count per km² (``wards.area_km2``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from models import ALL_CATEGORIES

MAX_PERIOD_DAYS = 3 * 366
PERIOD_CHOICES = {"30": 30, "90": 90, "365": 365}
#: Dates outside these overflow date arithmetic (a period's end + 1 day, the hotspot window's 90 days before).
FIRST_DATE, LAST_DATE = date(1970, 1, 1), date(2099, 12, 31)
MEASURES = {
    "median_hours": "Median time to fix (hours)",
    "p90_hours": "90th percentile time to fix (hours)",
    "within_target": "Share fixed within target",
    "backlog": "Open backlog",
    "backlog_age_days": "Mean age of open backlog (days)",
    "reported": "Reports in the period",
    "per_km2": "Reports per km²",
}


class PeriodError(ValueError):
    """A period that cannot be used; ``message`` says why, in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Period:
    """Inclusive range of days (UTC)."""
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_period(choice: str | None, start: str | None, end: str | None, today: date) -> Period:
    """A period from "30"/"90"/"365" (last N days up to today) or an ISO date range; raises PeriodError."""
    if start or end:
        try:
            first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
        except ValueError:
            raise PeriodError("Give both dates as YYYY-MM-DD, e.g. 2026-01-31.") from None
        if not (FIRST_DATE <= first <= LAST_DATE and FIRST_DATE <= last <= LAST_DATE):
            raise PeriodError(f"Give dates from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}.")
        if last < first:
            raise PeriodError("The end date is before the start date.")
        period = Period(first, last)
        if period.days > MAX_PERIOD_DAYS:
            raise PeriodError(f"Choose a period of at most {MAX_PERIOD_DAYS} days.")
        return period
    days = PERIOD_CHOICES.get(choice or "365")
    if days is None:
        raise PeriodError("Choose the last 30, 90 or 365 days, or give a date range.")
    return Period(today - timedelta(days=days - 1), today)


@dataclass
class Measures:
    """Every measure for one area (a ward, or the borough when ``code`` is None)."""
    code: str | None
    name: str
    area_km2: float
    reported: int = 0
    fixed: int = 0
    fixed_within: int = 0
    backlog: int = 0
    backlog_age_days: float | None = None
    median_hours: int | None = None
    p90_hours: int | None = None
    ward_id: int | None = None

    @property
    def within_target(self) -> float | None:
        return self.fixed_within / self.fixed if self.fixed else None

    @property
    def per_km2(self) -> float | None:
        return self.reported / self.area_km2 if self.area_km2 else None

    def value(self, measure: str) -> float | None:
        return getattr(self, measure)


@dataclass
class PerformanceTable:
    wards: list[Measures]
    borough: Measures
    period: Period
    category_id: int = ALL_CATEGORIES
    extra: dict = field(default_factory=dict)


def percentile(histogram: list[tuple[int, int]], p: float) -> int | None:
    """Nearest-rank percentile of a histogram [(bucket upper bound, count)] sorted by bound."""
    total = sum(n for _, n in histogram)
    if total <= 0:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for bound, n in histogram:
        seen += n
        if seen >= rank:
            return bound
    return histogram[-1][0]


_COUNTS = text("""
SELECT ward_id, sum(reported)::int, sum(fixed)::int, sum(fixed_within)::int, sum(open)::int,
       sum(open_created_sum)
FROM perf_daily WHERE category_id = :cat AND day BETWEEN :start AND :end
GROUP BY ward_id
""")
# Whole months inside the period come from the monthly table, the days at either edge from the daily one.
_HOURS = text("""
SELECT ward_id, bucket_hours, sum(n)::int FROM (
    SELECT ward_id, bucket_hours, n FROM perf_fix_hours_monthly
    WHERE category_id = :cat AND month >= :full_start AND month < :full_end
    UNION ALL
    SELECT ward_id, bucket_hours, n FROM perf_fix_hours
    WHERE category_id = :cat AND ((day >= :start AND day < :full_start) OR (day >= :full_end AND day <= :end))
) parts
GROUP BY ward_id, bucket_hours HAVING sum(n) > 0 ORDER BY ward_id, bucket_hours
""")


def whole_months(period: Period) -> tuple[date, date]:
    """[first, after) of the calendar months lying wholly inside the period (first == after when none)."""
    start = period.start
    first = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    after = (period.end + timedelta(days=1)).replace(day=1)
    return (first, after) if first < after else (period.start, period.start)
_WARDS = text("SELECT id, code, name, area_km2 FROM wards ORDER BY name")


def _fill(m: Measures, counts: tuple, hist: list[tuple[int, int]], now: datetime) -> None:
    m.reported, m.fixed, m.fixed_within, m.backlog, created_sum = counts
    if m.backlog:
        m.backlog_age_days = round((now.timestamp() - created_sum / m.backlog) / 86400, 1)
    m.median_hours = percentile(hist, 0.5)
    m.p90_hours = percentile(hist, 0.9)


def ward_measures(session: Session, period: Period, category_id: int = ALL_CATEGORIES,
                  now: datetime | None = None) -> PerformanceTable:
    """Measures for every ward and the borough, for one category (or ALL_CATEGORIES) and period.

    ``now`` is naive UTC (as stored); it only sets the backlog's age."""
    now = now or datetime.utcnow().replace(microsecond=0)
    full_start, full_end = whole_months(period)
    params = {"cat": category_id, "start": period.start, "end": period.end, "full_start": full_start,
              "full_end": full_end}
    counts = {row[0]: tuple(row[1:]) for row in session.execute(_COUNTS, params)}
    hists: dict[int, list[tuple[int, int]]] = {}
    borough_hist: dict[int, int] = {}
    for ward_id, bound, n in session.execute(_HOURS, params):
        hists.setdefault(ward_id, []).append((bound, n))
        borough_hist[bound] = borough_hist.get(bound, 0) + n
    wards = []
    for ward_id, code, name, area in session.execute(_WARDS):
        m = Measures(code=code, name=name, area_km2=area or 0.0, ward_id=ward_id)
        _fill(m, counts.get(ward_id, (0, 0, 0, 0, 0.0)), hists.get(ward_id, []), now)
        wards.append(m)
    totals = [sum(c[i] for c in counts.values()) for i in range(5)]
    borough = Measures(code=None, name="Borough", area_km2=sum(w.area_km2 for w in wards))
    _fill(borough, tuple(totals), sorted(borough_hist.items()), now)
    return PerformanceTable(wards=wards, borough=borough, period=period, category_id=category_id)


_MONTHLY_COUNTS = text("""
SELECT date_trunc('month', day)::date AS month, sum(reported)::int, sum(fixed)::int, sum(fixed_within)::int
FROM perf_daily WHERE category_id = :cat AND ward_id = ANY(:wards) AND day BETWEEN :start AND :end
GROUP BY 1 ORDER BY 1
""")
_MONTHLY_HOURS = text("""
SELECT date_trunc('month', day)::date, bucket_hours, sum(n)::int FROM perf_fix_hours
WHERE category_id = :cat AND ward_id = ANY(:wards) AND day BETWEEN :start AND :end
GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY 1, 2
""")


@dataclass
class MonthFigures:
    month: date
    reported: int
    fixed: int
    fixed_within: int
    median_hours: int | None


def monthly_trend(session: Session, ward_ids: list[int], months: int, today: date,
                  category_id: int = ALL_CATEGORIES) -> list[MonthFigures]:
    """Reports made per calendar month (the last ``months`` months up to today) in the given wards, with how
    many are fixed, fixed within target and the median time to fix (hours). Months without reports show 0."""
    first = date(today.year, today.month, 1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    params = {"cat": category_id, "wards": ward_ids, "start": first, "end": today}
    counts = {row[0]: row[1:] for row in session.execute(_MONTHLY_COUNTS, params)}
    hists: dict[date, list[tuple[int, int]]] = {}
    for month, bound, n in session.execute(_MONTHLY_HOURS, params):
        hists.setdefault(month, []).append((bound, n))
    out, month = [], first
    while month <= today:
        reported, fixed, within = counts.get(month, (0, 0, 0))
        out.append(MonthFigures(month, reported, fixed, within, percentile(hists.get(month, []), 0.5)))
        month = (month + timedelta(days=32)).replace(day=1)
    return out


_BY_CATEGORY = text("""
SELECT c.code, c.name, c.target_hours, sum(p.reported)::int, sum(p.fixed)::int, sum(p.fixed_within)::int,
       sum(p.open)::int
FROM perf_daily p JOIN categories c ON c.id = p.category_id
WHERE p.ward_id = ANY(:wards) AND p.day BETWEEN :start AND :end
GROUP BY c.code, c.name, c.target_hours HAVING sum(p.reported) > 0 ORDER BY 4 DESC, c.name
""")


def category_breakdown(session: Session, ward_ids: list[int], period: Period) -> list[dict]:
    """Per category in the given wards and period: code, name, target_hours, reported, fixed, within, open."""
    rows = session.execute(_BY_CATEGORY, {"wards": ward_ids, "start": period.start, "end": period.end})
    keys = ("code", "name", "target_hours", "reported", "fixed", "fixed_within", "open")
    return [dict(zip(keys, row)) for row in rows]


def rebuild_summaries(session: Session) -> None:
    """Recompute the summary tables from the reports (after a bulk load with triggers off). The caller
    commits."""
    session.execute(text("SELECT kerbside_perf_rebuild()"))
    session.execute(text("SELECT kerbside_measures_rebuild()"))


def latest_report_day(session: Session) -> date | None:
    """The last day (UTC) on which a public report was made anywhere."""
    return session.execute(text("SELECT max(day) FROM perf_daily WHERE category_id = 0 AND reported > 0")).scalar()


_COUNT_COLUMNS = {"all": "reported", "open": "open", "fixed": "fixed"}


def ward_counts(session: Session, period: Period, category_id: int, status: str,
                bbox: tuple[float, float, float, float], ward_id: int | None = None) -> list[dict]:
    """Reports per ward from the summaries, for wards meeting the box (west, south, east, north, degrees
    EPSG:4326): code, name, count, and a point inside the ward (lon, lat). ``status`` is all, open or fixed
    (open and fixed: as they are now)."""
    column = _COUNT_COLUMNS[status]
    rows = session.execute(text(f"""
        SELECT w.code, w.name, ST_X(ST_PointOnSurface(w.geom)), ST_Y(ST_PointOnSurface(w.geom)), s.n
        FROM (SELECT ward_id, sum({column})::int AS n FROM perf_daily
              WHERE category_id = :cat AND day BETWEEN :start AND :end GROUP BY ward_id) s
        JOIN wards w ON w.id = s.ward_id
        WHERE s.n > 0 AND ST_Intersects(w.geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326))
          AND (CAST(:ward AS integer) IS NULL OR w.id = :ward)
        ORDER BY w.name"""), {"cat": category_id, "start": period.start, "end": period.end, "w": bbox[0],
                             "s": bbox[1], "e": bbox[2], "n": bbox[3], "ward": ward_id})
    return [{"code": c, "name": name, "lon": x, "lat": y, "count": n} for c, name, x, y, n in rows]
