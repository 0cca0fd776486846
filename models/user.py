import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


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
        return str(self.id)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles
