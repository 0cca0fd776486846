""""Me too": supporting an existing report instead of making another one."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Report, Supporter, User

from . import notifications
from .errors import DomainError
from .transaction import unit_of_work


def supporter_count(session: Session, report: Report) -> int:
    return session.scalar(select(func.count()).where(Supporter.report_id == report.id)) or 0


@unit_of_work
def support(session: Session, report: Report, user: User) -> bool:
    """Add the user's support (once) and subscribe them to updates. Returns False if they already support it."""
    if not report.status.is_open:
        raise DomainError(f"{report.reference} is “{report.status.label}”; report the problem afresh instead.")
    if report.reporter_id == user.id:
        raise DomainError("You made this report, so you will hear about it already.")
    exists = session.scalars(select(Supporter).where(Supporter.report_id == report.id,
                                                     Supporter.user_id == user.id)).first()
    if exists is not None:
        return False
    session.add(Supporter(report_id=report.id, user_id=user.id))
    notifications.subscribe(session, report, user)
    session.commit()
    return True
