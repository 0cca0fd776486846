"""What residents tell the council's moderators about a public report or one entry of its timeline (offensive,
someone's personal details, wrong), as FixMyStreet's "Report abuse". Staff only: the note and the address it
came with are never on a public page, export, feed or API."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .report import Report, ReportEvent
from .user import ASCII_EMAIL_SQL, User

#: Why something is flagged: stored code -> what the form and the moderators read.
FLAG_REASONS = {
    "offensive": "It is offensive or abusive",
    "personal": "It shows someone's personal details (a name, a face, a number plate)",
    "wrong": "It is wrong: the wrong place, already fixed, or not a real problem",
    "other": "Something else",
}
#: What moderators did about a flag: stored code -> label.
FLAG_OUTCOMES = {"acted": "Dealt with: changed or hidden", "no_action": "Looked at: nothing to change"}
FLAG_MESSAGE_MAX = 2000


class ContentFlag(Base):
    __tablename__ = "content_flags"
    __table_args__ = (
        CheckConstraint("reason IN (" + ", ".join(f"'{r}'" for r in FLAG_REASONS) + ")", name="reason"),
        CheckConstraint("outcome IS NULL OR outcome IN (" + ", ".join(f"'{o}'" for o in FLAG_OUTCOMES) + ")",
                        name="outcome"),
        CheckConstraint(f"length(message) <= {FLAG_MESSAGE_MAX}", name="message_length"),
        CheckConstraint(f"email = '' OR email {ASCII_EMAIL_SQL}", name="email_ascii"),
        CheckConstraint("(handled_at IS NULL) = (outcome IS NULL)", name="handled_with_outcome"),
        Index("ix_content_flags_report_id", "report_id"),
        Index("ix_content_flags_event_id", "event_id", postgresql_where=text("event_id IS NOT NULL")),
        Index("ix_content_flags_user_id", "user_id", postgresql_where=text("user_id IS NOT NULL")),
        Index("ix_content_flags_handled_by_id", "handled_by_id", postgresql_where=text("handled_by_id IS NOT NULL")),
        Index("ix_content_flags_waiting", "created_at", postgresql_where=text("handled_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    #: One entry of the report's timeline (a resident's update, say); None: the report itself.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("report_events.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Who told us: a signed-in account, or the address a visitor gave for a reply ("" if none).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(16))

    report: Mapped[Report] = relationship()
    event: Mapped[ReportEvent | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    @property
    def reason_label(self) -> str:
        return FLAG_REASONS.get(self.reason, self.reason)

    @property
    def outcome_label(self) -> str:
        return FLAG_OUTCOMES.get(self.outcome or "", "")
