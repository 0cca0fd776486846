"""Sign-in security: failed attempts per email address (known or not, so it reveals nothing), and two-factor
recovery codes."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class LoginThrottle(Base):
    __tablename__ = "login_throttle"

    #: lower-cased email as typed; deliberately no foreign key to users. Second-step (two-factor) failures are
    #: counted under "2fa:" + the account's lower-cased email (see portal/services/twofactor.py).
    email_key: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]


class RecoveryCode(Base):
    """A single-use code that stands in for a two-factor code when the authenticator is lost.

    Only a digest is kept (sha256 of the user id and the code: the codes are random, ~60 bits, so a slow hash
    would add nothing but latency); ``used_at`` is set when one is spent and it is never accepted again."""
    __tablename__ = "recovery_codes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
