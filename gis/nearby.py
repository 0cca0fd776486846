"""Reports near a point, in metres on the spheroid (uses the ``(geom::geography)`` GiST index)."""
from __future__ import annotations

from sqlalchemy import Select, cast, func, select
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


def within_metres(point: LonLat, metres: float):
    """SQL condition: the report lies within ``metres`` (on the spheroid) of a WGS84 point; served by the
    ``(geom::geography)`` GiST index."""
    return func.ST_DWithin(geog(Report.geom), geog(point_expr(point)), metres)


def reports_near(session: Session, source: Select, point: LonLat, metres: float, limit: int = 20,
                 statuses=None):
    """Reports within ``metres`` (metres, on the spheroid) of a WGS84 point, newest first, as rows of
    (Report, distance in metres, lon, lat in degrees). ``source`` is what the viewer may see
    (portal.services.visibility.visible_reports); ``statuses`` keeps only those statuses."""
    here = geog(point_expr(point))
    stmt = source.with_only_columns(Report, func.ST_Distance(geog(Report.geom), here).label("metres"),
                                    func.ST_X(Report.geom).label("lon"), func.ST_Y(Report.geom).label("lat")).where(
        func.ST_DWithin(geog(Report.geom), here, metres))
    if statuses is not None:
        stmt = stmt.where(Report.status.in_(statuses))
    # The ward (a whole multipolygon) is not needed for a list: joining it would load its geometry per row.
    stmt = stmt.options(lazyload(Report.ward))
    return session.execute(stmt.order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)).all()


def count_near(session: Session, source: Select, point: LonLat, metres: float) -> int:
    """How many of ``source``'s reports lie within ``metres`` of a WGS84 point."""
    here = geog(point_expr(point))
    return session.execute(source.with_only_columns(func.count()).where(
        func.ST_DWithin(geog(Report.geom), here, metres))).scalar_one()
