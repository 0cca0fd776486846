"""Reports near a point, in metres on the spheroid (uses the ``(geom::geography)`` GiST index)."""
from __future__ import annotations

import math
from datetime import datetime, timezone

from sqlalchemy import DateTime, Select, and_, cast, func, literal, select
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


def _rows(source: Select, point: LonLat) -> Select:
    """``source``'s reports as the lists near a place give them: (Report, metres from ``point``, lon, lat)."""
    here = geog(point_expr(point))
    return source.with_only_columns(Report, func.ST_Distance(geog(Report.geom), here).label("metres"),
                                    func.ST_X(Report.geom).label("lon"), func.ST_Y(Report.geom).label("lat"))


def open_reports_near(session: Session, source: Select, point: LonLat, category_id: int | None = None,
                      metres: float = ME_TOO_METRES, exclude_id: int | None = None, limit: int = 10):
    """Open reports within ``metres`` of a WGS84 point, nearest first, as rows of
    (Report, distance in metres, lon, lat in degrees). ``source`` is the select of reports the viewer may
    see (portal.services.visibility.visible_reports): suggestions never show a hidden or unconfirmed one."""
    here = geog(point_expr(point))
    distance = func.ST_Distance(geog(Report.geom), here)
    stmt = _rows(source, point).where(
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


def envelope_bounds(point: LonLat, metres: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of a box sure to hold the circle of ``metres`` around ``point``
    (1 % to spare)."""
    dlat = metres / _LAT_DEGREE_M * 1.01
    dlon = metres / (_LON_DEGREE_M * max(math.cos(math.radians(min(abs(point.lat) + dlat, 89.9))), 1e-6)) * 1.01
    return point.lon - dlon, point.lat - dlat, point.lon + dlon, point.lat + dlat


def envelope(point: LonLat, metres: float):
    """SQL: the box of ``envelope_bounds``, so the ``(geom, created_at)`` GiST index can take a place and a time
    together."""
    return func.ST_MakeEnvelope(*envelope_bounds(point, metres), 4326)


def within_metres(point: LonLat, metres: float):
    """SQL condition: the report lies within ``metres`` (on the spheroid) of a WGS84 point. The candidates come
    from the box around the circle through the ``(geom, created_at)`` GiST index (which also takes a date
    range); the distance is then checked exactly. (Not ST_DWithin on geography: the planner would add the
    geography index's candidates, every report within the radius over all time, to a date-bounded search.)"""
    return and_(Report.geom.op("&&")(envelope(point, metres)),
                func.ST_Distance(geog(Report.geom), geog(point_expr(point))) <= metres)


def reports_near(session: Session, source: Select, point: LonLat, metres: float, limit: int = 20,
                 statuses=None, since: datetime | None = None, until: datetime | None = None):
    """Reports within ``metres`` (metres, on the spheroid) of a WGS84 point, newest first, as rows of
    (Report, distance in metres, lon, lat in degrees). ``source`` is what the viewer may see
    (portal.services.visibility.visible_reports); ``statuses`` keeps only those statuses; ``since`` and
    ``until`` (made at or after, before) bound the dates."""
    stmt = _rows(source, point).where(within_metres(point, metres), *_dates(since, until))
    if statuses is not None:
        stmt = stmt.where(Report.status.in_(statuses))
    # The ward (a whole multipolygon) is not needed for a list: joining it would load its geometry per row.
    stmt = stmt.options(lazyload(Report.ward))
    return session.execute(stmt.order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)).all()


def newest_near(session: Session, source: Select, point: LonLat, metres: float, until: datetime,
                limit: int = 20):
    """The newest ``limit`` of ``source``'s reports within ``metres`` of a point made before ``until``, as
    ``reports_near`` gives them (reports made at the very same moment in either order), read newest first
    straight from the ``(geom, created_at)`` GiST index (its distance order on the date, ``created_at <->
    until``): a few dozen index entries however many reports the place has had, where sorting them all took ~400 ms for a busy street at 1,000,000 reports."""
    until = aware(until)
    # Only the index's order: a second key (the id, for ties) would make the planner sort every candidate.
    newest_first = Report.created_at.op("<->")(literal(until, DateTime(timezone=True)))
    stmt = _rows(source, point).where(
        within_metres(point, metres), *_dates(None, until)).options(lazyload(Report.ward))
    return session.execute(stmt.order_by(newest_first).limit(limit)).all()


def count_near(session: Session, source: Select, point: LonLat, metres: float, since: datetime | None = None,
               until: datetime | None = None) -> int:
    """How many of ``source``'s reports lie within ``metres`` of a WGS84 point (made at or after ``since``
    and before ``until``, when given)."""
    return session.execute(source.with_only_columns(func.count()).where(
        within_metres(point, metres), *_dates(since, until))).scalar_one()


def aware(moment: datetime) -> datetime:
    """Naive datetimes are UTC here, as everywhere; sent as timestamptz so that the ``(geom, created_at)`` GiST
    index takes the dates (a naive timestamp needs a cross-type comparison that its operator class lacks)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _dates(since: datetime | None, until: datetime | None) -> list:
    return ([Report.created_at >= aware(since)] if since is not None else []) + (
        [Report.created_at < aware(until)] if until is not None else [])
