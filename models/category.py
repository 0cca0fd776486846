"""Categories of problem, each with its service target and extra questions (as data)."""
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Category(Base):
    """A kind of problem a resident can report.

    ``questions`` is a list of dicts::

        {"code": "size", "label": "How much is there?", "type": "single" | "multi" | "yesno" | "text",
         "required": bool, "hint": str, "options": [{"value": "bag", "label": "...", "hazard": bool}]}
    """
    __tablename__ = "categories"
    __table_args__ = (CheckConstraint("target_hours > 0", name="target_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    group: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: Service promise: hours from report to fix.
    target_hours: Mapped[int]
    questions: Mapped[list] = mapped_column(JSONB, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    #: The council team that does the work (models.bodies.Team); reports keep the team they were routed to.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)

    team: Mapped["Team | None"] = relationship(back_populates="categories")  # noqa: F821 (models.bodies)

    def question(self, code: str) -> dict | None:
        return next((q for q in self.questions if q["code"] == code), None)
