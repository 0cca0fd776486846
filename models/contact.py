"""Contact details given with a report by a channel without accounts (Open311, phone). Staff only:
never shown or exported to the public (media_url aside: see below)."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .apikey import ApiKey
from .base import Base, utcnow
from .user import ASCII_EMAIL_SQL
from .report import Report


class ReportContact(Base):
    __tablename__ = "report_contacts"
    __table_args__ = (
        Index("ix_report_contacts_api_key_id", "api_key_id", postgresql_where=text("api_key_id IS NOT NULL")),
        CheckConstraint(f"email = '' OR email {ASCII_EMAIL_SQL}", name="email_ascii"),
    )

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    device_id: Mapped[str] = mapped_column(String(100), default="")
    #: A client's own media_url (http or https, checked on input): never fetched by us. Open311 answers return it
    #: as the request's media_url, as the standard does, when the report has no photo of ours.
    media_url: Mapped[str] = mapped_column(String(500), default="")
    #: The API key the report came in with (kept when the key is revoked).
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report] = relationship(backref=backref("contact", uselist=False,
                                                          cascade="all, delete-orphan"))
    api_key: Mapped[ApiKey | None] = relationship()
