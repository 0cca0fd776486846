"""Council workflow: crews, supporters ("me too"), update subscriptions, the mail outbox, response templates
and ratings of fixes."""
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .category import Category
from .status import Status
from .user import ASCII_EMAIL_SQL, User, enum_column


class Crew(Base):
    """A field team. Jobs are routed from the depot unless a member gives their position."""
    __tablename__ = "crews"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    depot = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    #: How the depot was given (a postcode like "SE6 4RU", or a street name like "Rushey Green"); "" when it
    #: was given as coordinates.
    depot_place: Mapped[str] = mapped_column(String(120), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)

    members: Mapped[list["CrewMember"]] = relationship(back_populates="crew", cascade="all, delete-orphan")


class CrewMember(Base):
    """A crew member belongs to one crew at a time."""
    __tablename__ = "crew_members"

    crew_id: Mapped[int] = mapped_column(ForeignKey("crews.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         unique=True)

    crew: Mapped[Crew] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Supporter(Base):
    """A resident who said "me too" to a report instead of making another."""
    __tablename__ = "supporters"
    __table_args__ = (UniqueConstraint("report_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscription(Base):
    """Who hears about a report's updates (its reporter and supporters) until they unsubscribe."""
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("report_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()


class OutboxMessage(Base):
    """An email waiting to be sent; written in the same transaction as the change it tells of."""
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "next_attempt_at", postgresql_where=text("sent_at IS NULL AND failed_at IS NULL")),
        Index("ix_outbox_report_id", "report_id", postgresql_where=text("report_id IS NOT NULL")),
        # A person's page lists the emails sent to them.
        Index("ix_outbox_to_addr_lower", text("lower(to_addr)")),
        CheckConstraint(f"to_addr {ASCII_EMAIL_SQL}", name="to_addr_ascii"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    #: Set when the mail server refused the message for good (e.g. an unknown mailbox).
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")
    #: Extra headers, e.g. List-Unsubscribe for alerts (names and values checked by the sender).
    headers: Mapped[dict] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))


class ResponseTemplate(Base):
    """A reusable public update for a category (or any) and a status."""
    __tablename__ = "response_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    status: Mapped[Status] = mapped_column(enum_column(Status, "report_status"))
    title: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)

    category: Mapped[Category | None] = relationship()


class FixRating(Base):
    """A resident's rating of a fix (1-5), one per report and fix."""
    __tablename__ = "fix_ratings"
    __table_args__ = (UniqueConstraint("report_id", "fixed_at"),
                      CheckConstraint("score BETWEEN 1 AND 5", name="score_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    fixed_at: Mapped[datetime]
    score: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
