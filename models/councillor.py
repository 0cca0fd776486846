"""Councillors: the wards an account speaks for, and the weekly digests already sent to it."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .place import Ward


class UserWard(Base):
    """One ward a councillor account names (set by administrators); a councillor may name several."""
    __tablename__ = "user_wards"
    __table_args__ = (Index("ix_user_wards_ward_id", "ward_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True)

    ward: Mapped[Ward] = relationship(lazy="joined")


class CouncillorDigest(Base):
    """A weekly digest queued for one councillor: one row per (account, week), so running the command twice
    in a week queues nothing more."""
    __tablename__ = "councillor_digests"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: The Monday (UTC) that starts the week the digest was made in; it covers the seven days before.
    week_start: Mapped[date] = mapped_column(primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
