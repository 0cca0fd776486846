"""The health check and this document itself in the OpenAPI document (portal/apispec.py)."""
from __future__ import annotations

from ..apispec import Operation, Reply, describe
from . import bp
from .schemas import Health

describe(
    bp,
    Operation("openapi", "openapi", "This description.", "Meta",
              {200: Reply("The OpenAPI 3.1 document, generated from the models that parse each request.",
                          schema={"type": "object", "required": ["openapi", "paths"]})}),
    Operation("healthz", "healthz", "Health check: the database answers.", "Meta",
              {200: Reply("Healthy.", Health),
               503: Reply("The database is unreachable (an HTML page, with Retry-After).", media_type="text/html",
                          schema={"type": "string"}, name="PageError")}),
)
