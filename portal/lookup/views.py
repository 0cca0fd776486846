"""``/lookup/places?q=``: postcode or street matches with their point, as JSON, for a combobox."""
from flask import jsonify, request

from gis.streets import QUERY_MAX, find_places

from .. import db
from ..extensions import limiter
from . import bp


@bp.get("/places")
@limiter.limit("120 per minute")
def places():
    q = request.args.get("q", "")
    if len(q) > QUERY_MAX:
        return jsonify(error=f"Type at most {QUERY_MAX} characters."), 400
    found = find_places(db.session(), q)
    response = jsonify(query=q, places=[{"kind": p.kind, "label": p.label, "lat": round(p.point.lat, 6),
                                         "lon": round(p.point.lon, 6)} for p in found])
    response.cache_control.public, response.cache_control.max_age = True, 3600
    return response
