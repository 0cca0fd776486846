"""folium map builders. Maps are rendered into parts for our own accessible page (never folium's whole
page), and Leaflet comes from locally served copies, never a CDN."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import branca.element
import folium
import jinja2
import xyzservices
from folium.plugins import MarkerCluster
from markupsafe import Markup

from .coords import LonLat


def configure_assets(base_url: str) -> None:
    """Point folium at our own copies of Leaflet (served under ``base_url``). Call once at start-up."""
    base = base_url.rstrip("/")
    folium.Map.default_js = [("leaflet", f"{base}/leaflet/leaflet.js")]
    folium.Map.default_css = [("leaflet_css", f"{base}/leaflet/leaflet.css")]
    MarkerCluster.default_js = [("markerclusterjs", f"{base}/markercluster/leaflet.markercluster.js")]
    MarkerCluster.default_css = [("markerclustercss", f"{base}/markercluster/MarkerCluster.css"),
                                 ("markerclusterdefaultcss", f"{base}/markercluster/MarkerCluster.Default.css")]


class _Literal:
    """A template without any jinja2 syntax: rendering it gives its text (less one trailing newline, as jinja2
    does by default)."""
    __slots__ = ("text",)

    def __init__(self, source: str):
        self.text = source[:-1] if source.endswith("\n") else source

    def render(self, *args, **kwargs) -> str:
        return self.text


_compile = functools.lru_cache(maxsize=64)(jinja2.Template)


def shared_template(source: str):
    """branca's Template(source), without compiling it again: text with no jinja2 syntax is kept as it is, and
    the few real templates are compiled once per process."""
    if "\r" not in source and not any(mark in source for mark in ("{{", "{%", "{#")):
        return _Literal(source)
    return _compile(source)


# branca (under folium) compiles a jinja2 template from a source string for every element it makes, including
# the text folium has already rendered: six compilations, ~2 ms of CPU, for every map drawn. Compiled templates
# never change, so they are shared (tests/gis/test_maps.py checks the maps are drawn exactly as before).
branca.element.Template = shared_template


@dataclass(frozen=True)
class MapParts:
    """What a page needs to embed a map: head tags, the map's element, its script, and its JS name.

    folium draws only the base map (view and tiles, from configuration). Everything drawn over it is in
    ``layers``: plain data (coordinates, styles, labels) that the page writes into a
    ``<script type="application/json">`` block and static/js/map-layers.js draws, setting every label as text.
    So no stored text (a category or ward name, a reference, a description) is ever placed inside an inline
    script, where the CSP nonce would let it run."""
    header: Markup
    html: Markup
    script: Markup
    name: str
    layers: tuple[dict, ...] = ()


_VIEWPORT = re.compile(r"<meta name=\"viewport\"[^>]*>\s*", re.I)


def render_parts(m: folium.Map, layers: list[dict] | tuple[dict, ...] = ()) -> MapParts:
    root = m.get_root()
    root.render()
    header = _VIEWPORT.sub("", root.header.render())  # folium's viewport meta forbids zooming (WCAG 1.4.4)
    return MapParts(Markup(header), Markup(root.html.render()), Markup(root.script.render()), m.get_name(),
                    tuple(layers))


@functools.lru_cache(maxsize=8)
def _tiles(url: str, attribution: str) -> xyzservices.TileProvider:
    return xyzservices.TileProvider(name="Street map", url=url, attribution=attribution)


def base_map(center: LonLat, zoom: int, tile_url: str, attribution: str) -> folium.Map:
    m = folium.Map(location=[center.lat, center.lon], zoom_start=zoom, tiles=None, control_scale=True,
                   width="100%", height="100%", prefer_canvas=False)
    # A TileProvider, not the URL string: given a string, folium first searches every xyzservices provider for
    # that name (~5 ms of CPU on every map, and it never matches a URL).
    folium.TileLayer(tiles=_tiles(tile_url, attribution), attr=attribution, name="Street map",
                     max_zoom=19).add_to(m)
    return m


# --- Layers: data for static/js/map-layers.js (coordinates in WGS84 degrees; labels are shown as text) -------

def marker_layer(point: LonLat, label: str) -> dict:
    """A pin with ``label`` as its tooltip and alternative text."""
    return {"kind": "marker", "lat": point.lat, "lon": point.lon, "label": label}


def circles_layer(points: list[tuple[LonLat, str]], style: dict, keys: list[str] | None = None) -> dict:
    """Circles (Leaflet circleMarker ``style``, radius in pixels) with tooltips; ``keys`` lets a page script
    find a circle (e.g. the report reference it stands for)."""
    return {"kind": "circles", "style": style, "items": [
        {"lat": where.lat, "lon": where.lon, "label": label, **({"key": keys[i]} if keys else {})}
        for i, (where, label) in enumerate(points)]}


def geojson_layer(data: dict, style: dict, *, fill_from: str | None = None, tooltip: str | None = None,
                  popup: tuple[str, str] | None = None, points: dict | None = None, highlight: dict | None = None,
                  interactive: bool = True) -> dict:
    """A GeoJSON layer (WGS84). ``fill_from``: property holding each feature's fill colour; ``tooltip``:
    property shown on hover; ``popup``: (heading property, text property) shown on click; ``points``: Leaflet
    circleMarker style for point features; ``highlight``: style while the pointer is over a feature."""
    layer = {"kind": "geojson", "data": data, "style": style, "interactive": interactive}
    for key, value in (("fillFrom", fill_from), ("tooltip", tooltip), ("popup", list(popup) if popup else None),
                       ("points", points), ("highlight", highlight)):
        if value is not None:
            layer[key] = value
    return layer


# --- Maps ------------------------------------------------------------------------------------------------

def location_picker(center: LonLat, tile_url: str, attribution: str, marker: LonLat | None = None,
                    zoom: int = 13) -> MapParts:
    """A map on which the reporter clicks or drags the pin; our script wires it to the coordinate fields."""
    m = base_map(marker or center, 17 if marker else zoom, tile_url, attribution)
    return render_parts(m)


def point_map(point: LonLat, tile_url: str, attribution: str, label: str, zoom: int = 17) -> MapParts:
    """A small map showing one report's location."""
    return render_parts(base_map(point, zoom, tile_url, attribution), [marker_layer(point, label)])


def report_with_neighbours_map(point: LonLat, label: str, neighbours: list[tuple[LonLat, str]], tile_url: str,
                               attribution: str, zoom: int = 17) -> MapParts:
    """One report (marker) and nearby reports (circles labelled with their references), WGS84 degrees."""
    m = base_map(point, zoom, tile_url, attribution)
    return render_parts(m, [marker_layer(point, label),
                            circles_layer(neighbours, {"radius": 8, "color": "#a4000f", "fill": True})])


def selectable_points_map(center: LonLat, points: list[tuple[LonLat, str]], tile_url: str, attribution: str,
                          zoom: int = 13) -> MapParts:
    """Reports as circles whose tooltip and key are their reference; a page script can make them selectable.
    The view takes in every point (WGS84), so none of a list's reports is off the map."""
    m = base_map(center, zoom, tile_url, attribution)
    if len(points) > 1:
        lats, lons = [p.lat for p, _ in points], [p.lon for p, _ in points]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(12, 12), max_zoom=17)
    return render_parts(m, [circles_layer(points, {"radius": 7, "color": "#0b3d91", "fill": True,
                                                   "fillOpacity": 0.4}, keys=[ref for _, ref in points])])


def neighbourhood_map(point: LonLat, label: str, reports: list[tuple[LonLat, str]], tile_url: str,
                      attribution: str, zoom: int = 16) -> MapParts:
    """A place (marker labelled ``label``) and the reports around it (circles with their labels), WGS84."""
    m = base_map(point, zoom, tile_url, attribution)
    layers = [marker_layer(point, label)]
    if reports:
        layers.append(circles_layer(reports, {"radius": 7, "color": "#a4000f", "fill": True, "fillOpacity": 0.5}))
    return render_parts(m, layers)
