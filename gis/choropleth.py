"""folium maps for the performance pages: a ward choropleth and a ward outline. Built with gis.maps helpers;
no Flask here. Geometries are WGS84 (EPSG:4326) GeoJSON."""
from __future__ import annotations

import json

import folium
from sqlalchemy import text
from sqlalchemy.orm import Session

from .coords import LonLat
from .maps import MapParts, base_map, render_parts

#: Light to dark blue (colour-blind safe, ColorBrewer "Blues"); grey means no figure.
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#bdbdbd"


def ward_shapes(session: Session, tolerance_deg: float = 0.00005, code: str | None = None) -> dict[str, dict]:
    """{ward code: simplified GeoJSON geometry (EPSG:4326, ``tolerance_deg`` degrees, ~5 m)}, for every ward or
    the one with ``code``."""
    rows = session.execute(text("SELECT code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tol), 6) "
                                "FROM wards WHERE CAST(:code AS text) IS NULL OR code = :code"),
                           {"tol": tolerance_deg, "code": code})
    return {code: json.loads(geometry) for code, geometry in rows}


def classes(values: list[float | None], count: int = len(PALETTE)) -> list[float]:
    """Upper bounds of equal-count classes over the values that exist (at most ``count`` classes)."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return []
    bounds = [known[min(len(known) - 1, (len(known) * (i + 1)) // count - 1)] for i in range(count)]
    return sorted(set(bounds))


def colour(value: float | None, bounds: list[float]) -> str:
    if value is None or not bounds:
        return NO_DATA
    index = next((i for i, b in enumerate(bounds) if value <= b), len(bounds) - 1)
    return PALETTE[round(index * (len(PALETTE) - 1) / max(1, len(bounds) - 1))]


def choropleth(shapes: dict[str, dict], features: list[dict], value_key: str, bounds: list[float],
               centre: LonLat, tile_url: str, attribution: str, zoom: int = 12) -> MapParts:
    """Wards coloured by ``properties[value_key]``; each feature's properties are shown in its popup
    (``properties["popup"]``, plain text lines) and its name as a tooltip."""
    m = base_map(centre, zoom, tile_url, attribution)
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapes[f["code"]], "properties": {
            **f, "fill": colour(f.get(value_key), bounds)}}
        for f in features if f["code"] in shapes]}
    folium.GeoJson(
        collection, name="Wards",
        style_function=lambda feature: {"fillColor": feature["properties"]["fill"], "color": "#333",
                                        "weight": 1, "fillOpacity": 0.7},
        highlight_function=lambda feature: {"weight": 3},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        popup=folium.GeoJsonPopup(fields=["name", "popup"], labels=False),
    ).add_to(m)
    return render_parts(m)


def ward_outline(shape: dict, points: list[tuple[float, float, str]], centre: LonLat, tile_url: str,
                 attribution: str, zoom: int = 14) -> MapParts:
    """A ward's boundary with its reports as small circles (points are (lon, lat, label))."""
    m = base_map(centre, zoom, tile_url, attribution)
    folium.GeoJson(shape, name="Ward", style_function=lambda _f: {"fill": False, "color": "#08519c",
                                                                   "weight": 2}).add_to(m)
    if points:   # one GeoJSON layer, not one map element per report: rendering stays fast
        folium.GeoJson({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
             "properties": {"label": label}} for lon, lat, label in points]},
            name="Reports", marker=folium.CircleMarker(radius=3, color="#b30000", fill=True),
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False)).add_to(m)
    return render_parts(m)
