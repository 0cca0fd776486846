"""Density and hotspots: /density (hexagon map, its table, and the hotspot list) and their JSON feeds."""
from __future__ import annotations

from datetime import timezone

from flask import current_app, render_template, request

from gis.choropleth import classes, density_map
from gis.explore import report_conditions
from gis.hexagons import DEFAULT_SIZE_M, hexagon_counts, hexagon_counts_summary

from .. import db
from gis.queries import service_area_centre
from ..services.hotspots import MAX_AGE_MINUTES, public_hotspots
from ..services.visibility import visible_to
from . import bp, figures
from .filters import STATUS_CHOICES, parse_filters
from .schemas import Hexagons, Hotspot, Hotspots
from .views import categories, hotspot_window, today

TABLE_ROWS = 50


def _cells(session, filters):
    ward_id = filters.ward.id if filters.ward else None
    if filters.status == "all":
        return hexagon_counts_summary(session, filters.period, filters.category_id, ward_id)
    conds = report_conditions(visible_to(None), filters.period, filters.category_id,
                              STATUS_CHOICES[filters.status], filters.ward.id if filters.ward else None)
    return hexagon_counts(session, conds, DEFAULT_SIZE_M)


def _hotspots(session, filters):
    since, until = hotspot_window(filters)
    return public_hotspots(session, since, until, filters.category_id, filters.ward.id if filters.ward else None)


@bp.get("/api/hexagons")
def api_hexagons():
    session = db.session()
    filters = parse_filters(session, request.args, today())
    cells = _cells(session, filters)
    return Hexagons(type="FeatureCollection", size_m=DEFAULT_SIZE_M, features=[
        {"type": "Feature", "geometry": c.geometry, "properties": {"i": c.i, "j": c.j, "count": c.count,
                                                                   "ward": c.ward}} for c in cells]).model_dump()


@bp.get("/api/hotspots")
def api_hotspots():
    session = db.session()
    filters = parse_filters(session, request.args, today())
    return Hotspots(hotspots=[
        Hotspot(category=s.category_code, count=s.count, references=s.references, ward=s.ward_code,
                longitude=s.lon, latitude=s.lat) for s in _hotspots(session, filters).spots]).model_dump()


@bp.get("/density")
def density():
    session = db.session()
    filters = parse_filters(session, request.args, today())
    cells = _cells(session, filters)
    bounds = classes([c.count for c in cells])
    cfg = current_app.config
    parts = density_map([(c.geometry, c.count) for c in cells], bounds, service_area_centre(session), cfg["TILE_URL"],
                        cfg["TILE_ATTRIBUTION"])
    spots = _hotspots(session, filters)
    return render_template("maps/density.html", filters=filters, map=parts, cells=cells[:TABLE_ROWS],
                           cell_count=len(cells), spots=spots.spots, spots_at=spots.computed_at.astimezone(timezone.utc),
                           spots_max_age=MAX_AGE_MINUTES, size_m=DEFAULT_SIZE_M,
                           categories=categories(session), total=sum(c.count for c in cells),
                           legend=figures.legend(bounds, "reported", "hours"))
