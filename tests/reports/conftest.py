"""Helpers for the report pages: row counts (to prove nothing was written) (ready-made reports: make_report in tests/conftest.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Photo, Report, ReportEvent


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
