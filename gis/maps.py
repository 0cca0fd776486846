"""folium map builders. Maps are rendered into parts for our own accessible page (never folium's whole
page), and Leaflet comes from locally served copies, never a CDN."""
from __future__ import annotations

import re
from dataclasses import dataclass

import folium
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


@dataclass(frozen=True)
class MapParts:
    """What a page needs to embed a map: head tags, the map's element, its script, and its JS name."""
    header: Markup
    html: Markup
    script: Markup
    name: str


_VIEWPORT = re.compile(r"<meta name=\"viewport\"[^>]*>\s*", re.I)


def render_parts(m: folium.Map) -> MapParts:
    root = m.get_root()
    root.render()
    header = _VIEWPORT.sub("", root.header.render())  # folium's viewport meta forbids zooming (WCAG 1.4.4)
    return MapParts(Markup(header), Markup(root.html.render()), Markup(root.script.render()), m.get_name())


def base_map(center: LonLat, zoom: int, tile_url: str, attribution: str) -> folium.Map:
    m = folium.Map(location=[center.lat, center.lon], zoom_start=zoom, tiles=None, control_scale=True,
                   width="100%", height="100%", prefer_canvas=False)
    folium.TileLayer(tiles=tile_url, attr=attribution, name="Street map", max_zoom=19).add_to(m)
    return m


def location_picker(center: LonLat, tile_url: str, attribution: str, marker: LonLat | None = None,
                    zoom: int = 13) -> MapParts:
    """A map on which the reporter clicks or drags the pin; our script wires it to the coordinate fields."""
    m = base_map(marker or center, 17 if marker else zoom, tile_url, attribution)
    return render_parts(m)


def point_map(point: LonLat, tile_url: str, attribution: str, label: str, zoom: int = 17) -> MapParts:
    """A small map showing one report's location."""
    m = base_map(point, zoom, tile_url, attribution)
    folium.Marker([point.lat, point.lon], tooltip=label, alt=label).add_to(m)
    return render_parts(m)


def report_with_neighbours_map(point: LonLat, label: str, neighbours: list[tuple[LonLat, str]], tile_url: str,
                               attribution: str, zoom: int = 17) -> MapParts:
    """One report (marker) and nearby reports (circles labelled with their references), WGS84 degrees."""
    m = base_map(point, zoom, tile_url, attribution)
    folium.Marker([point.lat, point.lon], tooltip=label, alt=label).add_to(m)
    for where, text in neighbours:
        # no popup: folium's popups need jQuery, which we do not serve; the tooltip shows the reference
        folium.CircleMarker([where.lat, where.lon], radius=8, color="#a4000f", fill=True, tooltip=text).add_to(m)
    return render_parts(m)


def selectable_points_map(center: LonLat, points: list[tuple[LonLat, str]], tile_url: str, attribution: str,
                          zoom: int = 13) -> MapParts:
    """Reports as circles whose tooltip is their reference; a page script can make them selectable."""
    m = base_map(center, zoom, tile_url, attribution)
    for where, reference in points:
        folium.CircleMarker([where.lat, where.lon], radius=7, color="#0b3d91", fill=True, fill_opacity=0.4,
                            tooltip=reference).add_to(m)
    return render_parts(m)
