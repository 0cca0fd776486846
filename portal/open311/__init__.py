"""Open311 GeoReport v2 server under /open311/v2/ (XML and JSON), its documentation page, and the admin page
for API keys. The API blueprint authenticates with keys (CSRF-exempt); the admin one is an ordinary form page."""
from flask import Blueprint

bp = Blueprint("open311", __name__)
admin_bp = Blueprint("apikeys", __name__)

from . import admin, spec, views  # noqa: E402,F401
