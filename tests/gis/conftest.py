from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from models import Status
from tests.maps.conftest import BROCKLEY, RUSHEY_GREEN, add_report

DATA = Path(__file__).resolve().parent.parent / "data"
DAY = datetime(2020, 3, 10, tzinfo=timezone.utc)           # fly tipping made now is due on 12 March
NOW = datetime(2020, 3, 20, 12, tzinfo=timezone.utc)


@pytest.fixture()
def liverpool_file() -> Path:
    return DATA / "wards_2023_bng.geojson"


@pytest.fixture()
def made(db_session):
    """Rushey Green fly tipping (target 48 h), all made on 10 March: fixed after 2, 4, 10, 30 h (kept) and
    100 h (late); one open (overdue by 20 March); one fixed then reopened (open again); one closed without a
    fix. Brockley: one pothole (target 120 h) fixed after 200 h (late)."""
    out = {f"fixed{h}": add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY, h)
           for h in (2, 4, 10, 30, 100)}
    out["open"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, DAY)
    out["reopened"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY, 5)
    out["reopened"].status, out["reopened"].fixed_at = Status.REOPENED, None
    out["closed"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.CLOSED, DAY)
    out["pothole"] = add_report(db_session, "pothole", BROCKLEY, Status.FIXED, DAY, 200)
    db_session.flush()
    return out


def rebuild_summaries(session) -> None:
    """Recompute every summary table from the reports, as after a bulk load with triggers off (bench/fill.py)."""
    session.execute(text("SELECT kerbside_perf_rebuild()"))
    session.execute(text("SELECT kerbside_measures_rebuild()"))
