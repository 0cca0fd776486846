"""Reports near a point, in metres on the spheroid (uses the ``(geom::geography)`` GiST index)."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, cast, func, select
from sqlalchemy.types import UserDefinedType
from sqlalchemy.orm import Session, lazyload

from models import OPEN, Report

from .coords import LonLat
from .queries import point_expr

ME_TOO_METRES = 50


class _Geography(UserDefinedType):
    """Plain ``geography`` (no typmod), so ``CAST(geom AS geography)`` matches the index on
    ``(geom::geography)``; geoalchemy2's Geography renders ``geography(GEOMETRY,-1)``, which does not."""
    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "geography"


def geog(expr):
    return cast(expr, _Geography())


def open_reports_near(session: Session, source: Select, point: LonLat, category_id: int | None = None,
                      metres: float = ME_TOO_METRES, exclude_id: int | None = None, limit: int = 10):
    """Open reports within ``metres`` of a WGS84 point, nearest first, as rows of
    (Report, distance in metres, lon, lat in degrees). ``source`` is the select of reports the viewer may
    see (portal.services.visibility.visible_reports): suggestions never show a hidden or unconfirmed one."""
    here = geog(point_expr(point))
    distance = func.ST_Distance(geog(Report.geom), here)
    stmt = source.with_only_columns(Report, distance.label("metres"), func.ST_X(Report.geom).label("lon"),
                                    func.ST_Y(Report.geom).label("lat")).where(
        Report.status.in_(OPEN), func.ST_DWithin(geog(Report.geom), here, metres))
    if category_id is not None:
        stmt = stmt.where(Report.category_id == category_id)
    if exclude_id is not None:
        stmt = stmt.where(Report.id != exclude_id)
    return session.execute(stmt.order_by(distance, Report.id).limit(limit)).all()


def report_point(session: Session, report: Report) -> LonLat:
    lon, lat = session.execute(select(func.ST_X(Report.geom), func.ST_Y(Report.geom))
                               .where(Report.id == report.id)).one()
    return LonLat(lon=lon, lat=lat)


#: Metres in a degree of latitude, at least (110,574 at the equator; more towards the poles), and in a degree of
#: longitude at the equator; a box from these is never smaller than the circle it holds.
_LAT_DEGREE_M, _LON_DEGREE_M = 110_500.0, 111_320.0


def envelope(point: LonLat, metres: float):
    """SQL: a lon/lat box sure to hold the circle of ``metres`` around ``point`` (1 % to spare), so the
    ``(geom, created_at)`` GiST index can take a place and a time together."""
    dlat = metres / _LAT_DEGREE_M * 1.01
    dlon = metres / (_LON_DEGREE_M * max(math.cos(math.radians(min(abs(point.lat) + dlat, 89.9))), 1e-6)) * 1.01
    return func.ST_MakeEnvelope(point.lon - dlon, point.lat - dlat, point.lon + dlon, point.lat + dlat, 4326)


def within_metres(point: LonLat, metres: float):
    """SQL condition: the report lies within ``metres`` (on the spheroid) of a WGS84 point. The box around the
    circle lets either GiST index (geography, or geometry with the date) find the candidates."""
    return and_(Report.geom.op("&&")(envelope(point, metres)),
                func.ST_DWithin(geog(Report.geom), geog(point_expr(point)), metres))


def reports_near(session: Session, source: Select, point: LonLat, metres: float, limit: int = 20,
                 statuses=None, since: datetime | None = None, until: datetime | None = None):
    """Reports within ``metres`` (metres, on the spheroid) of a WGS84 point, newest first, as rows of
    (Report, distance in metres, lon, lat in degrees). ``source`` is what the viewer may see
    (portal.services.visibility.visible_reports); ``statuses`` keeps only those statuses; ``since`` and
    ``until`` (made at or after, before) bound the dates."""
    here = geog(point_expr(point))
    stmt = source.with_only_columns(Report, func.ST_Distance(geog(Report.geom), here).label("metres"),
                                    func.ST_X(Report.geom).label("lon"), func.ST_Y(Report.geom).label("lat")).where(
        within_metres(point, metres), *_dates(since, until))
    if statuses is not None:
        stmt = stmt.where(Report.status.in_(statuses))
    # The ward (a whole multipolygon) is not needed for a list: joining it would load its geometry per row.
    stmt = stmt.options(lazyload(Report.ward))
    return session.execute(stmt.order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)).all()


#: Where the newest reports near a place are looked for first: the last 30 days, then the last year, then
#: all time. A busy street has its newest 20 within the first (a few hundred candidates instead of tens of
#: thousands at 1,000,000 reports); a quiet one costs a wider look, at a place with few reports.
NEWEST_WINDOWS = (timedelta(days=30), timedelta(days=365), None)


def newest_near(session: Session, source: Select, point: LonLat, metres: float, until: datetime,
                limit: int = 20, statuses=None):
    """The newest ``limit`` of ``source``'s reports within ``metres`` of a point, made before ``until``: the
    same rows as ``reports_near`` over all time, found by widening the window only while it holds too few."""
    for window in NEWEST_WINDOWS:
        rows = reports_near(session, source, point, metres, limit, statuses,
                            since=until - window if window is not None else None, until=until)
        if len(rows) >= limit or window is None:
            return rows
    raise AssertionError("unreachable")


def count_near(session: Session, source: Select, point: LonLat, metres: float, since: datetime | None = None,
               until: datetime | None = None) -> int:
    """How many of ``source``'s reports lie within ``metres`` of a WGS84 point (made at or after ``since``
    and before ``until``, when given)."""
    return session.execute(source.with_only_columns(func.count()).where(
        within_metres(point, metres), *_dates(since, until))).scalar_one()


def _dates(since: datetime | None, until: datetime | None) -> list:
    return ([Report.created_at >= since] if since is not None else []) + (
        [Report.created_at < until] if until is not None else [])
