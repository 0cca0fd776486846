"""What administrators did to accounts, and when: written in the same transaction as the action itself."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .user import User, enum_column


class AdminActionKind(str, enum.Enum):
    ROLE_CHANGED = "role_changed"
    DISABLED = "disabled"
    ENABLED = "enabled"
    UNLOCKED = "unlocked"
    CONFIRMATION_RESENT = "confirmation_resent"
    TWO_FACTOR_RESET = "two_factor_reset"
    WARDS_CHANGED = "wards_changed"

    @property
    def label(self) -> str:
        return {"role_changed": "Changed role", "disabled": "Disabled account", "enabled": "Re-enabled account",
                "unlocked": "Unlocked sign-in", "confirmation_resent": "Resent sign-up confirmation",
                "two_factor_reset": "Reset two-factor sign-in",
                "wards_changed": "Changed wards"}[self.value]


class AdminAction(Base):
    """One administrator action on one account. Deleting either account keeps the row (the id becomes NULL)."""
    __tablename__ = "admin_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[AdminActionKind] = mapped_column(enum_column(AdminActionKind, "admin_action_kind"))
    #: What changed, in words (e.g. "resident → staff", the reason given); never a secret.
    detail: Mapped[str] = mapped_column(String(500), default="", server_default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    target: Mapped[User | None] = relationship(foreign_keys=[target_user_id], lazy="joined")
