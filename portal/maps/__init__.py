from flask import Blueprint

from ..db import public_read

#: Public maps, figures and exports: read from the replica when there is one (portal/db.py).
bp = public_read(Blueprint("maps", __name__))

from . import views, explore, data, density, promises, fairness, spec  # noqa: E402,F401
