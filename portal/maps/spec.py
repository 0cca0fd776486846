"""The map feeds and open-data exports in the OpenAPI document (portal/apispec.py)."""
from __future__ import annotations

from gis.measures import MIN_COUNT

from ..apispec import Operation, Reply, describe
from . import bp
from .promises import CSV_FIELDS as PROMISE_FIELDS
from .schemas import BoxQuery, Hexagons, Hotspots, MapError, MapFeatures, MapQuery, ReportExport, WardPath

HTML = {"type": "string"}
FEED_ERRORS = {
    400: Reply("A filter is wrong; the message says which.", MapError, name="MapBadRequest"),
    429: Reply("Rate limit hit; wait and retry.", MapError, name="MapTooMany"),
    503: Reply("The database is unreachable; retry later (Retry-After).", MapError, name="MapUnavailable"),
}
PAGE_ERROR = Reply("No such ward (404), rate limit hit (429) or database unreachable (503, with Retry-After): an "
                   "HTML page.", media_type="text/html", schema=HTML, name="PageError")
EXPORT_ERRORS = {400: Reply("A filter is wrong: an HTML page says which.", media_type="text/html", schema=HTML,
                            name="PageBadRequest"),
                 429: PAGE_ERROR, 503: PAGE_ERROR}
GEOJSON = Reply("GeoJSON points.", ReportExport, media_type="application/geo+json")
CSV = Reply("CSV with a header row of the public fields (see /data).", media_type="text/csv", schema={"type": "string"})

describe(
    bp,
    Operation("api_map", "apiMap", "Public reports in a bounding box: points up to 5,000, else counts per grid "
              "cell; boxes wider than 0.04° get counts per ward.", "Maps",
              {200: Reply("GeoJSON points or counts.", MapFeatures), **FEED_ERRORS}, query=BoxQuery),
    Operation("api_hexagons", "apiHexagons", "Counts of public reports per 250 m hexagon (British National "
              "Grid), as GeoJSON polygons.", "Maps",
              {200: Reply("Hexagons with reports.", Hexagons), **FEED_ERRORS}, query=MapQuery),
    Operation("api_hotspots", "apiHotspots", "Clusters of same-category reports (DBSCAN, 50 m, 3 reports) in the "
              "90 days to the period's end.", "Maps",
              {200: Reply("Hotspots.", Hotspots), **FEED_ERRORS}, query=MapQuery),
    Operation("export_geojson", "exportGeojson", "Every public report matching the filters (public fields only), "
              "streamed.", "Open data", {200: GEOJSON, **EXPORT_ERRORS}, query=MapQuery),
    Operation("export_csv", "exportCsv", "The same export as CSV.", "Open data", {200: CSV, **EXPORT_ERRORS},
              query=MapQuery),
    Operation("ward_geojson", "wardGeojson", "Public reports in one ward as GeoJSON.", "Open data",
              {200: GEOJSON, 404: PAGE_ERROR, **EXPORT_ERRORS}, path=WardPath, query=MapQuery),
    Operation("ward_csv", "wardCsv", "Public reports in one ward as CSV.", "Open data",
              {200: CSV, 404: PAGE_ERROR, **EXPORT_ERRORS}, path=WardPath, query=MapQuery),
    Operation("promises_csv", "promisesCsv", "Each category's promise (target time to fix) and how often it was "
              "kept, this year and last, borough-wide and by ward, as CSV.", "Open data",
              {200: Reply("CSV with a header row: " + ", ".join(PROMISE_FIELDS) + " (share_kept from 0 to 1, "
                          f"empty under {MIN_COUNT} reports due, when note says \"too few reports to say\", as the "
                          "pages do).", media_type="text/csv", schema={"type": "string"}),
               429: PAGE_ERROR, 503: PAGE_ERROR}),
)
