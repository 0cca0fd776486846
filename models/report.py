"""Reports, their photos and their status timeline."""
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, Computed, FetchedValue, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .category import Category
from .place import Ward
from .status import IN_HAND, OPEN, Status
from .user import User, enum_column

DESCRIPTION_MAX = 2000
#: Open311 allows 4,000 characters; the database accepts the larger, the web form keeps the smaller.
DESCRIPTION_MAX_API = 4000
#: The one label of each priority, everywhere it is shown (1 = most urgent).
PRIORITY_LABELS = {1: "Urgent", 2: "High", 3: "Normal", 4: "Low"}
#: The open statuses as a SQL list (for a partial index's predicate), from models.status.
_OPEN_SQL = ", ".join(f"'{s.value}'" for s in sorted(OPEN, key=lambda s: s.value))
_IN_HAND_SQL = ", ".join(f"'{s.value}'" for s in sorted(IN_HAND, key=lambda s: s.value))
#: What the staff dashboard groups and filters on, included in the indexes it reads (index-only scans).
_GROUPED = ["category_id", "ward_id", "crew_id", "hidden"]


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        # Metre distances (ST_DWithin on geography) need their own index.
        Index("ix_reports_geog", text("(geom::geography)"), postgresql_using="gist"),
        Index("ix_reports_reporter_created", "reporter_id", "created_at"),
        Index("ix_reports_category_created", "category_id", "created_at"),
        Index("ix_reports_ward_created", "ward_id", "created_at"),
        Index("ix_reports_status_created", "status", "created_at"),
        CheckConstraint(f"length(description) BETWEEN 1 AND {DESCRIPTION_MAX_API}", name="description_length"),
        CheckConstraint("reference ~ '^KB-[0-9A-Z]{5,8}$'", name="reference_format"),
        # Newest-first feeds over all categories (Open311 requests.json) read this index backwards; the dashboard's
        # reports per month read it alone (the columns it groups on are included).
        Index("ix_reports_created_id", "created_at", "id", postgresql_include=_GROUPED),
        # "In this box since this date" (street-zoom feeds) in one GiST scan; also serves geom-only searches.
        Index("ix_reports_geom_created", "geom", "created_at", postgresql_using="gist"),
        # "Being fixed now" near a place (the neighbourhood page): the few reports a crew is on, by place.
        Index("ix_reports_in_hand_geom", "geom", postgresql_using="gist",
              postgresql_where=text(f"status IN ({_IN_HAND_SQL})")),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
        CheckConstraint("duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_own_duplicate"),
        # Deleting a report looks here for reports marked as its duplicate (ON DELETE SET NULL).
        Index("ix_reports_duplicate_of_id", "duplicate_of_id", postgresql_where=text("duplicate_of_id IS NOT NULL")),
        # Deleting a small area looks here (ON DELETE SET NULL).
        Index("ix_reports_area_id", "area_id", postgresql_where=text("area_id IS NOT NULL")),
        # Staff search (issue 14): words (full text, the stored search_vector: checking a row needs no
        # to_tsvector) and any part of the text, e.g. a street name (trigrams).
        Index("ix_reports_search_vector", "search_vector", postgresql_using="gin"),
        Index("ix_reports_description_trgm", "description", postgresql_using="gin",
              postgresql_ops={"description": "gin_trgm_ops"}),
        Index("ix_reports_person_id", "person_id", postgresql_where=text("person_id IS NOT NULL")),
        # Overdue reports not yet told to their lead (the dashboard's notifier reads only these).
        Index("ix_reports_overdue_pending", "created_at",
              postgresql_where=text(f"overdue_notified_at IS NULL AND status IN ({_OPEN_SQL})")),
        # The triage queue reads a page as an index scan + LIMIT (services/triage.py). The default order: the
        # overdue (most urgent first, then the most recently overdue), then the rest by due soonest, which is also
        # "due soonest"; and "by priority" (most urgent, then due soonest).
        Index("ix_reports_open_overdue_order", "priority", text("due_at DESC"), "id",
              postgresql_where=text(f"status IN ({_OPEN_SQL})")),
        Index("ix_reports_open_priority", "priority", "due_at", "id",
              postgresql_where=text(f"status IN ({_OPEN_SQL})")),
        # The queue's counts and the dashboard's open, overdue and due-this-week figures read this one alone.
        Index("ix_reports_open_due", "due_at", "id", postgresql_include=_GROUPED,
              postgresql_where=text(f"status IN ({_OPEN_SQL})")),
        # The dashboard's fixed this week and median time to fix (the last 90 days).
        Index("ix_reports_fixed_at", "fixed_at", postgresql_include=["created_at", *_GROUPED],
              postgresql_where=text("fixed_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short public reference, e.g. "KB-7QF3K".
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    description: Mapped[str] = mapped_column(Text)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    #: The same point in British National Grid (EPSG:27700, metres), set by the ward trigger: clustering and
    #: hexagons work in metres without projecting every point at query time. Never written by the application.
    geom_bng = mapped_column(Geometry("POINT", srid=27700, spatial_index=False), nullable=False,
                             server_default=FetchedValue(), server_onupdate=FetchedValue())
    #: Set by a database trigger from ``geom``; never written by the application.
    #: FetchedValue: the ORM reads it back after INSERT (RETURNING) and expires it after an UPDATE.
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), server_default=FetchedValue(),
                                                server_onupdate=FetchedValue())
    #: The small area (LSOA) covering the point, for the fairness page: set by the same trigger, and for every
    #: report by `flask areas import`; never written by the application.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"),
                                                server_default=FetchedValue(), server_onupdate=FetchedValue())
    status: Mapped[Status] = mapped_column(enum_column(Status, "report_status"), default=Status.NEW)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Hide the reporter's name on public pages (the default).
    anonymous: Mapped[bool] = mapped_column(default=True)
    answers: Mapped[dict] = mapped_column(JSONB, default=dict)
    #: How the report reached us: web, open311, phone, fixmystreet (imported history), ...
    channel: Mapped[str] = mapped_column(String(20), default="web")
    #: Client-chosen idempotency key: the same submission twice makes one report.
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: When the report was last marked fixed (cleared when reopened).
    fixed_at: Mapped[datetime | None]
    #: Workflow (issue 4): 1 = urgent .. 4 = low; the crew doing the job; the report this one duplicates.
    priority: Mapped[int] = mapped_column(default=3, server_default="3")
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crews.id", ondelete="SET NULL"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    #: Hidden by a moderator: gone from every public page, list, map feed, export and API (staff still see it).
    hidden: Mapped[bool] = mapped_column(default=False, server_default="false")
    #: The person (CRM record, models.person) the report is from, whatever the channel. Staff only.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    #: When the lead was told it is overdue (once; see services/dashboard.py).
    overdue_notified_at: Mapped[datetime | None]
    #: Routed when the report is made (services/routing.py): its category's team, and the other body that
    #: takes its category at its point, if any (the sending state is ``body_send``, models.bodies.BodySend).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="SET NULL"), index=True)
    #: When the category's service target runs out (made + target hours). Set by database triggers
    #: (kerbside_set_due; kerbside_due_refile when a target changes), never written by the application.
    due_at: Mapped[datetime] = mapped_column(server_default=FetchedValue(), server_onupdate=FetchedValue())
    #: The description's words for staff search, computed by the database; never loaded with a report.
    search_vector = mapped_column(TSVECTOR, Computed("to_tsvector('english'::regconfig, description)",
                                                     persisted=True), deferred=True)

    category: Mapped[Category] = relationship(lazy="joined")
    ward: Mapped[Ward | None] = relationship(lazy="joined")
    reporter: Mapped[User | None] = relationship()
    photos: Mapped[list["Photo"]] = relationship(back_populates="report", order_by="Photo.id",
                                                 cascade="all, delete-orphan")
    events: Mapped[list["ReportEvent"]] = relationship(back_populates="report",
                                                       order_by="ReportEvent.at, ReportEvent.id",
                                                       cascade="all, delete-orphan")
    crew: Mapped["Crew | None"] = relationship()  # noqa: F821 (models.workflow)
    duplicate_of: Mapped["Report | None"] = relationship(remote_side="Report.id")
    person: Mapped["Person | None"] = relationship()  # noqa: F821 (models.person)
    team: Mapped["Team | None"] = relationship()  # noqa: F821 (models.bodies)
    body: Mapped["Body | None"] = relationship()  # noqa: F821 (models.bodies)


class Photo(Base):
    """A photo as stored: re-encoded JPEG, at most 2048 px, no metadata."""
    __tablename__ = "photos"
    __table_args__ = (Index("ix_photos_event_id", "event_id", postgresql_where=text("event_id IS NOT NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    #: File name inside the photo store (random, not guessable).
    key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    #: "before" (from the reporter) or "after" (from the crew that fixed it).
    kind: Mapped[str] = mapped_column(String(10), default="before")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The resident's update this photo came with ("update" photos), else None.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("report_events.id", ondelete="CASCADE"))

    report: Mapped[Report] = relationship(back_populates="photos")
    event: Mapped["ReportEvent | None"] = relationship(back_populates="photos")


class ReportEvent(Base):
    """One entry in a report's timeline: a status change and/or an update."""
    __tablename__ = "report_events"
    __table_args__ = (
        Index("ix_report_events_actor_id", "actor_id", postgresql_where=text("actor_id IS NOT NULL")),
        CheckConstraint("source IN ('council', 'resident', 'questionnaire')", name="source"),
        # Staff search finds words in updates and notes too.
        Index("ix_report_events_note_vector", "note_vector", postgresql_using="gin",
              postgresql_where=text("note <> ''")),
        # A safety note for crews is staff-only: never a public update.
        CheckConstraint("NOT for_crews OR internal", name="safety_note_internal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[Status | None] = mapped_column(enum_column(Status, "report_status"))
    to_status: Mapped[Status | None] = mapped_column(enum_column(Status, "report_status"))
    #: Shown on the public page unless ``internal``.
    note: Mapped[str] = mapped_column(Text, default="")
    #: The note's words for staff search, computed by the database; never loaded with an event.
    note_vector = mapped_column(TSVECTOR, Computed("to_tsvector('english'::regconfig, note)", persisted=True),
                                deferred=True)
    internal: Mapped[bool] = mapped_column(default=False)
    #: An internal note staff marked as a safety note for crews ("gas canister behind it"): shown on the crew's
    #: job card, never to the public (it is internal: see visibility.event_is_public).
    for_crews: Mapped[bool] = mapped_column(default=False, server_default="false")
    #: A crew's completion carries a token chosen by its form (services/crews.py): the same completion sent
    #: twice (a phone replaying its offline queue) completes the job once.
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Who wrote it: "council" (staff, crews, the system), "resident" (an update from anyone), or
    #: "questionnaire" (the reporter's answer to "has it been fixed?").
    source: Mapped[str] = mapped_column(String(16), default="council", server_default="council")
    #: Hidden by a moderator (a resident's update): staff still see it.
    hidden: Mapped[bool] = mapped_column(default=False, server_default="false")
    #: A resident's update sent with only an email address, until its emailed link is followed.
    awaiting_confirmation: Mapped[bool] = mapped_column(default=False, server_default="false")

    report: Mapped[Report] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    photos: Mapped[list[Photo]] = relationship(back_populates="event", order_by="Photo.id")
