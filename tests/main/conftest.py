"""Reports made straight into the database with the dates and statuses a test needs (the summary triggers
still run), for pages that show history."""
from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from sqlalchemy import select

from gis.coords import LonLat
from models import Category, Report, Status

from ..factories import CATFORD

_refs = itertools.count(1)


def reference() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    n, chars = next(_refs) + 40_000_000, []
    for _ in range(8):
        n, r = divmod(n, len(alphabet))
        chars.append(alphabet[r])
    return "KB-" + "".join(chars)


@pytest.fixture()
def add_report(db_session):
    def add(point: LonLat = CATFORD, category: str = "fly_tipping", status: Status = Status.NEW,
            created: datetime | None = None, fixed: datetime | None = None, hidden: bool = False) -> Report:
        cat = db_session.scalars(select(Category).where(Category.code == category)).one()
        report = Report(reference=reference(), category_id=cat.id, description="Test report", geom=point.ewkt,
                        status=status, created_at=created or datetime(2024, 5, 1, 9), fixed_at=fixed,
                        hidden=hidden, channel="test")
        if created:
            report.updated_at = created
        db_session.add(report)
        db_session.commit()
        return report
    return add
