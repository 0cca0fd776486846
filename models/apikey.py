"""API keys for machine clients (Open311): only a hash of each key is stored."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who the key was given to, e.g. "FixMyStreet app" or "Council CRM".
    name: Mapped[str] = mapped_column(String(80), unique=True)
    #: SHA-256 (hex) of the key: keys are long random strings, so a fast hash is enough.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: May post status updates (servicerequestupdates): for council back-office systems only.
    may_update: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        return self.revoked_at is None
