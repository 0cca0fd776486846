"""Performance summaries: one row per (category, day reported, ward), kept current by a database trigger on
reports (see migration 0002). ``category_id`` 0 holds every category pooled. Read by gis/performance.py."""
from datetime import date, datetime

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

ALL_CATEGORIES = 0


class PerfDaily(Base):
    __tablename__ = "perf_daily"

    category_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True)
    reported: Mapped[int] = mapped_column(default=0)
    fixed: Mapped[int] = mapped_column(default=0)
    #: Fixed within the category's target_hours.
    fixed_within: Mapped[int] = mapped_column(default=0)
    open: Mapped[int] = mapped_column(default=0)
    #: Sum of the open reports' created_at as epoch seconds (mean age = now - sum / open).
    open_created_sum: Mapped[float] = mapped_column(default=0.0)


class PerfFixHours(Base):
    """How many fixed reports took up to ``bucket_hours`` (1 h steps to 48 h, 6 h to a week, a day to
    30 days, a week beyond): percentiles of time to fix come from these counts."""
    __tablename__ = "perf_fix_hours"

    category_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True)
    bucket_hours: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class PerfFixHoursMonthly(Base):
    """PerfFixHours summed by calendar month of the report, so long periods read few rows."""
    __tablename__ = "perf_fix_hours_monthly"

    category_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True)
    bucket_hours: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class HexDaily(Base):
    """Reports per cell of the 250 m hexagon grid (EPSG:27700, ``ST_Hexagon(250, i, j)``), category, day and
    ward."""
    __tablename__ = "hex_daily"

    category_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True)
    i: Mapped[int] = mapped_column(primary_key=True)
    j: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class PerfDueDaily(Base):
    """Reports by the UTC day they fell due (created_at + the category's target) and how each stands now:
    fixed by then (kept), fixed later (late), still open, closed without a fix (see migration 0015). Read by
    gis/measures.py for "within target"."""
    __tablename__ = "perf_due_daily"

    category_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True)
    due: Mapped[int] = mapped_column(default=0)
    kept: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0)
    open: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)


class PerfDueMonthly(Base):
    """PerfDueDaily summed by calendar month of the due day."""
    __tablename__ = "perf_due_monthly"

    category_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True)
    due: Mapped[int] = mapped_column(default=0)
    kept: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0)
    open: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)


class PerfFlowDaily(Base):
    """The backlog's flows by day: reports that came in to be fixed and fixes, each with the sum of the reports'
    created_at (epoch seconds), so the backlog and its mean age can be measured at any period's end."""
    __tablename__ = "perf_flow_daily"

    category_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True)
    came_in: Mapped[int] = mapped_column(default=0)
    came_in_sum: Mapped[float] = mapped_column(default=0.0)
    fixed: Mapped[int] = mapped_column(default=0)
    fixed_created_sum: Mapped[float] = mapped_column(default=0.0)


class HotspotCache(Base):
    """The hotspots of one category (0: all), ward (0: every ward) and window [since, until), as computed at
    ``computed_at`` (gis/hotspots.py): clustering 90 days of reports is too slow for every page view. ``spots``
    holds, per hotspot: category code and name, count, references (newest first), lon, lat (WGS84), ward code and
    name. Only public reports; the trigger reports_hotspot_forget drops a list when a report in it stops being
    public."""
    __tablename__ = "hotspot_cache"

    category_id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(primary_key=True, default=0, server_default="0")
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    spots: Mapped[list] = mapped_column(JSONB)
