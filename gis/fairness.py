"""Fairness: is the service different where people are poorer? Reports per 1,000 residents, time to fix and
the share fixed within target, per ward and per national deprivation decile of the small area (LSOA) a report
lies in. No Flask here.

Definitions (one query for both groupings, so wards and deciles are measured alike):
- reports: public reports (``kerbside_report_is_public``) made in [since, until);
- per 1,000 residents: reports / residents × 1,000. A decile's residents are those of its areas; a ward's are
  its areas' residents times the share living in the ward (``area_wards.pop_share``);
- time to fix: median of ``fixed_at - created_at`` in hours over the reports now fixed (exact median);
- fixed within target: of the reports now fixed, the share fixed within their category's ``target_hours``;
- a report lies in the area covering its point (the lowest id if two touch; areas are looked up in their
  subdivided pieces, ``area_parts``): ``reports.area_id``, set by the database when a report is made or moved
  and for every report when areas are imported (``assign_report_areas``).

Reading a year of reports for each page view is still too slow at a million reports, so the page reads the
figures as last stored (``store_figures``, one set-based statement: when areas are imported, and by the worker
every few minutes) and says when they were computed; ``fairness`` computes them directly.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from .performance import latest_report_day

#: Under this many fixed reports a median or share is not shown ("too few to say").
MIN_FIXED = 10
#: The page covers the reports of this many days, up to the last day with a report.
PERIOD_DAYS = 365

_FIGURES = text("""
WITH r AS MATERIALIZED (
    SELECT r.ward_id, a.imd_decile, r.status = 'fixed' AND r.fixed_at IS NOT NULL AS fixed,
           extract(epoch FROM r.fixed_at - r.created_at) / 3600.0 AS hours, c.target_hours
    FROM reports r
    JOIN categories c ON c.id = r.category_id
    LEFT JOIN areas a ON a.id = r.area_id       -- set from the point (reports_set_ward, import_areas)
    WHERE r.created_at >= :since AND r.created_at < :until
      AND kerbside_report_is_public(r.status, r.hidden)      -- the visibility rule (migration 0011)
)
SELECT 'ward' AS kind, ward_id AS key, count(*)::int, count(*) FILTER (WHERE fixed)::int,
       count(*) FILTER (WHERE fixed AND hours <= target_hours)::int,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE fixed)
FROM r WHERE ward_id IS NOT NULL GROUP BY ward_id
UNION ALL
SELECT 'decile', imd_decile, count(*)::int, count(*) FILTER (WHERE fixed)::int,
       count(*) FILTER (WHERE fixed AND hours <= target_hours)::int,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE fixed)
FROM r WHERE imd_decile IS NOT NULL GROUP BY imd_decile
""")
_WARDS = text("""
SELECT w.id, w.code, w.name, sum(a.population * aw.pop_share) AS residents,
       sum(a.population * aw.pop_share * a.imd_score) / NULLIF(sum(a.population * aw.pop_share), 0) AS imd
FROM wards w LEFT JOIN area_wards aw ON aw.ward_id = w.id LEFT JOIN areas a ON a.id = aw.area_id
GROUP BY w.id, w.code, w.name ORDER BY w.name
""")
_DECILES = text("SELECT imd_decile, sum(population)::int, count(*)::int FROM areas GROUP BY 1 ORDER BY 1")


@dataclass
class Group:
    """The figures of one ward or one decile."""
    key: int
    label: str
    residents: float
    reported: int = 0
    fixed: int = 0
    fixed_within: int = 0
    median_hours: float | None = None
    areas: int = 0
    code: str | None = None
    #: Population-weighted mean IMD score (wards only; higher is more deprived).
    imd_score: float | None = None

    @property
    def per_1000(self) -> float | None:
        return self.reported / self.residents * 1000 if self.residents else None

    @property
    def enough(self) -> bool:
        return self.fixed >= MIN_FIXED

    @property
    def within_target(self) -> float | None:
        return self.fixed_within / self.fixed if self.enough else None

    @property
    def median(self) -> float | None:
        return self.median_hours if self.enough else None


@dataclass
class Fairness:
    wards: list[Group]
    deciles: list[Group]
    since: datetime
    until: datetime
    #: When stored figures were computed (aware UTC); None: computed just now, directly.
    computed_at: datetime | None = None

    @property
    def has_areas(self) -> bool:
        return bool(self.deciles)

    @property
    def first_day(self) -> date:
        return self.since.date()

    @property
    def last_day(self) -> date:
        return (self.until - timedelta(days=1)).date()


def window(session: Session, today: date) -> tuple[datetime, datetime]:
    """[since, until) (naive UTC midnights) of the page: PERIOD_DAYS days up to the last day with a public report
    (today at the latest)."""
    end = min(today, latest_report_day(session) or today)
    until = datetime.combine(end + timedelta(days=1), time())
    return until - timedelta(days=PERIOD_DAYS), until


def fairness(session: Session, since: datetime, until: datetime) -> Fairness:
    """Figures per ward and per deprivation decile for public reports made in [since, until) (naive UTC),
    computed directly from the reports."""
    figures = {(kind, key): rest for kind, key, *rest in session.execute(_FIGURES, {"since": since, "until": until})}
    return _assemble(session, figures, since, until, None)


_STORE = text(f"""
WITH fresh AS ({_FIGURES.text})
INSERT INTO fairness_figures (kind, key, reported, fixed, fixed_within, median_hours) SELECT * FROM fresh
""")
_REFRESHED = text("""
INSERT INTO fairness_refresh (id, first_day, last_day, computed_at) VALUES (1, :first, :last, :at)
ON CONFLICT (id) DO UPDATE SET first_day = EXCLUDED.first_day, last_day = EXCLUDED.last_day,
                               computed_at = EXCLUDED.computed_at
""")


_ASSIGN = text("""
UPDATE reports r SET area_id = found.area_id
FROM (SELECT r2.id, (SELECT p.area_id FROM area_parts p WHERE ST_Covers(p.geom, r2.geom)
                     ORDER BY p.area_id LIMIT 1) AS area_id FROM reports r2) found
WHERE found.id = r.id AND r.area_id IS DISTINCT FROM found.area_id
""")


def assign_report_areas(session: Session) -> int:
    """Set every report's small area from its point, after the areas changed; returns how many changed. The
    caller commits. (Only area_id changes: no summary trigger fires.)"""
    return session.execute(_ASSIGN).rowcount


def store_figures(session: Session, today: date | None = None, now: datetime | None = None) -> datetime:
    """Compute the page's figures (``window``) in one statement and store them for ``stored_fairness``, with
    when; returns that time. The caller commits (readers see the old figures until then)."""
    now = now or datetime.now(timezone.utc)
    since, until = window(session, today or now.date())
    session.execute(text("DELETE FROM fairness_figures"))
    session.execute(_STORE, {"since": since, "until": until})
    session.execute(_REFRESHED, {"first": since.date(), "last": (until - timedelta(days=1)).date(), "at": now})
    return now


def stored_fairness(session: Session) -> Fairness | None:
    """The figures as last stored by ``store_figures``, or None if they never were."""
    refreshed = session.execute(text("SELECT first_day, last_day, computed_at FROM fairness_refresh")).first()
    if refreshed is None:
        return None
    first, last, computed_at = refreshed
    figures = {(kind, key): rest for kind, key, *rest in session.execute(text(
        "SELECT kind, key, reported, fixed, fixed_within, median_hours FROM fairness_figures"))}
    return _assemble(session, figures, datetime.combine(first, time()),
                     datetime.combine(last + timedelta(days=1), time()), computed_at.astimezone(timezone.utc))


def _assemble(session: Session, figures: dict, since: datetime, until: datetime,
              computed_at: datetime | None) -> Fairness:

    def fill(group: Group, kind: str) -> Group:
        reported, fixed, within, median = figures.get((kind, group.key), (0, 0, 0, None))
        group.reported, group.fixed, group.fixed_within = reported, fixed, within
        group.median_hours = None if median is None else float(median)
        return group

    wards = [fill(Group(key=wid, label=name, code=code, residents=float(residents or 0),
                        imd_score=None if imd is None else round(float(imd), 1)), "ward")
             for wid, code, name, residents, imd in session.execute(_WARDS)]
    wards.sort(key=lambda g: (g.imd_score is None, -(g.imd_score or 0), g.label))   # most deprived first
    deciles = [fill(Group(key=d, label=decile_label(d), residents=float(people), areas=n), "decile")
               for d, people, n in session.execute(_DECILES)]
    return Fairness(wards=wards, deciles=deciles, since=since, until=until, computed_at=computed_at)


def decile_label(decile: int) -> str:
    if decile == 1:
        return "1 (most deprived 10% in England)"
    if decile == 10:
        return "10 (least deprived 10%)"
    return str(decile)
