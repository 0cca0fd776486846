"""Public performance pages: /performance (ward choropleth), /wards/<code>. Views parse the URL filters, call
gis queries and render; every map has a table of the same figures."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Response, abort, current_app, render_template, request
from sqlalchemy import func, select

from gis.choropleth import choropleth, classes, ward_outline, ward_shapes
from gis.static_map import ward_static_map
from gis.coords import LonLat
from gis.explore import count_reports, period_bounds, points as points_of, report_conditions
from gis.measures import MEASURES, MIN_COUNT, AreaMeasures, MeasuresTable, measures_table, ward_headline
from gis.performance import category_breakdown
from gis.trends import monthly_points, year_on_year
from models import Category, Report, Ward

from .. import db
from gis.queries import service_area_bounds, service_area_centre
from ..services.hotspots import MAX_AGE_MINUTES as HOTSPOTS_MAX_AGE_MINUTES, public_hotspots
from ..services import tiles
from ..services.visibility import visible_to
from . import bp
from . import figures
from .exports import csv_response, geojson_response
from .figures import hours_unit
from .filters import BadFilter, Filters, parse_filters
from .schemas import MapError

HOTSPOT_DAYS = 90
WARD_MAP_POINTS = 1000
TREND_MONTHS = 24


def today():
    return datetime.now(timezone.utc).date()


def bad_request(exc: BadFilter):
    if request.path.startswith("/api/"):
        return MapError(error="Bad request", message=exc.message, status=400).model_dump(), 400
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


@bp.app_template_global("fix_unit")
def _fix_unit(fixes) -> str:
    """"hours" or "days" for a column (or row) of times to fix: the medians that are shown, one unit for all."""
    return hours_unit([f.median_hours for f in fixes if f.enough])


@bp.app_template_filter("hours_in")
def _hours_in_filter(value, unit: str):
    """A time in hours, shown in ``unit`` ("hours" or "days"), as the rest of its column."""
    return figures.fmt(value, "hours", unit)


@bp.app_template_filter("share")
def _share_filter(value):
    return fmt_share(value)


def column_units(table: MeasuresTable) -> dict[str, str]:
    """Hours or days for each time column, from every figure in it (ward and borough): one unit per column."""
    everyone = [*table.wards, table.borough]
    return {m: hours_unit([w.value(m) for w in everyone]) for m in ("median_hours", "p90_hours")}


def tooltip(m: AreaMeasures, measure: str, units: dict[str, str]) -> str:
    return f"{m.name}: {MEASURES[measure].label.lower()} {figures.cell(m, measure, units.get(measure, 'hours'))}" \
           f" ({figures.count_text(m, measure)})"


def popup_text(m: AreaMeasures, borough: AreaMeasures, units: dict[str, str]) -> str:
    parts = []
    for key in ("within_target", "median_hours", "p90_hours", "backlog", "backlog_age_days", "satisfaction"):
        hours_as = units.get(key, "hours")
        parts.append(f"{MEASURES[key].label}: {figures.cell(m, key, hours_as)} ({figures.count_text(m, key)}; "
                     f"borough {figures.cell(borough, key, hours_as)})")
    parts.append(f"Reports: {m.reported:,}")
    return ". ".join(parts) + "."


_CATEGORIES = select(Category).order_by(Category.group, Category.name)


def categories(session) -> list[Category]:
    return list(session.scalars(_CATEGORIES))


@bp.get("/performance")
def performance():
    session = db.session()
    filters = parse_filters(session, request.args, today())
    table = measures_table(session, filters.period, filters.category_id)
    units = column_units(table)
    measure = filters.measure
    features = [{"code": w.code, "name": w.name, "value": w.value(measure), "tip": tooltip(w, measure, units),
                 "popup": popup_text(w, table.borough, units)} for w in table.wards]
    bounds = classes([f["value"] for f in features])
    cfg = current_app.config
    parts = choropleth(ward_shapes(session), features, "value", bounds, service_area_centre(session),
                       cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"], reverse=MEASURES[measure].better == "higher")
    points = monthly_points(session, None, filters.period.end, TREND_MONTHS, filters.category_id)
    return render_template(
        "maps/performance.html", filters=filters, table=table, map=parts, units=units, measures=MEASURES,
        legend=figures.legend(bounds, measure, units.get(measure, "hours")), categories=categories(session),
        outside=outside_wards(session, filters), charts=trend_charts(points, None), points=points,
        borough_points=None, min_count=MIN_COUNT)


def outside_wards(session, filters: Filters) -> int:
    """Public reports made in the period outside every ward boundary: on the map, not in ward figures."""
    conds = report_conditions(visible_to(None), filters.period, filters.category_id)
    return count_reports(session, [*conds, Report.ward_id.is_(None)])


def trend_charts(points, borough) -> list:
    """Time to fix (median) and within target over the months, for a ward beside the borough (or the borough
    alone)."""
    months = [p.month for p in points]
    series_fix = [("This ward" if borough else "Borough", "line-ward",
                   [p.fix.median_hours if p.fix.enough else None for p in points])]
    series_share = [("This ward" if borough else "Borough", "line-ward",
                     [p.within.value if p.within.enough else None for p in points])]
    if borough:
        series_fix.append(("Borough", "line-borough", [p.fix.median_hours if p.fix.enough else None for p in borough]))
        series_share.append(("Borough", "line-borough", [p.within.value if p.within.enough else None for p in borough]))
    hours_as = hours_unit([v for _n, _c, values in series_fix for v in values])
    return [figures.line_chart("Median time to fix by month reported", months, series_fix, "hours", hours_as),
            figures.line_chart("Share fixed within target by month due", months, series_share, "share")]


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
    headline = ward_headline(session, place.id, filters.period, filters.category_id)
    points = monthly_points(session, [place.id], filters.period.end, TREND_MONTHS, filters.category_id)
    borough_points = monthly_points(session, None, filters.period.end, TREND_MONTHS, filters.category_id)
    conds = report_conditions(visible_to(None), filters.period, filters.category_id, ward_id=place.id)
    shown = points_of(session, conds, limit=WARD_MAP_POINTS)
    cfg = current_app.config
    centre = session.execute(select(func.ST_X(func.ST_PointOnSurface(Ward.geom)),
                                    func.ST_Y(func.ST_PointOnSurface(Ward.geom))).where(Ward.id == place.id)).one()
    parts = ward_outline(ward_shapes(session, code=place.code)[place.code],
                         [(p["lon"], p["lat"], f'{p["reference"]} {p["category"]}') for p in shown],
                         LonLat(lon=centre[0], lat=centre[1]), cfg["TILE_URL"], cfg["TILE_ATTRIBUTION"])
    since, until = hotspot_window(filters)
    spots = public_hotspots(session, since, until, filters.category_id, place.id)
    static_map = ward_static_map(session, place.id, [LonLat(lon=p["lon"], lat=p["lat"]) for p in shown])
    everyone = [headline.ward, headline.borough]
    units = {m: hours_unit([w.value(m) for w in everyone]) for m in ("median_hours", "p90_hours")}
    return render_template(
        "maps/ward.html", ward=place, filters=filters, mine=headline.ward, borough=headline.borough,
        headline=headline, units=units, measures=MEASURES, categories=categories(session),
        breakdown=category_breakdown(session, [place.id], filters.period),
        spots=spots.spots, spots_at=spots.computed_at.astimezone(timezone.utc),
        spots_max_age=HOTSPOTS_MAX_AGE_MINUTES, map=parts, shown=len(shown),
        total=headline.ward.reported, points=points, borough_points=borough_points,
        charts=trend_charts(points, borough_points), yoy=year_on_year(points),
        static_map=static_map, prepared=today(),
        download_args=filters.query(measure=None, status=None), min_count=MIN_COUNT)


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


@bp.app_template_global("measure_cell")
def _measure_cell(m: AreaMeasures, measure: str, hours_as: str = "hours") -> str:
    return figures.cell(m, measure, hours_as)


@bp.app_template_global("measure_count")
def _measure_count(m: AreaMeasures, measure: str) -> str:
    return figures.count_text(m, measure)


@bp.app_template_global("measure_unit")
def _measure_unit(measure: str, hours_as: str = "hours") -> str:
    return figures.unit_words(measure, hours_as)


@bp.app_template_global("measure_direction")
def _measure_direction(measure: str) -> str:
    return figures.direction_words(measure)


@bp.get("/tiles/<int:z>/<int:x>/<int:y>.png")
def tile(z: int, x: int, y: int):
    """A map tile from this site (TILE_URL's default): the tile server sees this server, never the resident.
    Only tiles of the council's area and around it (services/tiles.py)."""
    cfg = current_app.config
    try:
        data = tiles.tile(z, x, y, cfg["TILE_UPSTREAM"], cfg["TILE_CACHE_DIR"],
                          f"Kerbside/1.0 (+{cfg['BASE_URL']})", area=lambda: service_area_bounds(db.session()))
    except ValueError:
        abort(404)
    except tiles.TileUnavailable:
        return Response(status=502, headers={"Cache-Control": "no-store"})
    response = Response(data, mimetype="image/png")
    response.cache_control.public, response.cache_control.max_age = True, 86400
    return response
