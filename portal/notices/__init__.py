from flask import Blueprint

bp = Blueprint("notices", __name__)

from . import views  # noqa: E402,F401
