"""``/lookup/places?q=``: postcode or street matches with their point, as JSON, for a combobox."""
from flask import jsonify, request

from gis.streets import QUERY_MIN, find_places, unknown_place

from .. import db
from ..extensions import limiter
from ..schemas import ShapeError, parse
from . import bp
from .schemas import LookupError, Place, Places, PlacesQuery


@bp.get("/places")
@limiter.limit("120 per minute")
def places():
    try:
        q = parse(PlacesQuery, request.args).q
    except ShapeError as exc:
        return LookupError(error=exc.message).model_dump(), 400
    found = find_places(db.session(), q)
    message = unknown_place(q) if not found and len(q.strip()) >= QUERY_MIN else None
    response = jsonify(Places(query=q, places=[Place(kind=p.kind, label=p.label, lat=round(p.point.lat, 6),
                                                     lon=round(p.point.lon, 6)) for p in found],
                              message=message).model_dump())
    response.cache_control.public, response.cache_control.max_age = True, 3600
    return response
