from flask import Blueprint

bp = Blueprint("maps", __name__)

from . import views, explore, data, density, promises, fairness, spec  # noqa: E402,F401
