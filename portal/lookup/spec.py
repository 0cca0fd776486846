"""The place look-up in the OpenAPI document (portal/apispec.py)."""
from __future__ import annotations

from ..apispec import Operation, Reply, describe
from . import bp
from .schemas import LookupError, Places, PlacesQuery

describe(
    bp,
    Operation("places", "lookupPlaces", "Postcodes and streets matching what was typed, with their points (for a "
              "place search box).", "Maps",
              {200: Reply("Matches, best first (none for an empty query).", Places),
               400: Reply("The query is too long (JSON), or holds a NUL character (an HTML page).", LookupError,
                          alternatives={"text/html": {"type": "string"}}),
               429: Reply("Rate limit hit (120 a minute): an HTML page; wait and retry.", media_type="text/html",
                          schema={"type": "string"}),
               503: Reply("The database is unreachable (an HTML page, with Retry-After).", media_type="text/html",
                          schema={"type": "string"})},
              query=PlacesQuery),
)
