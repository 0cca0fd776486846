"""The fairness figures are recomputed by the service, the worker's round and `flask areas refresh`."""
from datetime import datetime, timezone

from sqlalchemy import text

from gis.fairness import stored_fairness
from portal.services.fairness import refresh_fairness
from tests.gis.test_fairness import IN_A


def stored_reports(session) -> int:
    return sum(g.reported for g in stored_fairness(session).wards)


def test_refresh_stores_the_figures_and_when(db_session, add_report):
    add_report(IN_A, created=datetime(2024, 3, 1, 8))
    at = refresh_fairness(db_session, now=datetime(2024, 3, 2, 1, tzinfo=timezone.utc))
    assert at == stored_fairness(db_session).computed_at and stored_reports(db_session) == 1


def test_the_worker_round_and_the_command_refresh_them(app, db_session, add_report):
    add_report(IN_A, created=datetime(2024, 3, 1, 8))
    with app.app_context():     # as `flask outbox send` runs it
        result = app.test_cli_runner().invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert stored_reports(db_session) == 1
    add_report(IN_A, created=datetime(2024, 3, 1, 9))
    result = app.test_cli_runner().invoke(args=["areas", "refresh"])
    assert result.exit_code == 0 and "Fairness figures computed at" in result.output
    assert stored_reports(db_session) == 2
    assert db_session.execute(text("SELECT count(*) FROM fairness_refresh")).scalar() == 1
