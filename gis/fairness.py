"""Fairness: is the service different where people are poorer? Reports per 1,000 residents, time to fix and
promises kept, per ward and per national deprivation decile of the small area (LSOA) a report lies in. No Flask
here.

Time to fix and promises kept are gis.measures' own definitions, so a ward's figures here are the ones its ward
page and /performance give for the same days (a test checks this); one query measures wards and deciles alike:
- reports: public reports (``kerbside_report_is_public``) made in [since, until);
- per 1,000 residents: reports / residents × 1,000. A decile's residents are those of its areas; a ward's are
  its areas' residents times the share living in the ward (``area_wards.pop_share``);
- time to fix: the Kaplan–Meier median over the reports made in [since, until): a report still open counts as
  "not fixed after its age so far", so a group that leaves its hardest cases open does not look fast; reports
  closed without a fix are left out (gis.measures.time_to_fix, in the summaries' steps);
- promises kept (within target): of the reports whose due time (made + the category's target) fell on the
  window's days up to yesterday, the share fixed by then; fixed late or still open is missed; closed without a
  fix is left out (gis.measures' within target);
- a report lies in the area covering its point (the lowest id if two touch; areas are looked up in their
  subdivided pieces, ``area_parts``): ``reports.area_id``, set by the database when a report is made or moved
  and for every report when areas are imported (``assign_report_areas``).

Reading a year of reports for each page view is still too slow at a million reports, so the page reads the
figures as last stored (``store_figures``: when areas are imported, and by the worker every few minutes) and
says when they were computed; ``fairness`` computes them directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from models import OPEN

from .measures import MIN_COUNT, Share, TimeToFix, _add, data_end, due_window, open_age_bucket, time_to_fix, \
    utc_now
from .performance import Period

#: Under this many reports a median or share is not shown ("too few reports to say"): gis.measures' minimum.
MIN_FIXED = MIN_COUNT
#: The page covers the reports of this many days, up to the day the data ends (gis.measures.data_end).
PERIOD_DAYS = 365

#: Rows of (kind, key, what, at, n): what is "reported"; "fixed" (at: the time to fix's step, hours); "open"
#: (at: the day made, as days after :first_day); "kept", "missed" or "closed" (reports due in the due window).
_FIGURES = text("""
WITH r AS MATERIALIZED (
    SELECT r.ward_id, a.imd_decile, r.created_at, r.fixed_at,
           r.created_at + make_interval(hours => c.target_hours) AS due_at,
           r.status = 'fixed' AND r.fixed_at IS NOT NULL AS is_fixed, r.status::text = ANY(:open) AS is_open
    FROM reports r
    JOIN categories c ON c.id = r.category_id
    LEFT JOIN areas a ON a.id = r.area_id       -- set from the point (reports_set_ward, import_areas)
    WHERE r.created_at >= :earliest AND r.created_at < :until
      AND kerbside_report_is_public(r.status, r.hidden)      -- the visibility rule (migration 0011)
), g AS MATERIALIZED (
    SELECT 'ward' AS kind, ward_id AS key, created_at, fixed_at, due_at, is_fixed, is_open
    FROM r WHERE ward_id IS NOT NULL
    UNION ALL
    SELECT 'decile', imd_decile, created_at, fixed_at, due_at, is_fixed, is_open FROM r WHERE imd_decile IS NOT NULL
)
SELECT kind, key, 'reported', 0, count(*)::int FROM g WHERE created_at >= :since GROUP BY 1, 2
UNION ALL
SELECT kind, key, 'fixed', kerbside_fix_bucket(extract(epoch FROM fixed_at - created_at) / 3600.0), count(*)::int
FROM g WHERE created_at >= :since AND is_fixed GROUP BY 1, 2, 4
UNION ALL
SELECT kind, key, 'open', (created_at AT TIME ZONE 'UTC')::date - CAST(:first_day AS date), count(*)::int
FROM g WHERE created_at >= :since AND is_open GROUP BY 1, 2, 4
UNION ALL
SELECT kind, key, CASE WHEN is_fixed AND fixed_at <= due_at THEN 'kept' WHEN is_fixed OR is_open THEN 'missed'
                       ELSE 'closed' END, 0, count(*)::int
FROM g WHERE (due_at AT TIME ZONE 'UTC')::date BETWEEN CAST(:due_from AS date) AND CAST(:due_to AS date)
GROUP BY 1, 2, 3
""")
_WARDS = text("""
SELECT w.id, w.code, w.name, sum(a.population * aw.pop_share) AS residents,
       sum(a.population * aw.pop_share * a.imd_score) / NULLIF(sum(a.population * aw.pop_share), 0) AS imd
FROM wards w LEFT JOIN area_wards aw ON aw.ward_id = w.id LEFT JOIN areas a ON a.id = aw.area_id
GROUP BY w.id, w.code, w.name ORDER BY w.name
""")
_DECILES = text("SELECT imd_decile, sum(population)::int, count(*)::int FROM areas GROUP BY 1 ORDER BY 1")
_LONGEST_TARGET = text("SELECT coalesce(max(target_hours), 0) FROM categories")


@dataclass
class Group:
    """The figures of one ward or one decile."""
    key: int
    label: str
    residents: float
    reported: int = 0
    #: Promises kept: of the reports due in the window (up to yesterday), those fixed by their due time.
    within: Share = field(default_factory=Share)
    #: Time to fix over the reports made in the window, open ones counted as not fixed yet (Kaplan–Meier).
    fix: TimeToFix = field(default_factory=lambda: TimeToFix(None, None, 0, 0))
    areas: int = 0
    code: str | None = None
    #: Population-weighted mean IMD score (wards only; higher is more deprived).
    imd_score: float | None = None

    @property
    def per_1000(self) -> float | None:
        return self.reported / self.residents * 1000 if self.residents else None

    @property
    def within_target(self) -> float | None:
        return self.within.value if self.within.enough else None

    @property
    def median(self) -> int | None:
        """The median time to fix in hours; None when too few reports, or fewer than half fixed yet."""
        return self.fix.median_hours if self.fix.enough else None


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
    """[since, until) (naive UTC midnights) of the page: PERIOD_DAYS days up to the day the data ends
    (gis.measures.data_end: today while reports come in, else the end of the history), as the other pages."""
    end = data_end(session, today)
    until = datetime.combine(end + timedelta(days=1), time())
    return until - timedelta(days=PERIOD_DAYS), until


#: One group's stored figures: reported, fixed, still open, due, kept, median hours.
Stored = tuple[int, int, int, int, int, "int | None"]


def _compute(session: Session, since: datetime, until: datetime, now: datetime) -> dict[tuple[str, int], Stored]:
    """Every group's figures for reports made in [since, until) (naive UTC), open reports aged to ``now``."""
    first = since.date()
    due = due_window(Period(first, (until - timedelta(days=1)).date()), now)
    longest = session.execute(_LONGEST_TARGET).scalar()
    params = {"since": since, "until": until, "earliest": since - timedelta(hours=longest),
              "open": sorted(s.value for s in OPEN), "first_day": first,
              "due_from": due.start if due else date.max, "due_to": due.end if due else date.min}
    rows: dict[tuple[str, int], dict] = {}
    for kind, key, what, at, n in session.execute(_FIGURES, params):
        group = rows.setdefault((kind, key), {"reported": 0, "kept": 0, "missed": 0, "closed": 0,
                                              "fixed": {}, "open": {}})
        if what == "fixed":
            _add(group["fixed"], at, n)
        elif what == "open":
            _add(group["open"], open_age_bucket(first + timedelta(days=at), now), n)
        else:
            group[what] += n
    out = {}
    for group_key, g in rows.items():
        fix = time_to_fix(g["fixed"], g["open"])
        out[group_key] = (g["reported"], fix.fixed, fix.still_open, g["kept"] + g["missed"], g["kept"],
                          fix.median_hours)
    return out


def fairness(session: Session, since: datetime, until: datetime, now: datetime | None = None) -> Fairness:
    """Figures per ward and per deprivation decile for public reports made in [since, until) (naive UTC),
    computed directly from the reports; open reports are aged to ``now`` (aware UTC)."""
    return _assemble(session, _compute(session, since, until, now or utc_now()), since, until, None)


_STORE = text("""
INSERT INTO fairness_figures (kind, key, reported, fixed, still_open, due, fixed_within, median_hours)
VALUES (:kind, :key, :reported, :fixed, :still_open, :due, :kept, :median)
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
    """Compute the page's figures (``window``) in one query and store them for ``stored_fairness``, with
    when; returns that time. The caller commits (readers see the old figures until then)."""
    now = now or datetime.now(timezone.utc)
    since, until = window(session, today or now.date())
    figures = _compute(session, since, until, now)
    session.execute(text("DELETE FROM fairness_figures"))
    if figures:
        session.execute(_STORE, [{"kind": kind, "key": key, "reported": r, "fixed": f, "still_open": o, "due": d,
                                  "kept": k, "median": m} for (kind, key), (r, f, o, d, k, m) in figures.items()])
    session.execute(_REFRESHED, {"first": since.date(), "last": (until - timedelta(days=1)).date(), "at": now})
    return now


def stored_fairness(session: Session) -> Fairness | None:
    """The figures as last stored by ``store_figures``, or None if they never were."""
    refreshed = session.execute(text("SELECT first_day, last_day, computed_at FROM fairness_refresh")).first()
    if refreshed is None:
        return None
    first, last, computed_at = refreshed
    figures = {(kind, key): rest for kind, key, *rest in session.execute(text(
        "SELECT kind, key, reported, fixed, still_open, due, fixed_within, median_hours FROM fairness_figures"))}
    return _assemble(session, figures, datetime.combine(first, time()),
                     datetime.combine(last + timedelta(days=1), time()), computed_at.astimezone(timezone.utc))


def _assemble(session: Session, figures: dict, since: datetime, until: datetime,
              computed_at: datetime | None) -> Fairness:

    def fill(group: Group, kind: str) -> Group:
        reported, fixed, still_open, due, kept, median = figures.get((kind, group.key), (0, 0, 0, 0, 0, None))
        group.reported, group.within = reported, Share(kept, due)
        group.fix = TimeToFix(None if median is None else int(median), None, fixed, still_open)
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
