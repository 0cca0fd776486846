"""A ward's week for the councillors' digest: reports made, fixed (and within their promised time), and open
reports now past their promised time. Public reports only (``kerbside_report_is_public``). No Flask here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from models import OPEN

_OPEN = ", ".join(f"'{s.value}'" for s in sorted(OPEN, key=lambda s: s.value))
_WEEK = text(f"""
SELECT count(*) FILTER (WHERE r.created_at >= :since AND r.created_at < :until)::int,
       count(*) FILTER (WHERE r.status = 'fixed' AND r.fixed_at >= :since AND r.fixed_at < :until)::int,
       count(*) FILTER (WHERE r.status = 'fixed' AND r.fixed_at >= :since AND r.fixed_at < :until
                          AND r.fixed_at - r.created_at <= c.target_hours * interval '1 hour')::int,
       count(*) FILTER (WHERE r.status IN ({_OPEN}) AND r.created_at < :now
                          AND r.created_at + c.target_hours * interval '1 hour' < :now)::int,
       (array_agg(r.reference ORDER BY r.created_at, r.id)
            FILTER (WHERE r.status IN ({_OPEN}) AND r.created_at < :now
                      AND r.created_at + c.target_hours * interval '1 hour' < :now))[1:5]
FROM reports r JOIN categories c ON c.id = r.category_id
WHERE r.ward_id = :ward AND kerbside_report_is_public(r.status, r.hidden)   -- the visibility rule (0011)
  AND (r.created_at < :until OR r.status IN ({_OPEN}))
""")


@dataclass
class WardWeek:
    new: int = 0
    fixed: int = 0
    fixed_within: int = 0
    overdue: int = 0
    #: The oldest overdue references (at most five).
    oldest_overdue: list[str] = field(default_factory=list)


def ward_week(session: Session, ward_id: int, since: datetime, until: datetime, now: datetime) -> WardWeek:
    """Public reports of one ward: made in [since, until), fixed in [since, until) (and how many of those
    within their category's target), and open now past their target (``now``); naive UTC datetimes."""
    new, fixed, within, overdue, oldest = session.execute(_WEEK, {"ward": ward_id, "since": since, "until": until,
                                                                  "now": now}).one()
    return WardWeek(new=new, fixed=fixed, fixed_within=within, overdue=overdue, oldest_overdue=list(oldest or []))
