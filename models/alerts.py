"""Alerts: emails about new reports and fixes in an area, and the "has it been fixed?" questionnaire."""
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (ARRAY, BigInteger, Boolean, CheckConstraint, ForeignKey, Identity, Index, Integer, String, Text,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .category import Category
from .place import Ward
from .user import User

ALERT_KINDS = ("ward", "radius", "council")
FREQUENCIES = ("instant", "daily")
RADIUS_MIN, RADIUS_MAX = 200, 2000


class Alert(Base):
    """One person's alert. ``area`` is what the worker joins new events against (GiST-indexed): the ward's
    polygon, or the circle of ``radius_m`` metres around ``centre`` as a polygon; None for the whole council.
    An alert made without an account waits for its emailed link (``confirmed_at`` None) and matches nothing."""
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_area", "area", postgresql_using="gist", postgresql_where=text("confirmed_at IS NOT NULL")),
        Index("ix_alerts_user_id", "user_id"),
        Index("ix_alerts_ward_id", "ward_id", postgresql_where=text("ward_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"))
    centre = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    radius_m: Mapped[int | None]
    #: What the person typed to find the centre (a postcode or street), shown back to them.
    place: Mapped[str] = mapped_column(String(120), default="")
    area = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=True)
    new_reports: Mapped[bool] = mapped_column(default=True)
    fixes: Mapped[bool] = mapped_column(default=False)
    all_categories: Mapped[bool] = mapped_column(default=True)
    frequency: Mapped[str] = mapped_column(String(10), default="instant")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    ward: Mapped[Ward | None] = relationship(lazy="joined")
    categories: Mapped[list[Category]] = relationship(secondary="alert_categories", order_by="Category.name")


class AlertCategory(Base):
    __tablename__ = "alert_categories"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)


class AlertHit(Base):
    """What one matching round found for one alert (the timeline events, reports made public or fixed, that
    matched it), until it is emailed. One row per alert and round, not per event: a round of 2,000 new reports
    matches 10,000 alerts ~780,000 times, and a row each cost ~30 s of index upkeep (bench/alerts.py). Events
    deleted since are dropped when the email is written (it joins the ids back to the timeline)."""
    __tablename__ = "alert_hits"
    __table_args__ = (
        Index("ix_alert_hits_unsent", "alert_id", postgresql_where=text("sent_at IS NULL")),
        CheckConstraint("cardinality(event_ids) > 0", name="some_events"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    event_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class AlertProgress(Base):
    """The worker's place in the timeline: events up to ``last_event_id`` have been matched (one row, id 1)."""
    __tablename__ = "alert_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(default=0)


class Questionnaire(Base):
    """"Has it been fixed?": asked of the reporter once, four weeks after a report that is still open."""
    __tablename__ = "questionnaires"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    fixed: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
