"""Residents after their first report: updates, following, support taken back, the reporter's own fixed/reopen,
and the "has it been fixed?" questionnaire."""
from flask import Blueprint

bp = Blueprint("updates", __name__)

from . import views, flags  # noqa: E402,F401
