"""Emailed links that grant something work once: the digest of each used link is kept until it expires."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class UsedLink(Base):
    __tablename__ = "used_links"

    #: sha256 of the token, hex: the link itself is never stored.
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
