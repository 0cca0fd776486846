"""Shape of Open311 input: every parameter parsed and checked here, with a message the client can act on.

Rules (inside the service area, allowed status change, answers fit the category) stay in the services.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict

from models import DESCRIPTION_MAX_API, Status
from ..services.emails import InvalidEmail, normalise_email
from ..services.text import ascii_int

FORMATS = ("xml", "json")
MAX_SPAN = timedelta(days=90)
PAGE_SIZE_DEFAULT = 1000
PAGE_SIZE_MAX = 1000
IDS_MAX = 100
FIRST_DATETIME = datetime(1970, 1, 1, tzinfo=timezone.utc)
LAST_DATETIME = datetime(2100, 1, 1, tzinfo=timezone.utc)
ATTRIBUTE_RE = re.compile(r"^attribute\[([A-Za-z0-9_-]{1,60})\](\[\])?$")
MEDIA_URL_MAX = 500
#: Characters a URI may hold as is (RFC 3986: unreserved, reserved and the percent sign).
URI_CHARS_RE = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
#: mySociety's update statuses (and plain open/closed) mapped to ours; our own values are accepted too.
UPDATE_STATUSES = {
    "open": None,                    # reopen if closed, else just a note
    "closed": Status.CLOSED,
    "fixed": Status.FIXED,
    "investigating": Status.INVESTIGATING,
    "in_progress": Status.IN_PROGRESS,
    "action_scheduled": Status.ASSIGNED,
    "not_councils_responsibility": Status.NOT_RESPONSIBLE,
    "internal_referral": Status.NOT_RESPONSIBLE,
    "duplicate": Status.DUPLICATE,
    "no_further_action": Status.CLOSED,
    **{s.value: s for s in Status if s is not Status.UNCONFIRMED},
}


class BadInput(Exception):
    """Refused input: HTTP status ``code`` and a description for the client."""

    def __init__(self, description: str, code: int = 400):
        super().__init__(description)
        self.code = code
        self.description = description


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise BadInput(f"Unknown format '{fmt[:20]}': use .xml or .json.")
    return fmt


def _text(values: MultiDict, name: str, limit: int) -> str:
    value = (values.get(name) or "").strip()
    if len(value) > limit:
        raise BadInput(f"{name} must be at most {limit:,} characters (it has {len(value):,}).")
    return value


def parse_datetime(text: str, name: str) -> datetime:
    """ISO 8601 date or date-time; without a zone it is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{name} must be an ISO 8601 date-time, like 2026-11-01T09:30:00Z.") from None
    # In UTC and within range: PostgreSQL refuses offsets beyond ±15:59, and a 90-day window around year 1 or
    # 9999 overflows.
    try:
        value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except OverflowError:
        value = None
    if value is None or not FIRST_DATETIME <= value <= LAST_DATETIME:
        raise BadInput(f"{name} must be between {FIRST_DATETIME.year} and {LAST_DATETIME.year}.")
    return value


def _int(values: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = (values.get(name) or "").strip()
    if not raw:
        return default
    number = ascii_int(raw, low, high)
    if number is None:
        raise BadInput(f"{name} must be a whole number from {low} to {high:,}.")
    return number


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


def _list(values: MultiDict, name: str) -> list[str]:
    items = [v.strip() for v in (values.get(name) or "").split(",") if v.strip()]
    if len(items) > IDS_MAX:
        raise BadInput(f"{name} takes at most {IDS_MAX} values.")
    return items


def request_filters(values: MultiDict, now: datetime) -> RequestFilters:
    ids = [i.upper() for i in _list(values, "service_request_id")]
    if ids:     # the standard: service_request_id overrides all other arguments (so they are not even checked)
        return RequestFilters(ids=ids)
    f = RequestFilters(service_codes=_list(values, "service_code"))
    status = (values.get("status") or "").strip().lower()
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise BadInput("status must be open, closed or open,closed.")
        f.status = wanted.pop() if len(wanted) == 1 else None
    start = values.get("start_date")
    end = values.get("end_date")
    f.start = parse_datetime(start, "start_date") if start else None
    f.end = parse_datetime(end, "end_date") if end else None
    if f.start and f.end:
        if f.end < f.start:
            raise BadInput("end_date must be after start_date.")
        if f.end - f.start > MAX_SPAN:
            raise BadInput("start_date and end_date may be at most 90 days apart.")
    elif f.start:
        f.end = f.start + MAX_SPAN
    elif f.end:
        f.start = f.end - MAX_SPAN
    else:                                # the standard's default: the last 90 days
        f.start, f.end = now - MAX_SPAN, None
    f.page = _int(values, "page", 1, 1, 100_000)
    f.page_size = _int(values, "page_size", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX)
    if values.get("bbox"):
        f.bbox = parse_bbox(values["bbox"])
    return f


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    message = "bbox must be min_lon,min_lat,max_lon,max_lat in decimal degrees (WGS84)."
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        raise BadInput(message) from None
    if len(parts) != 4:
        raise BadInput(message)
    x1, y1, x2, y2 = parts
    if not (-180 <= x1 < x2 <= 180 and -90 <= y1 < y2 <= 90):
        raise BadInput(message)
    return x1, y1, x2, y2


@dataclass
class NewRequest:
    service_code: str
    lat: str
    long: str
    address_string: str
    description: str
    attributes: dict[str, object]
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    device_id: str = ""
    media_url: str = ""


def new_request(values: MultiDict) -> NewRequest:
    service_code = _text(values, "service_code", 40)
    if not service_code:
        raise BadInput("service_code is required: see services.xml for the list.")
    lat, long = _text(values, "lat", 32), _text(values, "long", 32)
    address = _text(values, "address_string", 200)
    if _text(values, "address_id", 100):
        raise BadInput("address_id is not accepted: this council has no address ids. Send lat and long, or "
                       "address_string with the postcode in it.")
    if not (lat or long) and not address:
        raise BadInput("A location is required: lat and long, or address_string with a postcode in it.")
    email = _text(values, "email", 254)
    if email:
        try:
            email = normalise_email(email)
        except InvalidEmail as exc:
            raise BadInput(f"email: {exc.message}") from None
    media_url = _text(values, "media_url", MEDIA_URL_MAX)
    if media_url and not is_media_url(media_url):
        raise BadInput("media_url must be an http or https URL with a host, like https://example.org/photo.jpg "
                       "(no other scheme, no user name or password, spaces and quotes percent-encoded).")
    return NewRequest(
        service_code=service_code, lat=lat, long=long, address_string=address,
        description=_text(values, "description", DESCRIPTION_MAX_API), attributes=attributes(values),
        email=email, first_name=_text(values, "first_name", 100), last_name=_text(values, "last_name", 100),
        phone=_text(values, "phone", 40), device_id=_text(values, "device_id", 100), media_url=media_url)


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


def attributes(values: MultiDict) -> dict[str, object]:
    """attribute[code]=v (one value) and attribute[code][]=v (several); any other attribute key is refused."""
    out: dict[str, object] = {}
    for name in values.keys():
        if not isinstance(name, str) or not name.startswith("attribute"):   # None: a multipart part whose
            continue                                                          # name werkzeug could not read
        match = ATTRIBUTE_RE.match(name)
        if not match:
            raise BadInput(f"{name[:80]} is not a valid attribute parameter: use attribute[code].")
        code, many = match.groups()
        found = [v[:600] for v in values.getlist(name)][:20]
        out[code] = found if many or len(found) > 1 else found[0]
    return out


@dataclass
class NewUpdate:
    service_request_id: str
    status: Status | None        # None: reopen if closed, otherwise a note only
    description: str
    update_id: str = ""


def new_update(values: MultiDict) -> NewUpdate:
    ref = _text(values, "service_request_id", 12).upper()
    if not ref:
        raise BadInput("service_request_id is required.")
    status_text = _text(values, "status", 40).lower()
    if status_text not in UPDATE_STATUSES:
        raise BadInput("status must be one of: " + ", ".join(s.upper() for s in UPDATE_STATUSES) + ".")
    return NewUpdate(service_request_id=ref, status=UPDATE_STATUSES[status_text],
                     description=_text(values, "description", DESCRIPTION_MAX_API),
                     update_id=_text(values, "update_id", 64))


def updates_window(values: MultiDict, now: datetime) -> tuple[datetime, datetime]:
    """GET servicerequestupdates: since (or start_date) .. end_date, at most 90 days; default the last day."""
    start_text = values.get("since") or values.get("start_date")
    end = parse_datetime(values["end_date"], "end_date") if values.get("end_date") else now
    start = parse_datetime(start_text, "start_date") if start_text else end - timedelta(days=1)
    if end < start:
        raise BadInput("end_date must be after start_date.")
    if end - start > MAX_SPAN:
        raise BadInput("start_date and end_date may be at most 90 days apart.")
    return start, end
