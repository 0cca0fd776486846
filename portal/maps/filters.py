"""Filters of the map, performance, ward and data pages, read from the URL (GET) through schemas.MapQuery, so
every view can be shared.
Bad input raises BadFilter with a plain message; the views answer 400 with it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from gis.explore import BBox
from gis.measures import data_end
from gis.performance import Period, PeriodError, parse_period
from models import ALL_CATEGORIES, Category, Status, Ward, OPEN, PUBLIC

from ..schemas import ShapeError, parse
from .schemas import MapQuery

STATUS_CHOICES = {"all": PUBLIC, "open": OPEN, "fixed": frozenset({Status.FIXED})}


class BadFilter(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Filters:
    category: Category | None
    period: Period
    measure: str = "median_hours"
    status: str = "all"
    ward: Ward | None = None
    #: "30", "90" or "365" when the period is the last N days; "" for a date range.
    period_choice: str = ""
    #: The newest report's day when the data is historical (periods end there instead of today), else None.
    data_end: date | None = None
    #: The map feed's box (west, south, east, north in degrees, EPSG:4326).
    bbox: BBox | None = None

    @property
    def period_label(self) -> str:
        """The period in words, as the menu and headings show it."""
        if not self.period_choice:
            return f"{self.period.start:%-d %b %Y} to {self.period.end:%-d %b %Y} (dates chosen)"
        if self.data_end:
            return f"{self.period_choice} days up to {self.data_end:%-d %b %Y}"
        return f"Last {self.period_choice} days"

    def choice_label(self, days: str) -> str:
        return f"{days} days up to {self.data_end:%-d %b %Y}" if self.data_end else f"Last {days} days"

    @property
    def category_id(self) -> int:
        return self.category.id if self.category else ALL_CATEGORIES

    @property
    def category_code(self) -> str:
        return self.category.code if self.category else "all"

    def query(self, **changes) -> dict:
        """URL parameters of these filters (for links that keep them)."""
        out = {"category": self.category_code, "measure": self.measure, "status": self.status}
        if self.period_choice:
            out["period"] = self.period_choice
        else:
            out.update(start=self.period.start.isoformat(), end=self.period.end.isoformat())
        if self.ward is not None:
            out["ward"] = self.ward.code
        out.update(changes)
        return out


def parse_filters(session: Session, args: MultiDict, today: date, model: type[MapQuery] = MapQuery) -> Filters:
    """The filters in the URL parameters ``args``, read by ``model`` (schemas.MapQuery, or BoxQuery for the map
    feed: the same model the OpenAPI document describes); BadFilter with a plain message for the first bad one.
    Periods of the last N days end on the newest report's day when the data is historical
    (gis.measures.data_end), so no page opens on nothing."""
    try:
        # A page's address, as its own filter links and forms build it: the first value of a name is read.
        query = parse(model, args, one_each=False)
    except ShapeError as exc:
        raise BadFilter(exc.message) from None
    code = query.category
    category = None
    if code and code != "all":
        category = session.scalars(select(Category).where(Category.code == code)).first()
        if category is None:
            raise BadFilter(f"There is no category “{code}”. Choose one from the list, or all categories.")
    end = data_end(session, today)
    try:
        period = parse_period(query.period or None, query.start, query.end, end)
    except PeriodError as exc:
        raise BadFilter(exc.message) from None
    measure, status = query.measure, query.status
    ward = None
    ward_code = query.ward
    if ward_code:
        ward = session.scalars(select(Ward).where(Ward.code == ward_code)).first()
        if ward is None:
            raise BadFilter(f"There is no ward with code “{ward_code}”.")
    dated = bool(query.start or query.end)
    return Filters(category=category, period=period, measure=measure, status=status, ward=ward,
                   period_choice="" if dated else (query.period or "365"),
                   data_end=end if end < today else None, bbox=getattr(query, "bbox", None))
