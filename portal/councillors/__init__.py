from flask import Blueprint

bp = Blueprint("councillors", __name__)

from . import views  # noqa: E402,F401
