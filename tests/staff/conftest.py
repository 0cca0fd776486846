"""Staff pages use the workflow fixtures: reports made through the services, an app context, a real SMTP server."""
from tests.workflow.conftest import app_ctx, crew_pair, make_report, smtp  # noqa: F401
