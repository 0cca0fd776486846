"""Shape of Open311 input: one pydantic model per operation reads its parameters (portal/schemas.py ``parse``),
with a message the client can act on; the same models describe them in the OpenAPI document (spec.py).

Rules (inside the service area, allowed status change, answers fit the category) stay in the services.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, WithJsonSchema, field_validator, \
    model_validator

from gis.coords import ascii_float
from models import DESCRIPTION_MAX_API, Status
from ..schemas import Shape, comma_list, field_problem, problem, whole_number
from ..services.emails import InvalidEmail, normalise_email
from ..services.open311 import UPDATE_STATUSES

FORMATS = ("xml", "json")
MAX_SPAN = timedelta(days=90)
PAGE_SIZE_DEFAULT = 1000
PAGE_SIZE_MAX = 1000
PAGE_MAX = 100_000
IDS_MAX = 100
FIRST_DATETIME = datetime(1970, 1, 1, tzinfo=timezone.utc)
LAST_DATETIME = datetime(2100, 1, 1, tzinfo=timezone.utc)
#: A time (HH:MM, seconds and fraction optional), one space, and an HH:MM offset ending the text.
SPACE_FOR_PLUS_RE = re.compile(r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:\d\d)$")
ATTRIBUTE_RE = re.compile(r"^attribute\[([A-Za-z0-9_-]{1,60})\](\[\])?$")
ATTRIBUTE_VALUE_MAX = 600
ATTRIBUTE_VALUES_MAX = 20
MEDIA_URL_MAX = 500
#: Characters a URI may hold as is (RFC 3986: unreserved, reserved and the percent sign).
URI_CHARS_RE = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
UPDATE_STATUS_MESSAGE = "status must be one of: " + ", ".join(s.upper() for s in UPDATE_STATUSES) + "."


class BadInput(Exception):
    """Refused input: HTTP status ``code`` and a description for the client."""

    def __init__(self, description: str, code: int = 400):
        super().__init__(description)
        self.code = code
        self.description = description


def format_of(extension: str) -> str | None:
    """The format an address's extension names, in any case (.JSON is .json), or None."""
    return extension.lower() if extension.lower() in FORMATS else None


def check_format(fmt: str) -> str:
    if format_of(fmt) is None:
        raise BadInput(f"Unknown format '{fmt[:20]}': use .xml or .json.")
    return format_of(fmt)


# --- parameter types -----------------------------------------------------------------------------------------

def iso_datetime(value: Any) -> datetime:
    """ISO 8601 date or date-time; without a zone it is taken as UTC. A space before an HH:MM offset at the end
    is read as the '+' it was: an unencoded '+' in a query string arrives as a space (2024-01-01T00:00:00+00:00
    typed into a URL)."""
    if isinstance(value, datetime):
        return value
    try:
        value = datetime.fromisoformat(SPACE_FOR_PLUS_RE.sub(r"\1+\2", str(value).strip()))
    except ValueError:
        raise field_problem("must be an ISO 8601 date-time, like 2026-11-01T09:30:00Z.") from None
    # In UTC and within range: PostgreSQL refuses offsets beyond ±15:59, and a 90-day window around year 1 or
    # 9999 overflows.
    try:
        value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except OverflowError:
        value = None
    if value is None or not FIRST_DATETIME <= value <= LAST_DATETIME:
        raise field_problem(f"must be between {FIRST_DATETIME.year} and {LAST_DATETIME.year}.")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(iso_datetime)]
PLUS_HELP = "An offset's '+' sent unencoded (a space once decoded, as in +00:00) is read as '+'."
BBOX_MESSAGE = "bbox must be min_lon,min_lat,max_lon,max_lat in decimal degrees (WGS84)."


def parse_bbox(value: Any) -> tuple[float, float, float, float]:
    if isinstance(value, tuple):
        return value
    try:
        parts = [ascii_float(p) for p in str(value).split(",")]
    except ValueError:
        raise problem(BBOX_MESSAGE) from None
    if len(parts) != 4:
        raise problem(BBOX_MESSAGE)
    x1, y1, x2, y2 = parts
    if not (-180 <= x1 < x2 <= 180 and -90 <= y1 < y2 <= 90):
        raise problem(BBOX_MESSAGE)
    return x1, y1, x2, y2


def open_or_closed(value: Any) -> str | None:
    """"open", "closed", or None for both."""
    if value is None:
        return None
    wanted = {s.strip() for s in str(value).lower().split(",")}
    if not wanted <= {"open", "closed"}:
        raise field_problem("must be open, closed or open,closed.")
    return wanted.pop() if len(wanted) == 1 else None


def update_status(value: Any) -> Status | None:
    if isinstance(value, Status):
        return value
    text = str(value).strip().lower()
    if len(text) > 40:
        raise field_problem(f"must be at most 40 characters (it has {len(text):,}).")
    if text not in UPDATE_STATUSES:
        raise problem(UPDATE_STATUS_MESSAGE)
    return UPDATE_STATUSES[text]


def is_media_url(text: str) -> bool:
    """An absolute http(s) URL with a host and no credentials: we republish it in answers, so nothing a
    browser would run, nor a password."""
    if not URI_CHARS_RE.match(text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:              # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc


def _span(start: datetime | None, end: datetime | None) -> None:
    if start and end:
        if end < start:
            raise problem("end_date must be after start_date.")
        if end - start > MAX_SPAN:
            raise problem("start_date and end_date may be at most 90 days apart.")


def _now(info: ValidationInfo) -> datetime:
    return (info.context or {}).get("now") or datetime.now(timezone.utc)


# --- GET requests --------------------------------------------------------------------------------------------

@dataclass
class RequestFilters:
    ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    status: str | None = None            # "open" | "closed"
    start: datetime | None = None
    end: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None   # min lon, min lat, max lon, max lat
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT


CommaList = WithJsonSchema({"type": "string"})
PageNumber = Annotated[int, BeforeValidator(whole_number(1, PAGE_MAX))]
PageSize = Annotated[int, BeforeValidator(whole_number(1, PAGE_SIZE_MAX))]
PAGE_HELP = ("Page number (default 1). When another page follows, the answer has a Link header naming it "
             '(rel="next").')


class RequestsQuery(Shape):
    """GET requests: the standard's filters. Validate with context {"now": ...}: without dates, the window is
    the 90 days up to now. The list filters may be repeated (the standard: they "can be declared multiple
    times"): service_code=a&service_code=b reads as service_code=a,b."""
    repeatable_lists = frozenset({"service_request_id", "service_code", "status"})

    service_request_id: Annotated[list[str], BeforeValidator(comma_list(IDS_MAX)), CommaList,
                                  AfterValidator(lambda ids: [i.upper() for i in ids])] = Field(
        default_factory=list, examples=["KB-7QF3K,KB-2M4XP"],
        description=f"Comma-separated references (at most {IDS_MAX}), or the parameter repeated (its values "
                    "joined). When given, every other parameter is ignored (the standard: it overrides all other "
                    "arguments).")
    service_code: Annotated[list[str], BeforeValidator(comma_list(IDS_MAX)), CommaList] = Field(
        default_factory=list, examples=["fly_tipping,graffiti"],
        description=f"Comma-separated service codes (at most {IDS_MAX}), or the parameter repeated (its values "
                    "joined).")
    status: Annotated[str | None, BeforeValidator(open_or_closed),
                      WithJsonSchema({"type": "string", "enum": ["open", "closed", "open,closed"]})] = Field(
        None, description="open, closed or both (the default); status=open&status=closed is both.")
    start_date: IsoDateTime | None = Field(
        None, description="ISO 8601 date or date-time (UTC when no zone is given), 1970 to 2100; at most 90 days "
                          "before end_date. Default: 90 days before end_date, or before now. " + PLUS_HELP)
    end_date: IsoDateTime | None = Field(
        None, description="ISO 8601 date or date-time. Default: 90 days after start_date, or none (up to now). "
                          + PLUS_HELP)
    page: PageNumber = Field(1, ge=1, le=PAGE_MAX, description=PAGE_HELP)
    page_size: PageSize = Field(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX,
                                description=f"Requests per page (default {PAGE_SIZE_DEFAULT:,}).")
    bbox: Annotated[tuple[float, float, float, float] | None, BeforeValidator(parse_bbox),
                    WithJsonSchema({"type": "string"})] = Field(
        None, examples=["-0.03,51.44,-0.01,51.45"], description="min_lon,min_lat,max_lon,max_lat in WGS84 degrees.")

    @model_validator(mode="before")
    @classmethod
    def _ids_override(cls, data: Any) -> Any:
        """The standard: service_request_id overrides all other arguments (so they are not even checked)."""
        if isinstance(data, dict) and any(i.strip() for i in str(data.get("service_request_id", "")).split(",")):
            return {"service_request_id": data["service_request_id"]}
        return data

    @field_validator("end_date")
    @classmethod
    def _window(cls, end: datetime | None, info: ValidationInfo) -> datetime | None:
        _span(info.data.get("start_date"), end)
        return end

    @model_validator(mode="after")
    def _default_window(self, info: ValidationInfo) -> RequestsQuery:
        if self.service_request_id:
            return self
        if self.start_date and not self.end_date:
            self.end_date = self.start_date + MAX_SPAN
        elif self.end_date and not self.start_date:
            self.start_date = self.end_date - MAX_SPAN
        elif not self.start_date:          # the standard's default: the last 90 days
            self.start_date = _now(info) - MAX_SPAN
        return self

    @property
    def filters(self) -> RequestFilters:
        if self.service_request_id:
            return RequestFilters(ids=self.service_request_id)
        return RequestFilters(service_codes=self.service_code, status=self.status, start=self.start_date,
                              end=self.end_date, bbox=self.bbox, page=self.page, page_size=self.page_size)


# --- POST requests -------------------------------------------------------------------------------------------

ATTRIBUTE_PATTERN = ATTRIBUTE_RE.pattern


def form_attributes(values) -> dict[str, list[str]]:
    """Every attribute... parameter of a form, by its name, with all its values (the model checks them)."""
    return {name: values.getlist(name) for name in values.keys()
            if isinstance(name, str) and name.startswith("attribute")}   # None: a multipart part whose name
    #                                                                        werkzeug could not read


def _form_schema(schema: dict[str, Any]) -> None:
    """On the wire, answers are attribute[code] (one value) or attribute[code][] (several) parameters."""
    schema["properties"].pop("attributes", None)
    schema["patternProperties"] = {ATTRIBUTE_PATTERN: {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "Answers to the service's attributes (services/{code}.json): attribute[code]=value, or "
                       "attribute[code][]=value repeated for a multivaluelist (at most "
                       f"{ATTRIBUTE_VALUES_MAX} values; more are refused). Values sent under both spellings of one "
                       "code are one answer: a question that takes one value refuses two (400)."}}


class NewRequest(Shape):
    """POST requests (form-encoded or multipart): a new service request. ``attributes`` comes from the
    attribute[...] parameters (form_attributes), ``media`` from the uploaded files; validate with context
    {"photo_max_count": n}."""
    model_config = {"json_schema_extra": _form_schema}
    required_messages = {"service_code": "service_code is required: see services.xml for the list."}

    service_code: str = Field(max_length=40, examples=["fly_tipping"], description="See services.json.")
    lat: str = Field("", max_length=32, examples=["51.4454"], description="WGS84 latitude in degrees.")
    long: str = Field("", max_length=32, examples=["-0.0205"], description="WGS84 longitude in degrees.")
    address_string: str = Field(
        "", max_length=200, examples=["12 Rushey Green, SE6 4RU"],
        description="Where, when lat and long are not given: an address with its postcode (e.g. '12 Rushey "
                    "Green, SE6 4RU'), placed at the postcode's centre; or, without a postcode, an address naming "
                    "one of the council's streets (e.g. '12 Rushey Green, Catford'), placed on that street. "
                    "Anything else is refused (400).")
    address_id: str = Field("", max_length=100, description="Not accepted: this council has no address ids "
                                                            "(400 naming address_id).")
    email: str = Field("", max_length=254, description="Kept for council staff; never published.")
    media_url: str = Field(
        "", max_length=MEDIA_URL_MAX, json_schema_extra={"format": "uri"},
        description="An http or https URL of the media (no credentials); returned as media_url when we hold no "
                    "photo of the request. Other schemes are refused (400).")
    description: str = Field(
        "", max_length=DESCRIPTION_MAX_API,
        description="Optional. Without one the request is stored as '<service name> (reported without a "
                    "description).'")
    attributes: dict[str, str | list[str]] = Field(default_factory=dict)
    first_name: str = Field("", max_length=100, description="Kept for council staff; never published.")
    last_name: str = Field("", max_length=100, description="Kept for council staff; never published.")
    phone: str = Field("", max_length=40, description="Kept for council staff; never published.")
    device_id: str = Field("", max_length=100, description="Repeats of the same request from the same device "
                                                           "within a minute make one request (the same content, "
                                                           "photos included: another photo makes another "
                                                           "request).")
    media: Annotated[list[Any], WithJsonSchema({"type": "array", "items": {"type": "string", "format": "binary"},
                                                "maxItems": 3})] = Field(
        default_factory=list, description="Photos (JPEG, PNG, WebP or HEIC): at most 3 of at most 10 MB each "
                                          "(multipart/form-data only).")

    @field_validator("address_id")
    @classmethod
    def _no_address_ids(cls, value: str) -> str:
        if value:
            raise problem("address_id is not accepted: this council has no address ids. Send lat and long, or "
                          "address_string with a postcode or street name in it.")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not value:
            return value
        try:
            return normalise_email(value)
        except InvalidEmail as exc:
            raise problem(f"email: {exc.message}") from None

    @field_validator("media_url")
    @classmethod
    def _media_url(cls, value: str) -> str:
        if value and not is_media_url(value):
            raise problem("media_url must be an http or https URL with a host, like https://example.org/photo.jpg "
                          "(no other scheme, no user name or password, spaces and quotes percent-encoded).")
        return value

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, given: Any) -> dict[str, object]:
        """attribute[code]=v (one value) and attribute[code][]=v (several); any other attribute key is refused.
        Both spellings of one code are one answer with every value sent under either (so a one-value question
        sent both says it takes one value, rather than the last spelling winning), and an answer with more
        values than we read is refused, not cut (the values cut off would go unchecked)."""
        found: dict[str, list[str]] = {}
        many: set[str] = set()
        for name, values in dict(given).items():
            match = ATTRIBUTE_RE.match(name)
            if not match:
                raise problem(f"{name[:80]} is not a valid attribute parameter: use attribute[code].")
            code, brackets = match.groups()
            found.setdefault(code, []).extend(
                str(v)[:ATTRIBUTE_VALUE_MAX] for v in (values if isinstance(values, list) else [values]))
            if brackets:
                many.add(code)
        for code, values in found.items():
            if len(values) > ATTRIBUTE_VALUES_MAX:
                raise problem(f"attribute[{code}] takes at most {ATTRIBUTE_VALUES_MAX} values (it has "
                              f"{len(values):,}).")
        return {code: values if code in many or len(values) > 1 else values[0] for code, values in found.items()}

    @field_validator("media")
    @classmethod
    def _media(cls, uploads: list[Any], info: ValidationInfo) -> list[Any]:
        uploads = [f for f in uploads if f and getattr(f, "filename", None)]
        most = (info.context or {}).get("photo_max_count", 3)
        if len(uploads) > most:
            raise problem(f"At most {most} photos (media) per request.")
        return uploads

    @model_validator(mode="after")
    def _somewhere(self) -> NewRequest:
        if not (self.lat or self.long) and not self.address_string:
            raise problem("A location is required: lat and long, or address_string with a postcode or street name "
                          "in it.")
        return self


# --- status updates (mySociety extension) ---------------------------------------------------------------------

class NewUpdate(Shape):
    """POST servicerequestupdates: a council system moves a request on."""
    required_messages = {"service_request_id": "service_request_id is required.", "status": UPDATE_STATUS_MESSAGE}

    service_request_id: Annotated[str, Field(max_length=12), AfterValidator(str.upper)] = Field(
        examples=["KB-7QF3K"], description="The request to update.")
    status: Annotated[Status | None, BeforeValidator(update_status), WithJsonSchema(
        {"type": "string", "enum": sorted(s.upper() for s in UPDATE_STATUSES) + sorted(UPDATE_STATUSES)})] = Field(
        description="mySociety's update statuses, or ours. OPEN reopens a closed request, else adds a note "
                    "(which then needs a description).")
    description: str = Field("", max_length=DESCRIPTION_MAX_API, description="Shown on the public timeline.")
    update_id: str = Field("", max_length=64, description="The client's own id of the update: sent again with the "
                                                          "same id (a retry), the update is made once and the "
                                                          "first answer's update_id is given again.")


class UpdatesQuery(Shape):
    """GET servicerequestupdates: since (or start_date) .. end_date, at most 90 days; a start alone runs 90 days
    from it (as GET requests), else the default is the last day up to now; oldest first, a page at a time.
    Validate with context {"now": ...}."""
    end_date: IsoDateTime | None = Field(None, description="ISO 8601; at most 90 days after the start. Default: "
                                                           "90 days after the start when one is given, else now. "
                                                           + PLUS_HELP)
    since: IsoDateTime | None = Field(None, description="ISO 8601 (the start; wins over start_date). " + PLUS_HELP)
    start_date: IsoDateTime | None = Field(None, description="ISO 8601. Default: a day before end_date (or now). "
                                                             + PLUS_HELP)
    page: PageNumber = Field(1, ge=1, le=PAGE_MAX, description=PAGE_HELP)
    page_size: PageSize = Field(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX,
                                description=f"Updates per page (default {PAGE_SIZE_DEFAULT:,}).")

    @model_validator(mode="before")
    @classmethod
    def _since_wins(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("since"):
            data = {k: v for k, v in data.items() if k != "start_date"}
        return data

    @model_validator(mode="after")
    def _window(self, info: ValidationInfo) -> UpdatesQuery:
        start = self.since or self.start_date
        self.end_date = self.end_date or (start + MAX_SPAN if start else _now(info))
        self.start_date = start or self.end_date - timedelta(days=1)
        _span(self.start_date, self.end_date)
        return self


# --- path parameters (documented; Flask's routing hands them to the views) --------------------------------------

class ServicePath(Shape):
    code: str = Field(min_length=1, examples=["fly_tipping"], description="A service_code from services.json.")


class RequestPath(Shape):
    service_request_id: str = Field(min_length=1, examples=["KB-7QF3K"], description="The request's reference.")


class TokenPath(Shape):
    token: str = Field(min_length=1, description="A token given for a request (we give the id at once instead).")
