"""The daily digest to each lead: one row per day and person, so running the command twice sends it once."""
from datetime import date, datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class DigestSent(Base):
    __tablename__ = "digests_sent"

    day: Mapped[date] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
