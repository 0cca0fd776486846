"""/fairness: is the service slower where people are poorer? Per ward and per national deprivation decile, side
by side: reports per 1,000 residents, time to fix and promises kept (gis/fairness.py defines each)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import render_template

from gis.fairness import MIN_FIXED, fairness as fairness_figures
from gis.performance import latest_report_day

from .. import db
from . import bp
from .views import today

PERIOD_DAYS = 365


@bp.get("/fairness")
def fairness():
    session = db.session()
    end: date = min(today(), latest_report_day(session) or today())
    until = datetime.combine(end + timedelta(days=1), time())
    figures = fairness_figures(session, until - timedelta(days=PERIOD_DAYS), until)
    return render_template("maps/fairness.html", figures=figures, end=end, min_fixed=MIN_FIXED,
                           start=(until - timedelta(days=PERIOD_DAYS)).date())
