"""The report form's JSON helpers in the OpenAPI document (portal/apispec.py)."""
from __future__ import annotations

from ..apispec import Operation, Reply, describe
from . import bp
from .schemas import FormHelperError, Nearby, NearbyQuery, PhotoAdded

BAD = Reply("Something is wrong with the input; the message says what.", FormHelperError,
            name="FormHelperBadRequest")

describe(
    bp,
    Operation("nearby_json", "reportNearby", "Open reports of a category within 50 m of a point, offered as "
              "\"me too\" before a report is sent.", "Reporting",
              {200: Reply("The open reports nearby (maybe none).", Nearby), 400: BAD}, query=NearbyQuery),
    Operation("add_photo", "reportPhoto", "Send one photo ahead of the report (multipart/form-data, field "
              "'photo'; the CSRF token in the X-CSRFToken header): it is checked and kept for the report form.",
              "Reporting", {200: Reply("The photo's key, and where it was taken.", PhotoAdded), 400: BAD}),
)
