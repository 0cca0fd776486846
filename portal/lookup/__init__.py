"""Place look-up for search boxes (an accessible combobox calls it as you type)."""
from flask import Blueprint

bp = Blueprint("lookup", __name__, url_prefix="/lookup")

from . import spec, views  # noqa: E402,F401
