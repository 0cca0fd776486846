from flask import Blueprint

bp = Blueprint("account", __name__)

from . import views  # noqa: E402,F401
from . import password  # noqa: E402,F401
from . import twofactor  # noqa: E402,F401
