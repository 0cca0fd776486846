"""Hotspots: places where the same category of problem keeps being reported, found with ST_ClusterDBSCAN in
British National Grid (EPSG:27700, metres). No Flask here.

Clustering every public report of 90 days (some 80,000 at a million reports) takes a few hundred
milliseconds (a ward's, ~30), so the lists of the borough and of each ward (no point) are also kept as
computed (``hotspot_cache``, one row per category, ward and window): ``store_hotspots`` computes and stores,
``stored_hotspots`` reads a row no older than asked. A stored list is exact as of ``computed_at``: reports
made since are not in it yet, and a report that stops being public (or moves, or changes category or date)
leaves it at once: the trigger ``reports_hotspot_forget`` deletes every stored list whose window held it, so
the next reader computes afresh.
"""
from __future__ import annotations

import json
from dataclasses import astuple, dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from .coords import LonLat
from .nearby import aware, envelope_bounds

#: References listed per hotspot, newest first (pages show ten; the count is always the whole group).
REFERENCES_MAX = 20
#: The sort feeding the window function holds every point of the period (~80,000 for all categories over 90
#: days at a million reports): with the default 4 MB it spills to disk.
WORK_MEM = text("SET LOCAL work_mem = '32MB'")

HOTSPOT_SQL = text("""
WITH pts AS (
    SELECT r.id, r.category_id, r.geom_bng AS g     -- British National Grid, stored by the ward trigger
    FROM reports r
    WHERE r.created_at >= :since AND r.created_at < :until
      AND kerbside_report_is_public(r.status, r.hidden)   -- the visibility rule (models/sql), inlined
      AND (CAST(:category_id AS integer) IS NULL OR r.category_id = :category_id)
      AND (CAST(:ward_id AS integer) IS NULL OR r.ward_id = :ward_id)
      AND (CAST(:near_lon AS float) IS NULL          -- the (geom, created_at) GiST index takes box and dates
           OR (r.geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)
               AND ST_Distance(CAST(r.geom AS geography),
                               CAST(ST_SetSRID(ST_MakePoint(:near_lon, :near_lat), 4326) AS geography)) <= :near_metres))
), clustered AS (
    SELECT id, category_id, g, ST_ClusterDBSCAN(g, eps => :metres, minpoints => :min_reports)
                               OVER (PARTITION BY category_id) AS cluster
    FROM pts
), spots AS (       -- the centre of points is the mean of their coordinates (no geometry collection built)
    SELECT category_id, count(*) AS n, (array_agg(id ORDER BY id DESC))[1:CAST(:refs AS integer)] AS ids,
           avg(ST_X(g)) AS x, avg(ST_Y(g)) AS y
    FROM clustered WHERE cluster IS NOT NULL GROUP BY category_id, cluster
), top AS (
    SELECT s.category_id, s.n, s.ids, c.code, c.name,
           ST_Transform(ST_SetSRID(ST_MakePoint(s.x, s.y), 27700), 4326) AS centre
    FROM spots s JOIN categories c ON c.id = s.category_id
    ORDER BY s.n DESC, c.name, s.ids[1] DESC LIMIT :limit
)
SELECT s.code, s.name, s.n,     -- the newest references of the spots shown
       ARRAY(SELECT r.reference FROM unnest(s.ids) WITH ORDINALITY AS u(id, k) JOIN reports r ON r.id = u.id
             ORDER BY u.k),
       ST_X(s.centre), ST_Y(s.centre), w.code, w.name
FROM top s
LEFT JOIN LATERAL (SELECT code, name FROM wards WHERE ST_Covers(wards.geom, s.centre) ORDER BY id LIMIT 1) w
       ON true
ORDER BY s.n DESC, s.name, s.ids[1] DESC
""")


@dataclass
class Hotspot:
    category_code: str
    category_name: str
    count: int
    references: list[str]
    lon: float
    lat: float
    ward_code: str | None
    ward_name: str | None


def hotspots(session: Session, since: datetime, until: datetime, category_id: int | None = None,
             ward_id: int | None = None, metres: float = 50, min_reports: int = 3,
             limit: int = 50, references: int = REFERENCES_MAX, near: LonLat | None = None,
             near_metres: float = 500) -> list[Hotspot]:
    """Groups of at least ``min_reports`` public reports of one category, each within ``metres`` (metres,
    EPSG:27700) of another, made in [since, until); largest first, with the ``references`` newest references
    of each (``count`` is the whole group). Centres are WGS84 degrees; the ward is the one covering the
    centre. ``near``: a WGS84 point; only reports within ``near_metres`` (metres, on the spheroid) of it
    are grouped."""
    session.execute(WORK_MEM)
    west, south, east, north = envelope_bounds(near, near_metres) if near else (None,) * 4
    rows = session.execute(HOTSPOT_SQL, {"since": aware(since), "until": aware(until),
                                         "category_id": category_id or None, "west": west, "south": south,
                                         "east": east, "north": north,
                                         "ward_id": ward_id,
                                         "metres": metres, "min_reports": min_reports, "limit": limit,
                                         "refs": references, "near_lon": near.lon if near else None,
                                         "near_lat": near.lat if near else None, "near_metres": near_metres})
    return [Hotspot(code, name, n, list(refs), x, y, wcode, wname) for code, name, n, refs, x, y, wcode, wname in rows]


# --- The lists of the borough and of each ward, as computed -------------------------------------------------

@dataclass
class StoredHotspots:
    spots: list[Hotspot]
    #: When the list was computed (aware UTC): reports made since are not in it.
    computed_at: datetime


_STORE = text("""
INSERT INTO hotspot_cache (category_id, ward_id, since, until, computed_at, spots)
VALUES (:category_id, :ward_id, :since, :until, :at, CAST(:spots AS jsonb))
ON CONFLICT (category_id, ward_id, since, until) DO UPDATE
SET computed_at = EXCLUDED.computed_at, spots = EXCLUDED.spots
""")
_STORED = text("""
SELECT computed_at, spots FROM hotspot_cache
WHERE category_id = :category_id AND ward_id = :ward_id AND since = :since AND until = :until
  AND computed_at >= :fresh_since
""")


def store_hotspots(session: Session, since: datetime, until: datetime, category_id: int | None,
                   now: datetime, ward_id: int | None = None) -> StoredHotspots:
    """Compute the hotspots of [since, until) (the defaults of ``hotspots``) for one category (None or 0: all)
    and ward (None or 0: every ward) and store them as computed at ``now`` (aware UTC). The caller commits."""
    spots = hotspots(session, since, until, category_id, ward_id or None)
    session.execute(_STORE, {"category_id": category_id or 0, "ward_id": ward_id or 0, "since": since,
                             "until": until, "at": now, "spots": json.dumps([astuple(spot) for spot in spots])})
    return StoredHotspots(spots, now)


def stored_hotspots(session: Session, since: datetime, until: datetime, category_id: int | None,
                    fresh_since: datetime, ward_id: int | None = None) -> StoredHotspots | None:
    """The stored hotspots of [since, until) for one category (None or 0: all) and ward (None or 0: every
    ward) if they were computed at ``fresh_since`` or later. (A list holding a report that has since stopped
    being public is not there: the trigger reports_hotspot_forget deleted it.)"""
    row = session.execute(_STORED, {"category_id": category_id or 0, "ward_id": ward_id or 0, "since": since,
                                    "until": until, "fresh_since": fresh_since}).first()
    if row is None:
        return None
    computed_at, spots = row
    return StoredHotspots([Hotspot(*spot) for spot in spots], computed_at)


def stored_windows(session: Session, computed_before: datetime, until_after: datetime) -> list[tuple]:
    """(category_id, since, until, ward_id) of the stored lists computed before ``computed_before`` whose
    windows end after ``until_after``: what the worker recomputes."""
    return session.execute(text("SELECT category_id, since, until, ward_id FROM hotspot_cache "
                                "WHERE computed_at < :before AND until > :after "
                                "ORDER BY until DESC, category_id, ward_id"),
                           {"before": computed_before, "after": until_after}).all()


def forget_hotspots(session: Session, computed_before: datetime) -> int:
    """Delete the stored lists computed before ``computed_before``; returns how many. The caller commits."""
    return session.execute(text("DELETE FROM hotspot_cache WHERE computed_at < :before"),
                           {"before": computed_before}).rowcount
