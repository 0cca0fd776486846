"""Shape of the map, performance, ward and data filters (pages and JSON feeds alike), and of the feeds' answers:
the views read the URL through these models (filters.parse_filters) and spec.py publishes them."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator

from gis.explore import MAX_BBOX_DEG, BBox, BoxError, parse_bbox
from gis.measures import MEASURES
from gis.performance import PERIOD_CHOICES
from ..schemas import Answer, Shape, cut, problem

STATUSES = ("all", "open", "fixed")
ARG_MAX = 40
Arg = Annotated[str, cut(ARG_MAX)]


class MapQuery(Shape):
    """The filters shared by the maps, the performance pages, the exports and the JSON feeds: their shape. What
    they name (a category, a ward, a period) is looked up in filters.parse_filters."""
    category: Arg = Field("", max_length=ARG_MAX, examples=["fly_tipping"],
                          description="Category code (see /open311/v2/services.json), or `all` (the default).")
    period: Annotated[Arg, WithJsonSchema({"type": "string", "enum": sorted(PERIOD_CHOICES, key=int)})] = Field(
        "", description="The last 30, 90 or 365 days up to today (default 365). Ignored when start or end is "
                        "given.")
    start: Annotated[Arg, WithJsonSchema({"type": "string", "format": "date"})] = Field(
        "", description="First day of a date range (YYYY-MM-DD, 1970-01-01 to 2099-12-31); give end too. At "
                        "most 1,098 days.")
    end: Annotated[Arg, WithJsonSchema({"type": "string", "format": "date"})] = Field(
        "", description="Last day of a date range (YYYY-MM-DD).")
    measure: Annotated[Arg, WithJsonSchema({"type": "string", "enum": list(MEASURES)})] = Field(
        "median_hours", description="Performance measure (default median_hours).")
    status: Annotated[Arg, WithJsonSchema({"type": "string", "enum": list(STATUSES)})] = Field(
        "all", description="Which reports (default all).")
    ward: Arg = Field("", max_length=ARG_MAX, examples=["E05013722"],
                      description="Only this ward (ONS ward code, e.g. E05013722).")
    @field_validator("measure")
    @classmethod
    def _measure(cls, value: str) -> str:
        if value not in MEASURES:
            raise problem("Choose a measure from the list.")
        return value

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in STATUSES:
            raise problem("Choose open, fixed or all reports.")
        return value


def _box(value: Any) -> BBox:
    if isinstance(value, BBox):
        return value
    try:
        return parse_bbox(value)
    except BoxError as exc:
        raise problem(exc.message) from None


class BoxQuery(MapQuery):
    """The filters and the box of the map feed."""
    required_messages = {"bbox": "bbox must be four numbers: west,south,east,north (degrees)."}
    bbox: Annotated[BBox, BeforeValidator(_box), WithJsonSchema({
        "type": "string", "pattern": "^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$"})] = Field(
        examples=["-0.03,51.44,-0.01,51.45"],
        description=f"west,south,east,north in WGS84 degrees; at most {MAX_BBOX_DEG[0]}° wide and "
                    f"{MAX_BBOX_DEG[1]}° tall.")


class WardPath(Shape):
    code: str = Field(min_length=1, max_length=20, examples=["E05013722"], description="ONS ward code.")


# --- answers -------------------------------------------------------------------------------------------------

class MapError(Answer):
    """A filter is wrong (the message says which), a rate limit was hit, or the database is unreachable."""
    error: str
    message: str
    status: int


class Point(Answer):
    type: Literal["Point"]
    coordinates: Annotated[list[float], Field(min_length=2, max_length=2, description="[longitude, latitude]")]


class MapFeature(Answer):
    type: Literal["Feature"]
    geometry: Point
    properties: dict[str, Any] = Field(
        description="A report: reference, category (its name), status, created_at. A count: count, and ward and "
                    "name for a ward.")


class MapFeatures(Answer):
    """Reports as points (clustered false), or counts per ward or grid cell (clustered true)."""
    type: Literal["FeatureCollection"]
    clustered: bool
    by: Literal["ward", "grid"] = Field(None, description="What a count is of (clustered answers only).",
                                        exclude_if=lambda by: by is None,
                                        json_schema_extra=lambda schema: schema.pop("default"))
    total: int = Field(ge=0, description="Every report counted, those outside every ward included.")
    outside_wards: int = Field(None, ge=0, description="Reports outside every ward boundary (counts per ward "
                                                       "only): in the total, on no ward's point.",
                               exclude_if=lambda n: n is None, json_schema_extra=lambda schema: schema.pop("default"))
    features: list[MapFeature]


class Polygon(Answer):
    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any]


class HexagonCount(Answer):
    i: int
    j: int
    count: int = Field(ge=1)
    ward: str | None


class Hexagon(Answer):
    type: Literal["Feature"]
    geometry: Polygon
    properties: HexagonCount


class Hexagons(Answer):
    type: Literal["FeatureCollection"]
    size_m: float = Field(description="The hexagons' size in metres (British National Grid, EPSG:27700).")
    features: list[Hexagon]


class Hotspot(Answer):
    category: str
    count: int = Field(ge=1, description="Reports in the hotspot.")
    references: list[str] = Field(max_length=20, description="The newest references of the hotspot (at most 20); "
                                                             "count is the whole group.")
    ward: str | None
    longitude: float
    latitude: float


class Hotspots(Answer):
    hotspots: list[Hotspot]


class ExportedReport(Answer):
    reference: str
    category: str
    status: str = Field(description="new, confirmed, investigating, assigned, in_progress, fixed, closed, "
                                    "duplicate, not_responsible or reopened.")
    ward: str | None
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    updated_at: str | None = Field(json_schema_extra={"format": "date-time"})
    fixed_at: str | None = Field(json_schema_extra={"format": "date-time"})
    description: str | None


class ExportFeature(Answer):
    type: Literal["Feature"]
    geometry: Point
    properties: ExportedReport


class ReportExport(Answer):
    """Every public report that matches the filters: public fields only (see /data for each field)."""
    type: Literal["FeatureCollection"]
    features: list[ExportFeature]
