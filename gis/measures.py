"""Measures a council cannot dispute, defined once, per ward and for the borough. No Flask here.

Read from the summary tables that database triggers keep current (migrations 0002 and 0015); only public
reports in a ward count (``kerbside_report_is_public``). Days are UTC; times are in hours.

- **Within target**: of the reports whose due time (made + the category's target) fell in the period, the
  share fixed by then. Reports still open after their due time count as missed, and so does a fix after it;
  reports closed without a fix (no action needed, duplicate, not the council's) are left out and shown apart.
  The period's days run at most to yesterday: a report due today has not yet been missed.
- **Time to fix**: over the reports made in the period, a Kaplan–Meier estimate (as in survival statistics):
  a fixed report's time is ``fixed_at - created_at``; a report still open (or reopened) counts as "not fixed
  after its age so far" (censored), so a ward that leaves its hardest cases open does not look fast. Times are
  in the steps of the summaries (an hour under two days, 6 h under a week, a day under 30 days, a week
  beyond); an open report's age is taken from the middle of the day it was made. When fewer than half (nine
  in ten) are fixed the median (90th percentile) is not reached and is None. Reports closed without a fix are
  left out.
- **Backlog at the period's end**: reports waiting for a fix at the end of the period's last day, whenever
  they were made (open now, or fixed after that day), and their mean age then, in days. A reopened report
  counts as waiting since it was made; reports closed without a fix are left out.
- **Satisfaction**: of the residents' answers given in the period, the share satisfied. Two kinds of answer
  count, each once: a rating of a fix (1–5; 4 or 5 is satisfied) and the reporter's answer to "has it been
  fixed?" four weeks after the report (fixed is satisfied, not fixed is not; a question not answered is left
  out). ``SATISFACTION_ANSWERS`` is the one definition.
- Every figure carries its count; under ``MIN_COUNT`` the pages say "too few reports to say".
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from models import ALL_CATEGORIES

from .figure_cache import cached
from .performance import Period, whole_months

MIN_COUNT = 10
GOOD_SCORE = 4


@dataclass(frozen=True)
class Measure:
    label: str
    #: "hours" (shown in hours or days, one unit per column), "share", "days", "reports", "per_km2"
    unit: str
    #: "lower" or "higher" is better; None: neither (a count says who reports as much as what happens)
    better: str | None


MEASURES = {
    "within_target": Measure("Fixed within target", "share", "higher"),
    "median_hours": Measure("Median time to fix", "hours", "lower"),
    "p90_hours": Measure("90th percentile time to fix", "hours", "lower"),
    "backlog": Measure("Backlog at the period's end", "reports", "lower"),
    "backlog_age_days": Measure("Mean age of the backlog at the period's end", "days", "lower"),
    "satisfaction": Measure("Residents satisfied with the fix", "share", "higher"),
    "reported": Measure("Reports in the period", "reports", None),
    "per_km2": Measure("Reports per km²", "per_km2", None),
}


@dataclass(frozen=True)
class Share:
    """``yes`` of ``of``; ``value`` is None when nothing was counted."""
    yes: int = 0
    of: int = 0

    @property
    def value(self) -> float | None:
        return self.yes / self.of if self.of else None

    @property
    def enough(self) -> bool:
        return self.of >= MIN_COUNT

    def __add__(self, other: "Share") -> "Share":
        return Share(self.yes + other.yes, self.of + other.of)


@dataclass(frozen=True)
class TimeToFix:
    median_hours: int | None
    p90_hours: int | None
    fixed: int
    still_open: int

    @property
    def count(self) -> int:
        return self.fixed + self.still_open

    @property
    def enough(self) -> bool:
        return self.count >= MIN_COUNT


@dataclass
class AreaMeasures:
    """Every measure for one ward, or the borough (``code`` None)."""
    code: str | None
    name: str
    area_km2: float
    ward_id: int | None = None
    reported: int = 0
    within: Share = field(default_factory=Share)
    #: Due in the period and closed without a fix (not in ``within``).
    closed_unfixed: int = 0
    #: Due in the period and still open (counted as missed in ``within``).
    overdue_open: int = 0
    fix: TimeToFix = field(default_factory=lambda: TimeToFix(None, None, 0, 0))
    backlog: int = 0
    backlog_age_days: float | None = None
    satisfaction: Share = field(default_factory=Share)

    @property
    def per_km2(self) -> float | None:
        return self.reported / self.area_km2 if self.area_km2 else None

    def count(self, measure: str) -> int:
        """How many reports (or, for satisfaction, answers) the figure rests on."""
        return {"within_target": self.within.of, "median_hours": self.fix.count, "p90_hours": self.fix.count,
                "satisfaction": self.satisfaction.of}.get(measure, self.reported if measure in (
                    "reported", "per_km2") else self.backlog)

    def enough(self, measure: str) -> bool:
        if measure in ("backlog", "reported", "per_km2"):
            return True
        return self.count(measure) >= MIN_COUNT

    def value(self, measure: str) -> float | None:
        """The figure, or None when there is none or too few reports to say."""
        if not self.enough(measure):
            return None
        return {"within_target": self.within.value, "median_hours": self.fix.median_hours,
                "p90_hours": self.fix.p90_hours, "satisfaction": self.satisfaction.value,
                "backlog": self.backlog, "backlog_age_days": self.backlog_age_days, "reported": self.reported,
                "per_km2": self.per_km2}[measure]


@dataclass
class MeasuresTable:
    wards: list[AreaMeasures]
    borough: AreaMeasures
    period: Period
    #: The days whose due reports make "within target" (None: none has passed yet).
    due_window: Period | None
    category_id: int = ALL_CATEGORIES


# --- Kaplan–Meier ------------------------------------------------------------------------------------------

def fix_bucket(hours: float) -> int:
    """The summaries' step for a time in hours (the SQL function kerbside_fix_bucket)."""
    if hours <= 48:
        return max(1, math.ceil(hours))
    for limit, step in ((168, 6), (720, 24)):
        if hours <= limit:
            return math.ceil(hours / step) * step
    return math.ceil(hours / 168) * 168


def kaplan_meier(events: dict[int, int], censored: dict[int, int],
                 quantiles: tuple[float, ...] = (0.5, 0.9)) -> list[int | None]:
    """Times (hours) by which the share ``q`` of reports is estimated fixed: the first time at which the
    Kaplan–Meier survival falls to 1 - q or below; None if it never does. ``events``: {time: fixes},
    ``censored``: {time: reports still open at that age}; a report censored at a time is at risk at it."""
    at_risk = sum(events.values()) + sum(censored.values())
    survival, found = 1.0, {q: None for q in quantiles}
    for t in sorted(set(events) | set(censored)):
        d = events.get(t, 0)
        if d and at_risk:
            survival *= 1 - d / at_risk
            for q in quantiles:
                if found[q] is None and survival <= 1 - q + 1e-9:
                    found[q] = t
        at_risk -= d + censored.get(t, 0)
    return [found[q] for q in quantiles]


def open_age_bucket(day: date, now: datetime) -> int:
    """The step of the age at ``now`` of a report made on ``day`` (taken at midday, at least half an hour)."""
    made = datetime.combine(day, time(12), tzinfo=timezone.utc)
    return fix_bucket(max(0.5, (now - made).total_seconds() / 3600))


def time_to_fix(events: dict[int, int], censored: dict[int, int]) -> TimeToFix:
    median, p90 = kaplan_meier(events, censored)
    return TimeToFix(median, p90, sum(events.values()), sum(censored.values()))


def _add(into: dict, key, n: int) -> None:
    into[key] = into.get(key, 0) + n


# --- Queries -----------------------------------------------------------------------------------------------

_REPORTED = text("""
SELECT ward_id, sum(reported)::int FROM perf_daily
WHERE category_id = :cat AND day BETWEEN :start AND :end GROUP BY ward_id
""")
_FIXES = text("""
SELECT ward_id, bucket_hours, sum(n)::int FROM (
    SELECT ward_id, bucket_hours, n FROM perf_fix_hours_monthly
    WHERE category_id = :cat AND month >= :full_start AND month < :full_end
    UNION ALL
    SELECT ward_id, bucket_hours, n FROM perf_fix_hours
    WHERE category_id = :cat AND ((day >= :start AND day < :full_start) OR (day >= :full_end AND day <= :end))
) parts GROUP BY ward_id, bucket_hours HAVING sum(n) > 0
""")
_STILL_OPEN = text("""
SELECT ward_id, day, sum(open)::int FROM perf_daily
WHERE category_id = :cat AND day BETWEEN :start AND :end AND open > 0 GROUP BY ward_id, day
""")
_DUE = text("""
SELECT ward_id, sum(kept)::int, sum(late)::int, sum(open)::int, sum(closed)::int FROM (
    SELECT ward_id, kept, late, open, closed FROM perf_due_monthly
    WHERE category_id = :cat AND month >= :full_start AND month < :full_end
    UNION ALL
    SELECT ward_id, kept, late, open, closed FROM perf_due_daily
    WHERE category_id = :cat AND ((day >= :start AND day < :full_start) OR (day >= :full_end AND day <= :end))
) parts GROUP BY ward_id
""")
_BACKLOG = text("""
SELECT ward_id, (sum(came_in) - sum(fixed))::int, sum(came_in_sum) - sum(fixed_created_sum)
FROM perf_flow_daily WHERE category_id = :cat AND day <= :end GROUP BY ward_id
""")
#: Every satisfaction answer: (report_id, satisfied, at). The one definition of what counts (see the module's
#: docstring); :good is GOOD_SCORE.
SATISFACTION_ANSWERS = """
SELECT report_id, score >= :good AS satisfied, created_at AS at FROM fix_ratings
UNION ALL
SELECT report_id, fixed AS satisfied, answered_at AS at FROM questionnaires
WHERE answered_at IS NOT NULL AND fixed IS NOT NULL
"""
_RATINGS = text(f"""
SELECT r.ward_id, count(*) FILTER (WHERE a.satisfied)::int, count(*)::int
FROM ({SATISFACTION_ANSWERS}) a JOIN reports r ON r.id = a.report_id
WHERE a.at >= :start AND a.at < :after AND r.ward_id IS NOT NULL
  AND kerbside_report_is_public(r.status, r.hidden) AND (:cat = 0 OR r.category_id = :cat)
GROUP BY r.ward_id
""")
_WARDS = text("SELECT id, code, name, area_km2 FROM wards ORDER BY name")


def _params(period: Period, category_id: int) -> dict:
    full_start, full_end = whole_months(period)
    return {"cat": category_id, "start": period.start, "end": period.end, "full_start": full_start,
            "full_end": full_end}


def due_window(period: Period, now: datetime) -> Period | None:
    """The period's days whose due reports are decided: up to yesterday (UTC) at most."""
    last = min(period.end, now.date() - timedelta(days=1))
    return Period(period.start, last) if last >= period.start else None


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def measures_table(session: Session, period: Period, category_id: int = ALL_CATEGORIES,
                   now: datetime | None = None) -> MeasuresTable:
    """Every measure for every ward and the borough, for one category (or ALL_CATEGORIES) and period.
    ``now`` (aware, UTC) sets the open reports' ages and which due days have passed. For the present moment
    (``now`` not given) the figures may come from the session's figure cache (gis.figure_cache): at most its
    seconds old, which moves an open report's age by less than the summaries' smallest step (an hour)."""
    if now is None:
        today = utc_now().date()
        return cached(session, ("measures", period, category_id, today),
                      lambda: _measures_table(session, period, category_id, utc_now()))
    return _measures_table(session, period, category_id, now)


def _measures_table(session: Session, period: Period, category_id: int, now: datetime) -> MeasuresTable:
    params = _params(period, category_id)
    reported = dict(session.execute(_REPORTED, params).all())
    events: dict[int, dict[int, int]] = {}
    for ward_id, bucket, n in session.execute(_FIXES, params):
        _add(events.setdefault(ward_id, {}), bucket, n)
    censored: dict[int, dict[int, int]] = {}
    for ward_id, day, n in session.execute(_STILL_OPEN, params):
        _add(censored.setdefault(ward_id, {}), open_age_bucket(day, now), n)
    window = due_window(period, now)
    due = {}
    if window is not None:
        due = {row[0]: row[1:] for row in session.execute(_DUE, _params(window, category_id))}
    end_of_period = min(now, datetime.combine(period.end + timedelta(days=1), time(), tzinfo=timezone.utc))
    backlog = {w: (n, s) for w, n, s in session.execute(_BACKLOG, {"cat": category_id, "end": period.end})}
    start, after = (datetime.combine(d, time(), tzinfo=timezone.utc)
                    for d in (period.start, period.end + timedelta(days=1)))
    ratings = {w: Share(g, n) for w, g, n in session.execute(
        _RATINGS, {"cat": category_id, "start": start, "after": after, "good": GOOD_SCORE})}

    def fill(m: AreaMeasures, ids: list[int]) -> AreaMeasures:
        m.reported = sum(reported.get(i, 0) for i in ids)
        kept = late = still_open = closed = 0
        for i in ids:
            k, la, o, c = due.get(i, (0, 0, 0, 0))
            kept, late, still_open, closed = kept + k, late + la, still_open + o, closed + c
        m.within, m.overdue_open, m.closed_unfixed = Share(kept, kept + late + still_open), still_open, closed
        ev: dict[int, int] = {}
        ce: dict[int, int] = {}
        for i in ids:
            for b, n in events.get(i, {}).items():
                _add(ev, b, n)
            for b, n in censored.get(i, {}).items():
                _add(ce, b, n)
        m.fix = time_to_fix(ev, ce)
        n = sum(backlog.get(i, (0, 0.0))[0] for i in ids)
        created_sum = sum(backlog.get(i, (0, 0.0))[1] for i in ids)
        m.backlog = n
        m.backlog_age_days = round((end_of_period.timestamp() - created_sum / n) / 86400, 1) if n > 0 else None
        m.satisfaction = sum((ratings.get(i, Share()) for i in ids), Share())
        return m

    wards = [fill(AreaMeasures(code=code, name=name, area_km2=area or 0.0, ward_id=ward_id), [ward_id])
             for ward_id, code, name, area in session.execute(_WARDS)]
    borough = fill(AreaMeasures(code=None, name="Borough", area_km2=sum(w.area_km2 for w in wards)),
                   [w.ward_id for w in wards])
    return MeasuresTable(wards=wards, borough=borough, period=period, due_window=window, category_id=category_id)


@dataclass
class WardHeadline:
    """A ward's headline measures beside the borough's, for one period and category."""
    ward: AreaMeasures
    borough: AreaMeasures
    period: Period
    due_window: Period | None


def ward_headline(session: Session, ward_id: int, period: Period, category_id: int = ALL_CATEGORIES,
                  now: datetime | None = None) -> WardHeadline:
    """The measures of one ward (by id) and of the borough: what a ward or neighbourhood page shows."""
    table = measures_table(session, period, category_id, now)
    mine = next(w for w in table.wards if w.ward_id == ward_id)
    return WardHeadline(ward=mine, borough=table.borough, period=period, due_window=table.due_window)


# --- Where the data ends -----------------------------------------------------------------------------------

WINDOW_DAYS = 30
LIVE_DAYS = 7
_DATA_END = text("""
WITH days AS (SELECT day, sum(reported) AS n FROM perf_daily
              WHERE category_id = 0 AND day <= :today AND day >= :since GROUP BY day HAVING sum(reported) > 0)
SELECT max(day) FILTER (WHERE w >= :min), max(day) FROM (
    SELECT day, sum(n) OVER (ORDER BY day RANGE BETWEEN :span PRECEDING AND CURRENT ROW) AS w FROM days) x
""")


def data_end(session: Session, today: date) -> date:
    """The day periods end on: today while reports are coming in, else the last day on which the 30 days up to
    it held at least MIN_COUNT reports (so a handful of new reports does not replace years of history), else
    the last day with a report, else today. Kept by the figure cache (every public page with figures asks)."""
    return cached(session, ("data-end", today), lambda: _data_end(session, today))


def _data_end(session: Session, today: date) -> date:
    params = {"today": today, "min": MIN_COUNT, "span": timedelta(days=WINDOW_DAYS - 1)}
    live_since = today - timedelta(days=LIVE_DAYS + WINDOW_DAYS - 1)
    enough, last = session.execute(_DATA_END, {**params, "since": live_since}).one()   # a few days' rows
    if enough is not None and enough >= today - timedelta(days=LIVE_DAYS):
        return today
    enough, last = session.execute(_DATA_END, {**params, "since": date.min}).one()     # the whole history
    if enough is None:
        return last or today
    return today if enough >= today - timedelta(days=LIVE_DAYS) else enough
