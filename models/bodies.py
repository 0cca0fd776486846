"""Who does the work: the council's teams, and other bodies (a highways authority, a housing association, a
parks trust) that take the categories they are responsible for inside their own boundary, with the state of
sending a report to such a body over Open311.

Routing (portal/services/routing.py) runs once, when a report is made: the report keeps its category's team,
and if an active body takes that category at the report's point, the body too, with a ``BodySend`` row that the
sender (``flask bodies send``) works through with retries."""
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .base import Base, utcnow
from .category import Category
from .report import Report
from .user import ASCII_EMAIL_SQL

#: The wire formats of the Open311 GeoReport v2 standard.
OPEN311_FORMATS = ("json", "xml")


class Team(Base):
    """A council team that does the work of some categories (e.g. "Street cleansing", "Highways")."""
    __tablename__ = "teams"
    __table_args__ = (CheckConstraint(f"email = '' OR email {ASCII_EMAIL_SQL}", name="email_ascii"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    #: The team's shared mailbox ("" when it has none): told of the new reports in its categories, one email per
    #: round of the mail worker (services/alerts.py, _queue_team_notices).
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True, server_default="true")

    categories: Mapped[list[Category]] = relationship(back_populates="team", order_by="Category.name")


class Body(Base):
    """Another organisation with its own boundary, sent the reports of its categories inside it by Open311.

    The boundary is a valid WGS84 multipolygon (a CHECK enforces ST_IsValid): an invalid one is refused when it
    is entered, or repaired by ST_MakeValid only when the admin asks for it (see services/bodies.py)."""
    __tablename__ = "bodies"
    __table_args__ = (
        CheckConstraint("ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)", name="boundary_valid"),
        CheckConstraint("endpoint ~ '^https?://[^[:space:]]+$'", name="endpoint_http"),
        CheckConstraint("format IN ('json', 'xml')", name="format_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: GeoJSON boundary as imported or drawn, WGS84 degrees; GiST-indexed for "which body covers this point".
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
    #: The body's Open311 base URL (its requests.json / requests.xml live under it).
    endpoint: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(4), default="json", server_default="json")
    #: The api_key the body gave us, encrypted at rest (Fernet, the TOTP_ENCRYPTION_KEY keys); "" for none.
    api_key_sealed: Mapped[str] = mapped_column(String(500), default="", server_default="")
    jurisdiction_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True, server_default="true")
    #: Its servicerequestupdates use mySociety's extended statuses (FIXED, CLOSED, IN_PROGRESS...), where
    #: "closed" is closed without a fix. False: the plain standard, whose only words are "open" and "closed", so
    #: "closed" is how it says the problem was dealt with: our report is marked fixed (FixMyStreet reads it so).
    extended_statuses: Mapped[bool] = mapped_column(default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Up to when the body's servicerequestupdates have been read (services/body_updates.py); None: never.
    updates_fetched_at: Mapped[datetime | None] = mapped_column()

    services: Mapped[list["BodyService"]] = relationship(back_populates="body", cascade="all, delete-orphan",
                                                         order_by="BodyService.category_id")


class BodyService(Base):
    """A category the body takes inside its boundary, and the service_code its Open311 server knows it by."""
    __tablename__ = "body_services"

    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    service_code: Mapped[str] = mapped_column(String(100))

    body: Mapped[Body] = relationship(back_populates="services")
    category: Mapped[Category] = relationship()


class BodySend(Base):
    """A report on its way to (or received by) another body: retried with back-off until the body answers
    with its reference; never given up, so nothing is lost while its endpoint is down or answers garbage."""
    __tablename__ = "body_sends"
    __table_args__ = (
        Index("ix_body_sends_due", "next_attempt_at", postgresql_where=text("sent_at IS NULL")),
        UniqueConstraint("report_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    #: The body's service_code at routing time (a later change of the mapping does not move a report).
    service_code: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    #: The body's service_request_id; empty while it has only answered with a token.
    external_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: The token of a body that answers with one instead of an id (the standard allows either).
    external_token: Mapped[str] = mapped_column(String(100), default="", server_default="")
    last_error: Mapped[str] = mapped_column(String(500), default="", server_default="")

    report: Mapped[Report] = relationship(backref=backref("body_send", uselist=False, cascade="all, delete-orphan"))
    body: Mapped[Body] = relationship(lazy="joined")
