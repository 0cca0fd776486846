"""Periods and the raw readers of the service-performance summary tables that database triggers keep current
(migrations 0002 and 0015), so they are right the moment a status changes. No Flask here.

The measures the public pages show are defined once in gis/measures.py (within target by due time, time to fix
with open reports counted, backlog at the period's end); this module keeps what they and the other pages share:
the periods (days in UTC), the split of a period into whole months and edge days, the reports per ward the map
feed uses, the per-category counts of a ward page (where the data ends is gis.measures.data_end). After a bulk load with
triggers off, ``SELECT kerbside_perf_rebuild(); SELECT kerbside_measures_rebuild()`` recomputes every summary
(bench/fill.py does).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from .figure_cache import cached

MAX_PERIOD_DAYS = 3 * 366
PERIOD_CHOICES = {"30": 30, "90": 90, "365": 365}
#: Dates outside these overflow date arithmetic (a period's end + 1 day, the hotspot window's 90 days before).
FIRST_DATE, LAST_DATE = date(1970, 1, 1), date(2099, 12, 31)


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


def whole_months(period: Period) -> tuple[date, date]:
    """[first, after) of the calendar months lying wholly inside the period (first == after when none)."""
    start = period.start
    first = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    after = (period.end + timedelta(days=1)).replace(day=1)
    return (first, after) if first < after else (period.start, period.start)


_BY_CATEGORY = text("""
SELECT c.code, c.name, c.target_hours, sum(p.reported)::int, sum(p.fixed)::int, sum(p.fixed_within)::int,
       sum(p.open)::int
FROM perf_daily p JOIN categories c ON c.id = p.category_id
WHERE p.ward_id = ANY(:wards) AND p.day BETWEEN :start AND :end
GROUP BY c.code, c.name, c.target_hours HAVING sum(p.reported) > 0 ORDER BY 4 DESC, c.name
""")


def category_breakdown(session: Session, ward_ids: list[int], period: Period) -> list[dict]:
    """Per category in the given wards and period: code, name, target_hours, reported, fixed, within, open.
    (Kept a while by the session's figure cache, if it has one: see gis.figure_cache.)"""
    def work() -> list[dict]:
        rows = session.execute(_BY_CATEGORY, {"wards": ward_ids, "start": period.start, "end": period.end})
        keys = ("code", "name", "target_hours", "reported", "fixed", "fixed_within", "open")
        return [dict(zip(keys, row)) for row in rows]
    return cached(session, ("breakdown", tuple(ward_ids), period), work)


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
