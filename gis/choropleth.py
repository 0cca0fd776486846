"""Maps for the performance pages: a ward choropleth, a ward outline and a hexagon density map. Built with
gis.maps helpers (folium for the base map, layers as data); no Flask here. Geometries are WGS84 (EPSG:4326)
GeoJSON."""
from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from .coords import LonLat
from .figure_cache import cached
from .maps import MapParts, base_map, geojson_layer, render_parts

#: Light to dark blue (colour-blind safe, ColorBrewer "Blues"); grey means no figure.
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#bdbdbd"


def ward_shapes(session: Session, tolerance_deg: float = 0.00005, code: str | None = None) -> dict[str, dict]:
    """{ward code: simplified GeoJSON geometry (EPSG:4326, ``tolerance_deg`` degrees, ~5 m)}, for every ward or
    the one with ``code``. Kept by the figure cache (simplifying every ward took ~20 ms of the database's time
    on each view of /performance); callers must not change what they get."""
    return cached(session, ("ward-shapes", tolerance_deg, code), lambda: _ward_shapes(session, tolerance_deg, code))


def _ward_shapes(session: Session, tolerance_deg: float, code: str | None) -> dict[str, dict]:
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


def colour(value: float | None, bounds: list[float], reverse: bool = False) -> str:
    """The class colour of a value: darker for higher values, or for lower ones when ``reverse`` (so that
    darker always means worse, whichever way a measure is better)."""
    if value is None or not bounds:
        return NO_DATA
    index = next((i for i, b in enumerate(bounds) if value <= b), len(bounds) - 1)
    if reverse:
        index = len(bounds) - 1 - index
    return PALETTE[round(index * (len(PALETTE) - 1) / max(1, len(bounds) - 1))]


def choropleth(shapes: dict[str, dict], features: list[dict], value_key: str, bounds: list[float],
               centre: LonLat, tile_url: str, attribution: str, zoom: int = 12, reverse: bool = False) -> MapParts:
    """Wards coloured by ``properties[value_key]`` (``reverse``: darker for lower values); each feature's
    ``tip`` (else its ``name``) is its tooltip and its popup shows the name over ``properties["popup"]``
    (plain text)."""
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapes[f["code"]], "properties": {
            "code": f["code"], "name": f["name"], "popup": f.get("popup", ""), "tip": f.get("tip", f["name"]),
            "fill": colour(f.get(value_key), bounds, reverse)}}
        for f in features if f["code"] in shapes]}
    return render_parts(base_map(centre, zoom, tile_url, attribution), [geojson_layer(
        collection, {"color": "#333", "weight": 1, "fillOpacity": 0.7}, fill_from="fill", tooltip="tip",
        popup=("name", "popup"), highlight={"weight": 3})])


def ward_outline(shape: dict, points: list[tuple[float, float, str]], centre: LonLat, tile_url: str,
                 attribution: str, zoom: int = 14) -> MapParts:
    """A ward's boundary with its reports as small circles (points are (lon, lat, label))."""
    layers = [geojson_layer(shape, {"fill": False, "color": "#08519c", "weight": 2}, interactive=False)]
    if points:   # one GeoJSON layer, not one map element per report: rendering stays fast
        layers.append(geojson_layer(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                 "properties": {"label": label}} for lon, lat, label in points]},
            {}, tooltip="label", points={"radius": 3, "color": "#b30000", "fill": True}))
    return render_parts(base_map(centre, zoom, tile_url, attribution), layers)


def density_map(cells: list[tuple[dict, int]], bounds: list[float], centre: LonLat, tile_url: str,
                attribution: str, zoom: int = 12) -> MapParts:
    """Hexagons (``cells``: (WGS84 GeoJSON geometry, report count)) coloured by their count."""
    layers = [geojson_layer(
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": geometry,
             "properties": {"label": f"{count} reports", "fill": colour(count, bounds)}}
            for geometry, count in cells]},
        {"color": "#555", "weight": 0.5, "fillOpacity": 0.7}, fill_from="fill", tooltip="label")] if cells else []
    return render_parts(base_map(centre, zoom, tile_url, attribution), layers)
