"""Public performance pages: /performance (ward choropleth), /wards/<code>. Views parse the URL filters, call
gis queries and render; every map has a table of the same figures."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import abort, current_app, jsonify, render_template, request
from sqlalchemy import func, select

from gis.choropleth import choropleth, classes, ward_outline, ward_shapes
from gis.static_map import ward_static_map
from gis.coords import LonLat
from gis.explore import period_bounds, points, report_conditions
from gis.hotspots import hotspots
from gis.performance import MEASURES, Measures, category_breakdown, latest_report_day, monthly_trend, ward_measures
from models import Category, Ward

from .. import db
from gis.queries import service_area_centre
from ..services.visibility import visible_to
from . import bp
from .exports import csv_response, geojson_response
from .filters import BadFilter, Filters, parse_filters

HOTSPOT_DAYS = 90
WARD_MAP_POINTS = 1000


def today():
    return datetime.now(timezone.utc).date()


def bad_request(exc: BadFilter):
    if request.path.startswith("/api/"):
        return jsonify(error="Bad request", message=exc.message, status=400), 400
    return render_template("errors/error.html", code=400, title="We could not show that view",
                           message=exc.message), 400


@bp.app_errorhandler(BadFilter)
def _bad_filter(exc: BadFilter):
    return bad_request(exc)


def fmt_hours(hours: float | None) -> str:
    if hours is None:
        return "–"
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"


def fmt_share(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


@bp.app_template_filter("hours")
def _hours_filter(value):
    return fmt_hours(value)


@bp.app_template_filter("share")
def _share_filter(value):
    return fmt_share(value)


def popup_text(m: Measures, borough: Measures) -> str:
    def num(v):
        return "–" if v is None else f"{v:,.1f}" if isinstance(v, float) else f"{v:,}"
    return (f"Median time to fix: {fmt_hours(m.median_hours)} (borough {fmt_hours(borough.median_hours)}). "
            f"90th percentile: {fmt_hours(m.p90_hours)} (borough {fmt_hours(borough.p90_hours)}). "
            f"Fixed within target: {fmt_share(m.within_target)} (borough {fmt_share(borough.within_target)}). "
            f"Open backlog: {m.backlog:,}, mean age {num(m.backlog_age_days)} days. "
            f"Reports: {m.reported:,} ({num(m.per_km2)} per km²).")


def categories(session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.group, Category.name)))


@bp.get("/performance")
def performance():
    session = db.session()
    filters = parse_filters(session, request.args, today())
    table = ward_measures(session, filters.period, filters.category_id)
    features = [{"code": w.code, "name": w.name, "value": w.value(filters.measure),
                 "popup": popup_text(w, table.borough)} for w in table.wards]
    bounds = classes([f["value"] for f in features])
    cfg = current_app.config
    parts = choropleth(ward_shapes(session), features, "value", bounds, service_area_centre(session),
                       cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"])
    return render_template("maps/performance.html", filters=filters, table=table, map=parts, bounds=bounds,
                           measures=MEASURES, categories=categories(session), latest=latest_report_day(session))



def ward_or_404(session, code: str) -> Ward:
    ward = session.scalars(select(Ward).where(Ward.code == code[:20])).first()
    if ward is None:
        abort(404)
    return ward


def hotspot_window(filters: Filters) -> tuple[datetime, datetime]:
    """The 90 days up to the end of the chosen period."""
    _start, until = period_bounds(filters.period)
    return until - timedelta(days=HOTSPOT_DAYS), until


@bp.get("/wards/<code>")
def ward(code: str):
    session = db.session()
    place = ward_or_404(session, code)
    filters = parse_filters(session, request.args, today())
    table = ward_measures(session, filters.period, filters.category_id)
    mine = next(w for w in table.wards if w.code == place.code)
    trend = monthly_trend(session, [place.id], 12, filters.period.end, filters.category_id)
    conds = report_conditions(visible_to(None), filters.period, filters.category_id, ward_id=place.id)
    shown = points(session, conds, limit=WARD_MAP_POINTS)
    cfg = current_app.config
    centre = session.execute(select(func.ST_X(func.ST_PointOnSurface(Ward.geom)),
                                    func.ST_Y(func.ST_PointOnSurface(Ward.geom))).where(Ward.id == place.id)).one()
    parts = ward_outline(ward_shapes(session, code=place.code)[place.code], [(p["lon"], p["lat"], f'{p["reference"]} {p["category"]}')
                                                             for p in shown],
                         LonLat(lon=centre[0], lat=centre[1]), cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"])
    since, until = hotspot_window(filters)
    static_map = ward_static_map(session, place.id, [LonLat(lon=p["lon"], lat=p["lat"]) for p in shown])
    return render_template(
        "maps/ward.html", ward=place, filters=filters, mine=mine, borough=table.borough, trend=trend,
        static_map=static_map, prepared=today(),
        categories=categories(session), breakdown=category_breakdown(session, [place.id], filters.period),
        spots=hotspots(session, since, until, filters.category_id, place.id), map=parts, shown=len(shown),
        total=mine.reported, chart=trend_chart(trend), download_args=filters.query(measure=None, status=None))


def nice_top(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (the y axis's top)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def trend_chart(trend, width: int = 640, height: int = 220, left: int = 44, bottom: int = 22,
                top_pad: int = 14) -> dict:
    """Bar geometry for the monthly reports chart, with a y axis (ticks and values) and each bar's value (drawn
    as inline SVG by the template)."""
    top = nice_top(max([m.reported for m in trend] + [1]))
    plot_h = height - bottom - top_pad
    step = (width - left) / max(1, len(trend))
    bars = [{"x": round(left + i * step + 3, 1), "w": round(step - 6, 1),
             "h": round(m.reported / top * plot_h, 1), "month": m.month, "value": m.reported}
            for i, m in enumerate(trend)]
    for b in bars:
        b["y"] = round(height - bottom - b["h"], 1)
    steps = top if top < 5 else 5             # top is 1, 2 or 5 × 10^k: every tick is a whole number
    ticks = [{"value": top * k // steps, "y": round(height - bottom - plot_h * k / steps, 1)}
             for k in range(steps + 1)]
    return {"width": width, "height": height, "bars": bars, "top": top, "left": left,
            "base": height - bottom, "ticks": ticks}


def _ward_export(code: str, respond):
    """A ward's public reports for the filters in the URL, through ``respond`` (CSV or GeoJSON, streamed)."""
    session = db.session()
    place = ward_or_404(session, code)
    filters = parse_filters(session, request.args, today())
    conds = report_conditions(visible_to(None), filters.period, filters.category_id, ward_id=place.id)
    return respond(conds, f"kerbside-{place.code}")


@bp.get("/wards/<code>/reports.csv")
def ward_csv(code: str):
    return _ward_export(code, csv_response)


@bp.get("/wards/<code>/reports.geojson")
def ward_geojson(code: str):
    return _ward_export(code, geojson_response)
