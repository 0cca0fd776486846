"""Keeping the fairness page's stored figures fresh (gis/fairness.py computes them): the worker calls this every
REFRESH_MINUTES, `flask areas refresh` on demand (or from cron), and importing areas does it itself."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gis.fairness import store_figures

from .transaction import unit_of_work

#: How often the worker recomputes the figures (the page says so).
REFRESH_MINUTES = 10


@unit_of_work
def refresh_fairness(session: Session, now: datetime | None = None) -> datetime:
    """Recompute and store the fairness figures; returns when (aware UTC)."""
    at = store_figures(session, now=now)
    session.commit()
    return at
