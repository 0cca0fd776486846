"""Councillors: the wards an account speaks for (set by administrators) and the weekly digest of each ward,
queued through the outbox once per account and week."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from gis.digest import ward_week
from gis.hotspots import hotspots
from gis.measures import measures_table
from gis.performance import Period
from models import AdminActionKind, CouncillorDigest, Role, User, UserWard, Ward, utcnow

from .errors import DomainError
from .links import external_url
from .notifications import queue_email
from .transaction import unit_of_work
from .user_admin import _log as log_admin_action

MAX_WARDS = 10
HOTSPOT_DAYS = 90


def wards_of(session: Session, user: User) -> list[Ward]:
    """The wards a councillor names, by name."""
    return list(session.scalars(select(Ward).join(UserWard, UserWard.ward_id == Ward.id)
                                .where(UserWard.user_id == user.id).order_by(Ward.name)))


@unit_of_work
def set_wards(session: Session, user: User, ward_codes: list[str], actor: User | None) -> bool:
    """Make ``ward_codes`` the wards a councillor account names (logged; no actor: the command line or the demo
    loader). Returns False when nothing changed."""
    if user.role is not Role.COUNCILLOR:
        raise DomainError("Only councillor accounts name wards: make the account a councillor first.",
                          field="wards")
    codes = sorted(set(ward_codes))
    if len(codes) > MAX_WARDS:
        raise DomainError(f"Choose at most {MAX_WARDS} wards.", field="wards")
    wards = list(session.scalars(select(Ward).where(Ward.code.in_(codes)).order_by(Ward.name))) if codes else []
    if len(wards) != len(codes):
        raise DomainError("Choose wards from the list.", field="wards")
    before = [w.name for w in wards_of(session, user)]
    after = [w.name for w in wards]
    if before == after:
        return False
    session.execute(delete(UserWard).where(UserWard.user_id == user.id))
    session.add_all([UserWard(user_id=user.id, ward_id=w.id) for w in wards])
    log_admin_action(session, actor, user, AdminActionKind.WARDS_CHANGED,
                     f"{', '.join(before) or 'none'} → {', '.join(after) or 'none'}")
    session.commit()
    return True


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@dataclass
class DigestSummary:
    queued: int = 0
    already: int = 0


def queue_weekly_digests(session: Session, today: date, now: datetime | None = None) -> DigestSummary:
    """Queue, for every active councillor naming wards, the digest of the seven days before this week's
    Monday, unless this week's was queued already (so running it again in the same week does nothing).
    Each councillor's email and its record are committed together."""
    now = now or utcnow()
    monday = week_start(today)
    since, until = datetime.combine(monday - timedelta(days=7), time()), datetime.combine(monday, time())
    summary = DigestSummary()
    councillors = session.scalars(select(User).where(User.role == Role.COUNCILLOR, User.active.is_(True),
                                                  User.contact_preference == "email", User.notify_digest.is_(True))
                                  .where(User.id.in_(select(UserWard.user_id))).order_by(User.id)).all()
    for user in councillors:
        claimed = session.execute(insert(CouncillorDigest).values(user_id=user.id, week_start=monday, queued_at=now)
                                  .on_conflict_do_nothing().returning(CouncillorDigest.user_id)).first()
        if claimed is None:
            summary.already += 1
            continue
        wards = wards_of(session, user)
        queue_email(session, user.email, digest_subject(wards, since, until),
                    digest_body(session, user, wards, since, until, now))
        session.commit()
        summary.queued += 1
    return summary


def digest_subject(wards: list[Ward], since: datetime, until: datetime) -> str:
    last = until - timedelta(days=1)
    return f"Your ward{'s' if len(wards) > 1 else ''} this week: {', '.join(w.name for w in wards)} " \
           f"({since:%-d %b} to {last:%-d %b %Y})"


def digest_body(session: Session, user: User, wards: list[Ward], since: datetime, until: datetime,
                now: datetime) -> str:
    last = until - timedelta(days=1)
    lines = [f"Hello {user.greeting},", "",
             f"What happened in your ward{'s' if len(wards) > 1 else ''} from Monday {since:%-d %B} to Sunday "
             f"{last:%-d %B %Y} (public reports only; times in UTC).", ""]
    # Promises kept as every page counts them (gis.measures): the reports due in the week, fixed by then or not.
    aware_now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    promises = {m.ward_id: m.within for m in measures_table(session, Period(since.date(), last.date()),
                                                            now=aware_now).wards}
    for ward in wards:
        week = ward_week(session, ward.id, since, until, now)
        kept = promises[ward.id]
        spots = hotspots(session, now - timedelta(days=HOTSPOT_DAYS), now, ward_id=ward.id, limit=5)
        lines += [ward.name, "-" * len(ward.name),
                  f"New reports: {week.new}",
                  f"Fixed: {week.fixed}" + (f", {week.fixed_within} of them within the promised time"
                                            if week.fixed else ""),
                  f"Promises that fell due: {kept.yes} of {kept.of} kept (fixed by the promised time; fixed late "
                  f"or still open is a broken promise)",
                  f"Overdue now (open past the promised time): {week.overdue}"
                  + (f"; the oldest: {', '.join(week.oldest_overdue)}" if week.oldest_overdue else "")]
        if spots:
            lines.append(f"Hotspots in the last {HOTSPOT_DAYS} days:")
            lines += [f"  - {s.category_name}: {s.count} reports within 50 m of each other "
                      f"(e.g. {', '.join(s.references[:3])})" for s in spots]
        else:
            lines.append(f"Hotspots in the last {HOTSPOT_DAYS} days: none")
        lines += [f"Ward page (prints as a briefing): {external_url(session, 'maps.ward', code=ward.code)}", ""]
    lines += ["--", "You get this weekly email because your Kerbside account is a councillor's for these wards.",
              "An administrator can change the wards, or stop it by changing the account's role."]
    return "\n".join(lines)
