"""What was asked for by email and never confirmed goes once its link has expired: reports and updates from
people without an account (with their photos), alerts, and the email-only people (and their contact details)
that these left behind.

An update or a follow made without an account waits for its single-use link (``updates.CONFIRM_DAYS``). After
that the link cannot work any more, so keeping the text, the photos or the address serves no one. The mail
worker runs this hourly; ``flask updates purge`` runs it by hand.

An email-only person (no password, address never confirmed) is deleted only when nothing refers to them: no
report, update, subscription, alert, support or any other row pointing at the account (every foreign key to
``users`` is checked, so a table added later is covered), and no email queued to them within the links'
lifetime (a follow asked for yesterday by someone first seen long ago still has a live link).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, not_, select
from sqlalchemy.orm import Session

from models import Alert, Base, OutboxMessage, Person, Photo, Report, ReportEvent, Status, User, utcnow

from . import alerts, notifications, updates
from .photos import PhotoStore

#: How long an unconfirmed report, update, follow or alert waits: the life of its link (the longest).
KEEP = timedelta(days=max(updates.CONFIRM_DAYS, notifications.CONFIRM_DAYS, alerts.CONFIRM_DAYS))
BATCH = 1000


@dataclass
class Purged:
    updates: int = 0
    photos: int = 0
    people: int = 0
    reports: int = 0
    alerts: int = 0


def _unreferenced(user_table):
    """A condition: no row of any table refers to this user (by any foreign key to users.id)."""
    conditions = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is user_table and fk.column.name == "id" and table is not user_table:
                conditions.append(not_(exists().where(fk.parent == user_table.c.id)))
    return and_(*conditions)


def purge_unconfirmed(session: Session, store: PhotoStore, now: datetime | None = None,
                      keep: timedelta = KEEP) -> Purged:
    """Delete unconfirmed updates (and their photo files) and the unreferenced email-only people of unconfirmed
    follows, older than ``keep``. One commit; the files go after it (a failed commit keeps them)."""
    cutoff = (now or utcnow()) - keep
    done = Purged()
    stale = select(ReportEvent.id).where(ReportEvent.awaiting_confirmation.is_(True),
                                         ReportEvent.source == "resident", ReportEvent.at < cutoff) \
        .order_by(ReportEvent.id).limit(BATCH)
    event_ids = list(session.scalars(stale))
    keys: list[str] = []
    if event_ids:
        keys = list(session.scalars(select(Photo.key).where(Photo.event_id.in_(event_ids))))
        session.execute(delete(Photo).where(Photo.event_id.in_(event_ids)))
        done.updates = session.execute(delete(ReportEvent).where(ReportEvent.id.in_(event_ids))).rowcount
    # Reports made without an account whose confirmation link has expired: never public, never sent, their
    # description, photos and the address they came from are of no use to anyone (rows that refer to a report
    # go with it, or let go of it).
    report_ids = list(session.scalars(select(Report.id).where(Report.status == Status.UNCONFIRMED,
                                                              Report.created_at < cutoff)
                                      .order_by(Report.id).limit(BATCH)))
    if report_ids:
        keys += list(session.scalars(select(Photo.key).where(Photo.report_id.in_(report_ids))))
        done.reports = session.execute(delete(Report).where(Report.id.in_(report_ids))).rowcount
    done.alerts = session.execute(delete(Alert).where(Alert.confirmed_at.is_(None), Alert.created_at < cutoff)
                                  .execution_options(synchronize_session=False)).rowcount
    users = User.__table__
    email_only = and_(users.c.password_hash.is_(None), users.c.email_confirmed_at.is_(None),
                      users.c.created_at < cutoff)
    # The contact details an email-only person left with a report now gone: no report names them.
    session.execute(delete(Person).where(Person.created_at < cutoff,
                                         Person.user_id.in_(select(users.c.id).where(email_only)),
                                         not_(exists().where(Report.person_id == Person.id)))
                    .execution_options(synchronize_session=False))
    mailed_lately = exists().where(func.lower(OutboxMessage.to_addr) == func.lower(users.c.email),
                                   OutboxMessage.created_at >= cutoff)
    people = select(users.c.id).where(email_only, _unreferenced(users), not_(mailed_lately)).limit(BATCH)
    person_ids = list(session.scalars(people))
    if person_ids:
        done.people = session.execute(delete(User).where(User.id.in_(person_ids))).rowcount
    session.commit()
    for key in keys:
        try:
            store.path(key).unlink(missing_ok=True)
            done.photos += 1
        except OSError:            # the store is unreadable for now: the rows are gone, the file waits
            continue
    return done
