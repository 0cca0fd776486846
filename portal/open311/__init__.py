"""Open311 GeoReport v2 server under /open311/v2/ (XML and JSON), plus its documentation page."""
from flask import Blueprint

bp = Blueprint("open311", __name__)

from . import views  # noqa: E402,F401
