"""A small hand-made set of reports with known measures (see test_performance.py for the answers)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import Category, Report, Status

RUSHEY_GREEN = "POINT(-0.0214 51.4442)"
BROCKLEY = "POINT(-0.0302 51.4672)"
DAY = datetime(2020, 3, 10, tzinfo=timezone.utc)
NOW = datetime(2020, 3, 20, tzinfo=timezone.utc)


def add_report(session, code: str, where: str, status: Status, created: datetime, fix_hours: float | None = None,
               n: int = [0]) -> Report:
    n[0] += 1
    category = session.scalars(select(Category).where(Category.code == code)).one()
    report = Report(reference=f"KB-T{n[0]:05d}", category=category, description="test report",
                    geom=f"SRID=4326;{where}", status=status, created_at=created, updated_at=created,
                    fixed_at=created + timedelta(hours=fix_hours) if fix_hours is not None else None)
    session.add(report)
    session.flush()
    return report


@pytest.fixture()
def known_reports(db_session):
    """Rushey Green, fly tipping (target 48 h): fixed after 2, 4, 10, 30 and 100 h; one open; one fixed then
    reopened; one closed without action. Brockley: one pothole fixed after 200 h."""
    made = {}
    for hours in (2, 4, 10, 30, 100):
        made[f"fixed{hours}"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY, hours)
    made["open"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, DAY)
    made["reopened"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY, 5)
    made["reopened"].status, made["reopened"].fixed_at = Status.REOPENED, None
    made["closed"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.CLOSED, DAY)
    made["pothole"] = add_report(db_session, "pothole", BROCKLEY, Status.FIXED, DAY, 200)
    db_session.flush()
    return made
