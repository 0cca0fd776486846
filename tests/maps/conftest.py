"""A small hand-made set of reports with known measures (tests/gis/test_measures.py has the answers)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import Category, Crew, Report, Status, Ward

RUSHEY_GREEN = "POINT(-0.0214 51.4442)"
BROCKLEY = "POINT(-0.0302 51.4672)"
DAY = datetime(2020, 3, 10, tzinfo=timezone.utc)
MARCH = "start=2020-03-01&end=2020-03-31"
NOW = datetime(2020, 3, 20, tzinfo=timezone.utc)


def add_report(session, code: str, where: str, status: Status, created: datetime, fix_hours: float | None = None,
               n: int = [0]) -> Report:
    n[0] += 1
    category = session.scalars(select(Category).where(Category.code == code)).one()
    report = Report(reference=f"KB-T{n[0]:05d}", category=category, description="test report",
                    geom=f"SRID=4326;{where}", status=status, created_at=created, updated_at=created,
                    fixed_at=created + timedelta(hours=fix_hours) if fix_hours is not None else None)
    session.add(report)
    session.flush()
    return report


@pytest.fixture()
def known_reports(db_session):
    """Rushey Green, fly tipping (target 48 h): fixed after 2, 4, 10, 30 and 100 h; one open; one fixed then
    reopened; one closed without action. Brockley: one pothole fixed after 200 h."""
    made = {}
    for hours in (2, 4, 10, 30, 100):
        made[f"fixed{hours}"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY, hours)
    made["open"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, DAY)
    made["reopened"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.FIXED, DAY, 5)
    made["reopened"].status, made["reopened"].fixed_at = Status.REOPENED, None
    made["closed"] = add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.CLOSED, DAY)
    made["pothole"] = add_report(db_session, "pothole", BROCKLEY, Status.FIXED, DAY, 200)
    db_session.flush()
    return made


# --- Hostile names (test_script_injection.py, tests/e2e/test_maps_in_browser.py) ----------------------------------------------

RUSHEY_CODE = "E05013730"
#: Every stored name below holds this, so a test can find it wherever it ends up.
MARK = "kbxss"
PAYLOADS = ["${alert(1)}", "</script><script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>",
            "`;alert(1);`", "\u2028alert(1)\u2029", "<!--<script>", "\\u003c/script>"]
#: What the names do if they ever run: open a dialog, or set window.kbPwned. The category names would run inside
#: a script that stays whole (as in the outside report); the ward name tries to end, comment out or break its
#: script instead (which on one page would stop the category names' script from running at all).
CATEGORY_NAME = f"{MARK} Fly ${{alert(1)}} ${{window.kbPwned=1}} \u2028"
POTHOLE_NAME = f"{MARK} Pot \"'><img src=x onerror=alert(1)> \u2028alert(1)\u2029 <svg onload=window.kbPwned=1>"
WARD_NAME = (f"{MARK} Rushey </SCRIPT><script>alert(1)</script> <!--<script> `;alert(1);` ${{alert(1)}} "
             "\"'><img src=x onerror=alert(1)>")
DESCRIPTION = f"{MARK} " + " ".join(PAYLOADS)


@pytest.fixture()
def hostile(db_session):
    """Reports in Rushey Green and Brockley under categories, a ward and a crew with hostile names."""
    cats = {c.code: c for c in db_session.scalars(select(Category).where(Category.code.in_(["fly_tipping",
                                                                                              "pothole"])))}
    cats["fly_tipping"].name, cats["pothole"].name = CATEGORY_NAME, POTHOLE_NAME
    cats["fly_tipping"].description = DESCRIPTION[:500]
    ward = db_session.scalars(select(Ward).where(Ward.code == RUSHEY_CODE)).one()
    ward.name = WARD_NAME
    db_session.add(Crew(name=f"{MARK} Crew </script><script>alert(1)</script>"))
    made = [add_report(db_session, "fly_tipping", RUSHEY_GREEN, Status.NEW, DAY) for _ in range(4)]
    made.append(add_report(db_session, "pothole", RUSHEY_GREEN.replace("0.0214", "0.0213"), Status.NEW, DAY))
    made.append(add_report(db_session, "pothole", BROCKLEY, Status.FIXED, DAY, 30))
    for report in made:
        report.description = DESCRIPTION
    db_session.flush()
    return made
