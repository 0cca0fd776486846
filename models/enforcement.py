"""Enforcement actions staff take after a fly-tipping report (the WasteDataFlow return counts them by month).
Staff only: never on a public page, export, feed or API."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .base import Base, utcnow
from .report import Report
from .user import User

#: The actions of DEFRA's fly-tipping return, in the order the return lists them: stored code -> label.
ENFORCEMENT_ACTIONS = {
    "investigation": "Investigation",
    "warning_letter": "Warning letter",
    "statutory_notice": "Statutory notice",
    "duty_of_care": "Duty of care inspection",
    "fixed_penalty": "Fixed penalty notice",
    "formal_caution": "Formal caution",
    "prosecution": "Prosecution",
}
ENFORCEMENT_NOTE_MAX = 500


class EnforcementAction(Base):
    """One action taken on one report, on the day it was taken (the day the return counts it in)."""
    __tablename__ = "enforcement_actions"
    __table_args__ = (
        CheckConstraint("action IN (" + ", ".join(f"'{a}'" for a in ENFORCEMENT_ACTIONS) + ")", name="action"),
        CheckConstraint(f"length(note) <= {ENFORCEMENT_NOTE_MAX}", name="note_length"),
        Index("ix_enforcement_actions_taken_on", "taken_on"),
        Index("ix_enforcement_actions_report_id", "report_id"),
        Index("ix_enforcement_actions_recorded_by_id", "recorded_by_id",
              postgresql_where=text("recorded_by_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))
    taken_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    # A backref, so that Report (shared by every area) needs no edit; loaded only where staff pages ask.
    report: Mapped[Report] = relationship(backref=backref(
        "enforcement_actions", order_by="EnforcementAction.taken_on, EnforcementAction.id",
        cascade="all, delete-orphan", passive_deletes=True))
    recorded_by: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return ENFORCEMENT_ACTIONS.get(self.action, self.action)
