"""Wards (the council's service area) and postcode centroids."""
from geoalchemy2 import Geometry
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Ward(Base):
    __tablename__ = "wards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: WGS84 multipolygon, always valid (repaired on import). Deferred: a report is loaded with its ward (to name
    #: it), and its outline (~9 KB each in Lewisham) is for SQL; loaded in Python only if asked for.
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False, deferred=True)
    #: Area in square kilometres, computed by the database on import.
    area_km2: Mapped[float] = mapped_column(default=0.0)


class Postcode(Base):
    __tablename__ = "postcodes"

    #: Normalised: upper case, no spaces (e.g. "SE64RU").
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
