"""Helpers for the report pages: row counts (to prove nothing was written) and ready-made reports."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Photo, Report, ReportEvent, Status
from portal.services.photos import PhotoStore
from portal.services.reports import NewReport, create_report

from ..factories import CATFORD


class Rows:
    """Counts of every table a report touches, and of photo files on disk."""

    def __init__(self, session, photo_dir):
        self.session, self.photo_dir = session, photo_dir

    def __call__(self) -> tuple[int, int, int, int]:
        tables = tuple(self.session.scalar(select(func.count()).select_from(m)) for m in (Report, Photo, ReportEvent))
        files = sum(1 for _ in self.photo_dir.glob("*.jpg")) if self.photo_dir.exists() else 0
        return (*tables, files)


@pytest.fixture()
def rows(db_session, app) -> Rows:
    return Rows(db_session, app.config["PHOTO_DIR"])


@pytest.fixture()
def make_report(db_session, app):
    def make(reporter, status: Status = Status.NEW, description: str = "Fridge left on the verge",
             anonymous: bool = True, point=CATFORD):
        data = NewReport(category_code="fly_tipping", point=point, description=description, anonymous=anonymous,
                         answers={"size": "single_item", "waste": ["white_goods"], "where": "road",
                                  "witnessed": "no"})
        return create_report(db_session, data, reporter, PhotoStore(app.config["PHOTO_DIR"]), status=status)
    return make
