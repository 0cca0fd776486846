"""Crew pages use the workflow fixtures: reports made through the services, crews with a member each."""
from tests.workflow.conftest import app_ctx, crew_pair, make_report  # noqa: F401
