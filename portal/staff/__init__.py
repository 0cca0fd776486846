from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from . import desk, views, updates, enforcement, flags  # noqa: E402,F401
