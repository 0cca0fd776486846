"""Shape of the report form's JSON helpers: open reports nearby ("me too") and a photo sent ahead (spec.py
publishes both). The rules stay in the services: these models only read and answer."""
from __future__ import annotations

from pydantic import Field

from ..schemas import Answer, Shape


class NearbyQuery(Shape):
    latitude: str = Field("", max_length=32, examples=["51.4452"], description="WGS84 latitude in degrees.")
    longitude: str = Field("", max_length=32, examples=["-0.0205"], description="WGS84 longitude in degrees.")
    category: str = Field("", max_length=40, examples=["fly_tipping"], description="A category's code.")


class NearbyReport(Answer):
    reference: str
    category: str = Field(description="The category's name.")
    metres: int = Field(description="Distance from the point, in whole metres.")
    reported: str = Field(description="When it was made (ISO 8601, UTC).")
    url: str = Field(description="The report's public page.")
    support_url: str = Field(description="Where a signed-in resident POSTs (with the CSRF token) to support it.")
    follow_url: str = Field(description="Where anyone, signed in or not, follows it by email.")


class Nearby(Answer):
    """Open reports of the category within 50 m of the point that the viewer may see, nearest first."""
    reports: list[NearbyReport]


class PhotoAdded(Answer):
    """A photo checked, re-encoded without its metadata and kept for 24 hours until a report takes it."""
    key: str = Field(description="Send it in the report form's pending_photos field.")
    lat: float | None = Field(description="Where the photo was taken (WGS84 degrees), or null.")
    lon: float | None = Field(description="Where the photo was taken (WGS84 degrees), or null.")


class FormHelperError(Answer):
    error: str = Field(description="What is wrong, in words to show beside the field.")
