"""Shape of the main blueprint's JSON: the health check."""
from __future__ import annotations

from typing import Literal

from ..schemas import Answer


class Health(Answer):
    """Healthy: the database answered."""
    status: Literal["ok"]
    database: Literal["ok"]
