"""Login throttling: failed attempts per email address (known or not, so it reveals nothing)."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class LoginThrottle(Base):
    __tablename__ = "login_throttle"

    #: lower-cased email as typed; deliberately no foreign key to users.
    email_key: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
