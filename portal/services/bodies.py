"""Administration of teams and other bodies: who does the work of each category.

Boundary policy: a boundary is read from GeoJSON (gis.boundaries.read_boundary) and checked by PostGIS with
``ST_IsValid``, the rule the table's CHECK enforces. An invalid one is refused with PostGIS's reason and where
(``ST_IsValidReason``, e.g. "Self-intersection[-0.02 51.44]"), and nothing is saved. Only when the admin ticks
"repair" is ``ST_MakeValid`` applied, keeping its polygonal part (``ST_CollectionExtract(..., 3)``); the page
then says it was repaired. It is never repaired silently: a repair of a bow-tie or of rings drawn the wrong way
can change what is inside. A boundary must also overlap the council's wards (else it would take nothing)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from gis.boundaries import InvalidBoundary, read_boundary
from models import OPEN311_FORMATS, Body, BodyService, Category, Team, Ward

from .body_sender import seal_key
from .emails import InvalidEmail, normalise_email
from .errors import DomainError
from .transaction import duplicates_refused, unit_of_work

SERVICE_CODE_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")


@unit_of_work
def save_team(session: Session, team: Team | None, *, name: str, email: str, active: bool) -> Team:
    """Add (``team`` None) or change a team."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError("Give the team a name (up to 80 characters).", field="name")
    address = ""
    if (email or "").strip():
        try:
            address = normalise_email(email)
        except InvalidEmail as exc:
            raise DomainError(exc.message, field="email") from None
    if team is None:
        team = Team(name=name)
        session.add(team)
    team.name, team.email, team.active = name, address, active
    with duplicates_refused(session, {Team.name: DomainError("A team with that name already exists.", field="name")}):
        session.commit()
    return team


@dataclass
class BoundaryCheck:
    ewkt: str
    repaired: bool


def check_boundary(session: Session, geojson: str, repair: bool) -> BoundaryCheck:
    """The boundary to store as EWKT (a valid WGS84 multipolygon overlapping the wards), or DomainError on the
    ``boundary`` field saying what is wrong (see the module's policy)."""
    try:
        shape = read_boundary(geojson)
    except InvalidBoundary as exc:
        raise DomainError(str(exc), field="boundary") from None
    # Each polygon is judged on its own: polygons of a FeatureCollection may overlap (a MultiPolygon's may not),
    # so valid parts are merged by ST_Union, as one area.
    valid, reason, merged = session.execute(text("""
        WITH parts AS (SELECT (ST_Dump(ST_GeomFromText(:wkt, 4326))).geom AS p)
        SELECT bool_and(ST_IsValid(p)), min(ST_IsValidReason(p)) FILTER (WHERE NOT ST_IsValid(p)),
               CASE WHEN bool_and(ST_IsValid(p)) THEN ST_AsEWKT(ST_Multi(ST_Union(p))) END FROM parts"""),
        {"wkt": shape.wkt}).one()
    repaired = False
    if valid:
        geom = func.ST_GeomFromEWKT(merged)
    elif not repair:
        raise DomainError(f"The boundary is not a valid polygon ({reason}): a ring crosses itself or another, "
                          "or a hole lies outside its polygon. Fix it in your GIS, or tick “Repair it” to let "
                          "PostGIS (ST_MakeValid) repair it, then check the result.", field="boundary")
    else:
        geom = func.ST_Multi(func.ST_CollectionExtract(func.ST_MakeValid(func.ST_GeomFromText(shape.wkt, 4326)), 3))
        repaired = True
    ewkt, empty, overlaps = session.execute(select(
        func.ST_AsEWKT(func.ST_Multi(geom)), func.ST_IsEmpty(geom),
        select(Ward.id).where(func.ST_Intersects(Ward.geom, geom)).exists())).one()
    if empty:
        raise DomainError("Nothing is left of the boundary once repaired: it has no area. Draw it again as "
                          "polygons.", field="boundary")
    if not overlaps:
        raise DomainError("The boundary does not overlap the area we cover: no report could ever go to this body. "
                          "Check the file (and its coordinate system).", field="boundary")
    return BoundaryCheck(ewkt=ewkt, repaired=repaired)


def _check_endpoint(endpoint: str) -> str:
    endpoint = (endpoint or "").strip()
    parts = urlsplit(endpoint) if len(endpoint) <= 500 else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", endpoint) \
            or parts.query or parts.fragment:
        raise DomainError("Give the body's Open311 base address, like https://open311.example.org/v2 (http or "
                          "https, no query).", field="endpoint")
    return endpoint.rstrip("/")


@unit_of_work
def save_body(session: Session, body: Body | None, *, name: str, endpoint: str, fmt: str, api_key: str,
              jurisdiction_id: str, boundary: str, repair: bool, services: dict[int, str],
              active: bool, extended_statuses: bool = False) -> tuple[Body, bool]:
    """Add (``body`` None) or change a body. ``api_key`` "" keeps the one stored; ``boundary`` (GeoJSON) "" keeps
    the one stored (a new body needs one); ``services``: category id -> the body's service_code ("" = not
    taken). Returns (the body, whether its boundary was repaired). Every problem is a DomainError naming its
    field; nothing is saved then."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise DomainError("Give the body a name (up to 120 characters).", field="name")
    endpoint = _check_endpoint(endpoint)
    if fmt not in OPEN311_FORMATS:
        raise DomainError("Choose JSON or XML.", field="format")
    if len(api_key or "") > 200:
        raise DomainError("The api_key is too long (at most 200 characters).", field="api_key")
    jurisdiction_id = (jurisdiction_id or "").strip()
    if len(jurisdiction_id) > 100:
        raise DomainError("Keep the jurisdiction_id under 100 characters.", field="jurisdiction_id")
    known = set(session.scalars(select(Category.id)))
    taken = {}
    for category_id, code in services.items():
        code = (code or "").strip()
        if not code:
            continue
        if category_id not in known:
            raise DomainError("That category no longer exists.", field=f"service_{category_id}")
        if not SERVICE_CODE_RE.match(code):
            raise DomainError("A service_code is letters, digits and _ . : - (up to 100).",
                              field=f"service_{category_id}")
        taken[category_id] = code
    if not taken:
        raise DomainError("Give the service_code of at least one category the body takes.", field="services")
    checked = None
    if (boundary or "").strip():
        checked = check_boundary(session, boundary, repair)
    elif body is None:
        raise DomainError("Give the body's boundary as GeoJSON (paste it or choose a file).", field="boundary")
    if body is None:
        body = Body(name=name)
        session.add(body)
    body.name, body.endpoint, body.format, body.jurisdiction_id, body.active = \
        name, endpoint, fmt, jurisdiction_id, active
    body.extended_statuses = bool(extended_statuses)
    if api_key:
        body.api_key_sealed = seal_key(session, api_key)
    if checked is not None:
        body.boundary = checked.ewkt
    with duplicates_refused(session, {Body.name: DomainError("A body with that name already exists.", field="name")}):
        session.flush()
        session.execute(delete(BodyService).where(BodyService.body_id == body.id),
                        execution_options={"synchronize_session": "fetch"})
        session.add_all([BodyService(body_id=body.id, category_id=c, service_code=code) for c, code in taken.items()])
        session.commit()
    session.expire(body, ["services"])
    return body, bool(checked and checked.repaired)


def boundary_summary(session: Session, body: Body) -> dict:
    """Polygons, area (km²) and extent of a body's boundary, for its page (the non-map view of it)."""
    row = session.execute(select(func.ST_NumGeometries(Body.boundary), func.ST_Area(func.Geography(Body.boundary)),
                                 func.ST_NPoints(Body.boundary)).where(Body.id == body.id)).one()
    return {"polygons": row[0], "area_km2": row[1] / 1e6, "points": row[2]}


def boundary_geojson(session: Session, body: Body) -> str:
    """The stored boundary as a GeoJSON Feature (WGS84), to download and check in a GIS."""
    geometry = session.scalar(select(func.ST_AsGeoJSON(Body.boundary, 7)).where(Body.id == body.id))
    return json.dumps({"type": "Feature", "properties": {"name": body.name}, "geometry": json.loads(geometry)})
