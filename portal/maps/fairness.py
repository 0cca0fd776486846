"""/fairness: is the service slower where people are poorer? Per ward and per national deprivation decile, side
by side: reports per 1,000 residents, time to fix and promises kept (gis/fairness.py defines each). The page
reads the figures the worker stored (REFRESH_MINUTES) and says when they were computed."""
from __future__ import annotations

from flask import render_template

from gis.fairness import MIN_FIXED, fairness as fairness_figures, stored_fairness, window
from portal.services.fairness import REFRESH_MINUTES

from .. import db
from . import bp
from .views import today


@bp.get("/fairness")
def fairness():
    session = db.session()
    # Never computed yet (a new database before the worker's first round): compute directly, once.
    figures = stored_fairness(session) or fairness_figures(session, *window(session, today()))
    return render_template("maps/fairness.html", figures=figures, start=figures.first_day, end=figures.last_day,
                           min_fixed=MIN_FIXED, refresh_minutes=REFRESH_MINUTES)
