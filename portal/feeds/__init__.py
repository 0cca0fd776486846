"""Atom feeds (RFC 4287) of public reports and of one report's timeline."""
from flask import Blueprint

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

from . import views  # noqa: E402,F401
