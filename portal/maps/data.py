"""Open data: /data explains the exports and links them; the exports stream every public report that matches
the filters (public fields only)."""
from __future__ import annotations

from flask import render_template, request

from .. import db
from ..services.visibility import PUBLIC_FIELDS, visible_to
from . import bp
from .exports import csv_response, geojson_response
from .filters import STATUS_CHOICES, parse_filters
from .views import categories, today
from gis.explore import report_conditions

DICTIONARY = {
    "reference": "Public reference of the report, e.g. KB-7QF3K; its page is /reports/<reference>.",
    "category": "Category code (see the list of categories and their service targets on /performance).",
    "status": "Current status: new, confirmed, investigating, assigned, in_progress, fixed, closed (no action "
              "needed), duplicate, not_responsible or reopened.",
    "ward": "Ward the report's location falls in (ONS 2022 ward boundaries).",
    "latitude": "WGS84 latitude in degrees (EPSG:4326) of the reported location.",
    "longitude": "WGS84 longitude in degrees (EPSG:4326).",
    "created_at": "When the report was made (ISO 8601, UTC).",
    "updated_at": "When the report last changed (ISO 8601, UTC).",
    "fixed_at": "When the report was marked fixed (ISO 8601, UTC); empty if not fixed or reopened.",
    "description": "The reporter's description of the problem, as published.",
}


def _export_conditions(session):
    filters = parse_filters(session, request.args, today())
    return filters, report_conditions(visible_to(None), filters.period, filters.category_id,
                                      STATUS_CHOICES[filters.status], filters.ward.id if filters.ward else None)


@bp.get("/data")
def open_data():
    session = db.session()
    filters, _conds = _export_conditions(session)
    return render_template("maps/data.html", filters=filters, categories=categories(session),
                           dictionary=[(f, DICTIONARY[f]) for f in PUBLIC_FIELDS],
                           export_args=filters.query(measure=None))


@bp.get("/data/reports.csv")
def export_csv():
    session = db.session()
    _filters, conds = _export_conditions(session)
    return csv_response(conds, "kerbside-reports")


@bp.get("/data/reports.geojson")
def export_geojson():
    session = db.session()
    _filters, conds = _export_conditions(session)
    return geojson_response(conds, "kerbside-reports")
