"""Month-by-month time to fix and within-target share for a ward (or the borough), and whether a ward is
getting slower or faster than a year ago. Definitions as in gis/measures.py: time to fix by the month a
report was made (Kaplan–Meier, open reports censored), within target by the month reports fell due (only days
up to yesterday). No Flask here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from models import ALL_CATEGORIES

from .figure_cache import cached
from .measures import MIN_COUNT, Share, TimeToFix, _add, open_age_bucket, time_to_fix, utc_now

#: A ward is "slower" or "faster" when its median moved by more than this share of last year's.
CHANGE = 0.1


@dataclass
class MonthPoint:
    month: date
    fix: TimeToFix
    within: Share
    #: The histograms behind ``fix`` ({hours step: reports}), so months can be pooled.
    events: dict = field(default_factory=dict, repr=False)
    censored: dict = field(default_factory=dict, repr=False)


def first_month(end: date, months: int) -> date:
    first = end.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _months(first: date, end: date) -> list[date]:
    out, month = [], first
    while month <= end:
        out.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


_FIXES = text("""
SELECT month, bucket_hours, sum(n)::int FROM perf_fix_hours_monthly
WHERE category_id = :cat AND (CAST(:wards AS integer[]) IS NULL OR ward_id = ANY(:wards))
  AND month BETWEEN :first AND :end GROUP BY 1, 2 HAVING sum(n) > 0
""")
_OPEN = text("""
SELECT day, sum(open)::int FROM perf_daily
WHERE category_id = :cat AND (CAST(:wards AS integer[]) IS NULL OR ward_id = ANY(:wards))
  AND day BETWEEN :first AND :end AND open > 0 GROUP BY 1
""")
# Months before the one holding yesterday from the monthly table; that month's days up to yesterday from the
# daily one (a report due today or later has not been missed yet).
_DUE = text("""
SELECT month, sum(kept)::int, sum(late)::int, sum(open)::int FROM (
    SELECT month, kept, late, open FROM perf_due_monthly
    WHERE category_id = :cat AND (CAST(:wards AS integer[]) IS NULL OR ward_id = ANY(:wards))
      AND month >= :first AND month < :cut
    UNION ALL
    SELECT date_trunc('month', day)::date, kept, late, open FROM perf_due_daily
    WHERE category_id = :cat AND (CAST(:wards AS integer[]) IS NULL OR ward_id = ANY(:wards))
      AND day >= :cut AND day <= :last
) parts GROUP BY 1
""")


def monthly_points(session: Session, ward_ids: list[int] | None, end: date, months: int = 24,
                   category_id: int = ALL_CATEGORIES, now: datetime | None = None) -> list[MonthPoint]:
    """One point per calendar month, the last ``months`` up to ``end``, for the given wards (None: the
    borough). Months without reports have counts of 0 and no figures. For the present moment (``now`` not
    given) the points may come from the session's figure cache (gis.figure_cache)."""
    if now is None:
        key = ("trend", tuple(ward_ids) if ward_ids is not None else None, end, months, category_id,
               utc_now().date())
        return cached(session, key, lambda: _monthly_points(session, ward_ids, end, months, category_id, utc_now()))
    return _monthly_points(session, ward_ids, end, months, category_id, now)


def _monthly_points(session: Session, ward_ids: list[int] | None, end: date, months: int, category_id: int,
                    now: datetime) -> list[MonthPoint]:
    first = first_month(end, months)
    params = {"cat": category_id, "wards": ward_ids, "first": first, "end": end}
    events: dict[date, dict[int, int]] = {}
    for month, bucket, n in session.execute(_FIXES, params):
        _add(events.setdefault(month, {}), bucket, n)
    censored: dict[date, dict[int, int]] = {}
    for day, n in session.execute(_OPEN, params):
        _add(censored.setdefault(day.replace(day=1), {}), open_age_bucket(day, now), n)
    last = min(end, now.date() - timedelta(days=1))
    due = {}
    if last >= first:
        cut = last.replace(day=1)
        due = {m: Share(k, k + la + o) for m, k, la, o in session.execute(
            _DUE, {**params, "cut": cut, "last": last})}
    return [MonthPoint(m, time_to_fix(events.get(m, {}), censored.get(m, {})), due.get(m, Share()),
                       events.get(m, {}), censored.get(m, {})) for m in _months(first, end)]


@dataclass
class YearOnYear:
    this_year: TimeToFix
    last_year: TimeToFix
    within_this: Share
    within_last: Share

    @property
    def verdict(self) -> str | None:
        """"slower", "faster", "about the same", or None when either year has too few reports or no median."""
        a, b = self.last_year, self.this_year
        if not (a.enough and b.enough) or a.median_hours is None or b.median_hours is None:
            return None
        if b.median_hours > a.median_hours * (1 + CHANGE):
            return "slower"
        if b.median_hours < a.median_hours * (1 - CHANGE):
            return "faster"
        return "about the same"


def year_on_year(points: list[MonthPoint]) -> YearOnYear:
    """The last 12 of the points against the 12 before, pooled over the reports (not an average of monthly
    figures)."""
    halves = (points[-24:-12], points[-12:])
    pooled = []
    for half in halves:
        events: dict[int, int] = {}
        censored: dict[int, int] = {}
        within = Share()
        for p in half:
            for b, n in p.events.items():
                _add(events, b, n)
            for b, n in p.censored.items():
                _add(censored, b, n)
            within = within + p.within
        pooled.append((time_to_fix(events, censored), within))
    (last_fix, last_within), (this_fix, this_within) = pooled
    return YearOnYear(this_year=this_fix, last_year=last_fix, within_this=this_within, within_last=last_within)


__all__ = ["MIN_COUNT", "MonthPoint", "YearOnYear", "monthly_points", "year_on_year"]
