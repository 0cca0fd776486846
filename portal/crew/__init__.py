from flask import Blueprint

bp = Blueprint("crew", __name__, url_prefix="/crew")

from . import views  # noqa: E402,F401
