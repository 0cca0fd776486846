"""Small statistical areas (LSOAs) with their deprivation and population, and their share in each ward: what
the fairness page compares. Imported with `flask areas import`; nothing else writes them."""
from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Area(Base):
    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint("imd_decile BETWEEN 1 AND 10", name="imd_decile_range"),
        CheckConstraint("population >= 0", name="population_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. an LSOA code "E01003189".
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: WGS84 multipolygon, valid (repaired on import).
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
    #: Index of Multiple Deprivation: score (higher is more deprived), national rank (1 = most deprived) and
    #: national decile (1 = the most deprived tenth of the country).
    imd_score: Mapped[float | None]
    imd_rank: Mapped[int | None]
    imd_decile: Mapped[int]
    #: Residents (the population file's year, e.g. mid-2020 estimates).
    population: Mapped[int] = mapped_column(default=0)


class AreaWard(Base):
    """The share of an area's residents living in a ward (an area may straddle wards)."""
    __tablename__ = "area_wards"
    __table_args__ = (
        CheckConstraint("pop_share > 0 AND pop_share <= 1", name="pop_share_range"),
        Index("ix_area_wards_ward_id", "ward_id"),
    )

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True)
    pop_share: Mapped[float]


class AreaPart(Base):
    """An area cut into pieces of at most 64 vertices (ST_Subdivide) by the importer: finding the area of each of
    many report points is several times faster against small pieces than against whole polygons."""
    __tablename__ = "area_parts"
    __table_args__ = (Index("ix_area_parts_area_id", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)


class FairnessFigure(Base):
    """The fairness page's figures for one ward or one deprivation decile, as last computed (gis/fairness.py
    ``store_figures``: when areas are imported, and by the worker every few minutes). Only counts of public
    reports; nothing about a person."""
    __tablename__ = "fairness_figures"
    __table_args__ = (CheckConstraint("kind IN ('ward', 'decile')", name="kind_known"),)

    kind: Mapped[str] = mapped_column(String(6), primary_key=True)
    #: A ward's id, or a decile (1–10).
    key: Mapped[int] = mapped_column(primary_key=True)
    #: Public reports made in the days covered.
    reported: Mapped[int]
    #: Of those, fixed and still open: the reports the Kaplan–Meier time to fix rests on (gis.measures).
    fixed: Mapped[int]
    still_open: Mapped[int] = mapped_column(server_default="0")
    #: Reports due in the days covered (up to the day before the computation), and those fixed by then.
    due: Mapped[int] = mapped_column(server_default="0")
    fixed_within: Mapped[int]
    median_hours: Mapped[float | None]


class FairnessRefresh(Base):
    """When the fairness figures were computed, and the days of reports they cover (one row)."""
    __tablename__ = "fairness_refresh"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),
                      CheckConstraint("first_day <= last_day", name="days_in_order"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    first_day: Mapped[date]
    last_day: Mapped[date]
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
