"""The explore map (/map) and its data feed (/api/map): reports in a bounding box as GeoJSON points, or counts
per grid cell when there are more than can be drawn. The list beside the map needs no JavaScript."""
from __future__ import annotations

from flask import current_app, render_template, request
from sqlalchemy import select

from gis.figure_cache import cached
from gis.explore import clusters, count_reports, points, points_geojson, report_conditions
from gis.maps import base_map, render_parts
from gis.performance import ward_counts
from models import Report, Ward

from .. import db
from gis.queries import service_area_centre
from ..services.text import ascii_int
from ..services.visibility import visible_to
from . import bp
from .filters import STATUS_CHOICES, BadFilter, parse_filters
from .schemas import BoxQuery, MapFeatures
from .views import categories, today

MAX_POINTS = 5000
#: Boxes wider than this (degrees, about 2.8 km) get counts per ward from the summary tables.
WARD_COUNTS_DEG = 0.04
PAGE_SIZE = 50
MAX_PAGE = 1000


def _conditions(session, filters, bbox=None):
    return report_conditions(visible_to(None), filters.period, filters.category_id,
                             STATUS_CHOICES[filters.status], filters.ward.id if filters.ward else None, bbox)


@bp.get("/api/map")
def api_map():
    session = db.session()
    filters = parse_filters(session, request.args, today(), BoxQuery)
    bbox = filters.bbox
    if bbox.east - bbox.west > WARD_COUNTS_DEG:
        wards = ward_counts(session, filters.period, filters.category_id, filters.status,
                            (bbox.west, bbox.south, bbox.east, bbox.north), filters.ward.id if filters.ward else None)
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [w["lon"], w["lat"]]},
                     "properties": {"count": w["count"], "ward": w["code"], "name": w["name"]}} for w in wards]
        # Reports outside every ward boundary are in the list and the exports, so they are in the total too.
        outside = 0 if filters.ward else count_reports(session, [*_conditions(session, filters, bbox),
                                                                 Report.ward_id.is_(None)])
        return MapFeatures(type="FeatureCollection", clustered=True, by="ward",
                           total=sum(w["count"] for w in wards) + outside, outside_wards=outside,
                           features=features).model_dump()
    conds = _conditions(session, filters, bbox)
    count, features = points_geojson(session, conds, limit=MAX_POINTS + 1)
    if count <= MAX_POINTS:     # built by the database (a MapFeatures document), no per-point work here
        body = f'{{"type": "FeatureCollection", "clustered": false, "total": {count}, "features": {features}}}'
        return current_app.response_class(body, mimetype="application/json")
    cells = clusters(session, conds, bbox)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
                 "properties": {"count": c["count"]}} for c in cells]
    return MapFeatures(type="FeatureCollection", clustered=True, by="grid", total=sum(c["count"] for c in cells),
                       features=features).model_dump()


@bp.get("/map")
def explore():
    session = db.session()
    filters = parse_filters(session, request.args, today())
    page = ascii_int(request.args.get("page") or "1", 1, MAX_PAGE)
    if page is None:
        raise BadFilter(f"The page must be a whole number between 1 and {MAX_PAGE}.")
    conds = _conditions(session, filters)
    # Counting a year of public reports takes ~300 ms at a million reports, and every visitor of the same view
    # asks the same question: the count is kept by the figure cache (at most FIGURES_CACHE_SECONDS old, as
    # the public figures are); the list itself is always read fresh.
    total = cached(session, ("explore-count", filters.period.start, filters.period.end, filters.category_id,
                             filters.status, filters.ward.id if filters.ward else None),
                   lambda: count_reports(session, conds))
    rows = points(session, conds, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    cfg = current_app.config
    parts = render_parts(base_map(service_area_centre(session), 13, cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"]))
    wards = session.execute(select(Ward.code, Ward.name).order_by(Ward.name)).all()   # not their boundaries
    return render_template("maps/explore.html", filters=filters, map=parts, rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), categories=categories(session), wards=wards,
                           api_args=filters.query(measure=None))
