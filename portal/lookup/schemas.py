"""Shape of the place look-up: its one parameter and its answer (spec.py publishes both)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from gis.streets import QUERY_MAX

from ..schemas import Answer, Shape, problem


class PlacesQuery(Shape):
    model_config = {"str_strip_whitespace": False}       # echoed as typed
    q: str = Field("", examples=["SE6 4RU"], json_schema_extra={"maxLength": QUERY_MAX},
                   description="What was typed: a postcode (or its start) or a street name.")

    @field_validator("q", mode="before")
    @classmethod
    def _not_too_long(cls, value: str) -> str:
        if len(value) > QUERY_MAX:
            raise problem(f"Type at most {QUERY_MAX} characters.")
        return value


class Place(Answer):
    kind: Literal["postcode", "street"]
    label: str
    lat: float = Field(description="WGS84 latitude in degrees (6 decimals).")
    lon: float = Field(description="WGS84 longitude in degrees (6 decimals).")


class Places(Answer):
    """Postcodes and streets matching what was typed, best first, each with a point."""
    query: str
    places: list[Place]
    message: str | None = Field(None, description="When nothing matches: what to tell the person (a postcode "
                                                  "we do not know, or a street missing from our list).")


class LookupError(Answer):
    error: str
