"""People who contact the council (the CRM record): one per person across channels (web, phone, Open311,
email). Staff only: nothing here is ever shown or exported to the public."""
from datetime import datetime

from sqlalchemy import ARRAY, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .user import ASCII_EMAIL_SQL, User

#: How a person wants to hear from us about their reports.
PREFERENCES = {"email": "Email", "phone": "Phone", "letter": "Letter", "none": "No updates"}
#: Needs staff must know before contacting someone (codes stored; labels shown).
NEEDS = {
    "no_email": "Phone me: I do not use email",
    "hearing": "Hearing loss: use email, text relay or a letter",
    "large_print": "Large print letters",
    "interpreter": "Needs an interpreter",
    "extra_help": "Needs extra help or time (vulnerable)",
}


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        Index("uq_people_email_lower", text("lower(email)"), unique=True, postgresql_where=text("email <> ''")),
        Index("ix_people_phone_digits", "phone_digits", postgresql_where=text("phone_digits <> ''")),
        CheckConstraint(f"email = '' OR email {ASCII_EMAIL_SQL}", name="email_ascii"),
        CheckConstraint("preferred_contact IN ('email', 'phone', 'letter', 'none')", name="preference_known"),
        CheckConstraint("phone_digits ~ '^[0-9]{0,15}$'", name="phone_digits_only"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    #: As given (spaces kept for reading out); ``phone_digits`` is what searches and matching compare.
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    phone_digits: Mapped[str] = mapped_column(String(15), default="", server_default="")
    preferred_contact: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    needs: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list, server_default="{}")
    needs_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Their account, when they have one (an email-only account counts).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return self.name or self.email or self.phone or f"Person {self.id}"

    @property
    def needs_labels(self) -> list[str]:
        return [NEEDS[n] for n in self.needs if n in NEEDS]
