from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from . import views, updates  # noqa: E402,F401
