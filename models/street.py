"""Street names with a point each (one row per OpenStreetMap way centre): "find a street" where a postcode is
accepted. A street has several rows; gis/streets.py picks one point per name."""
from geoalchemy2 import Geometry
from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Street(Base):
    __tablename__ = "streets"
    __table_args__ = (
        Index("ix_streets_geom", "geom", postgresql_using="gist"),
        Index("ix_streets_name_key", "name_key", postgresql_ops={"name_key": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The name as searched: lower case, single spaces (see gis.streets.street_key).
    name_key: Mapped[str] = mapped_column(String(120))
    #: OpenStreetMap's highway tag (residential, primary, ...), or "" when the file has none.
    highway: Mapped[str] = mapped_column(String(40), default="")
    #: False for streets in the margin just outside the council's area.
    inside_area: Mapped[bool] = mapped_column(default=True)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
