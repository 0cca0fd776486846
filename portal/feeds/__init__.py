"""Atom feeds (RFC 4287) of public reports and of one report's timeline."""
from flask import Blueprint

from ..db import public_read

#: Read from the replica when there is one (portal/db.py).
bp = public_read(Blueprint("feeds", __name__, url_prefix="/feeds"))

from . import views  # noqa: E402,F401
