"""Alerts for an area: sign up (with an account or an emailed link), confirm, stop, manage."""
from flask import Blueprint

bp = Blueprint("alerts", __name__)

from . import views  # noqa: E402,F401
