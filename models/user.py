import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Enum, Index, String, and_, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


#: Email addresses are printable ASCII without spaces: what SMTP without SMTPUTF8 delivers, and what Python's
#: str.lower() and PostgreSQL's lower() fold alike (see portal/services/emails.py, which enforces it first).
ASCII_EMAIL_SQL = "~ '^[!-~]+@[!-~]+$'"


class Role(str, enum.Enum):
    RESIDENT = "resident"
    COUNCILLOR = "councillor"
    CREW = "crew"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def enum_column(enum_cls, name):
    """A PostgreSQL enum that stores the enum's values (not its names)."""
    return Enum(enum_cls, name=name, values_callable=lambda e: [m.value for m in e])


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_email_lower", text("lower(email)"), unique=True),
        CheckConstraint("length(email) BETWEEN 3 AND 254", name="email_length"),
        CheckConstraint(f"email {ASCII_EMAIL_SQL}", name="email_ascii"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"), default=Role.RESIDENT)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: When the owner proved the address is theirs (by an emailed link); None: may not log in yet.
    email_confirmed_at: Mapped[datetime | None]
    #: How the resident wants to hear about their reports: "email" or "none".
    contact_preference: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    #: Per-kind switches (the contact preference "none" stops them all): updates about the reports one made,
    #: supports or follows; the "has it been fixed?" question; a councillor's weekly ward digest.
    notify_updates: Mapped[bool] = mapped_column(default=True, server_default="true")
    notify_questionnaire: Mapped[bool] = mapped_column(default=True, server_default="true")
    notify_digest: Mapped[bool] = mapped_column(default=True, server_default="true")
    #: Part of every session's identity (see get_id): raising it ends every session opened before.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Two-factor sign-in (TOTP, RFC 6238): the shared secret, encrypted by the portal (never stored in clear).
    #: Set with ``totp_enabled_at`` None while enrolment waits for its first code.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    #: The 30-second time step of the last code accepted: a code of that step or earlier is never taken again.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    #: Staff who lead the work (issue 14): told once of each overdue report, and sent the daily digest.
    notify_overdue: Mapped[bool] = mapped_column(default=False, server_default="false")

    @hybrid_property
    def wants_updates(self) -> bool:
        """Emailed about the reports they made, support or follow: in Python, and in SQL as a filter."""
        return self.active and self.contact_preference == "email" and self.notify_updates

    @wants_updates.inplace.expression
    @classmethod
    def _wants_updates(cls):
        return and_(cls.active.is_(True), cls.contact_preference == "email", cls.notify_updates.is_(True))

    # Flask-Login protocol, spelled out so models need not import Flask.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Flask-Login's "alternative token": the id and the session version, so that a session (or remember
        cookie) made before a password reset, role change or "log out everywhere" no longer loads the user."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """End every session of this account (the caller commits; the current one is re-issued by the view)."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def greeting(self) -> str:
        """How emails address the person: the name they typed, if any."""
        return self.display_name or "there"

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles
