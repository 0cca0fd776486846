"""Visibility is one query source: public lists, suggestions and actions start from it, and a query over
reports built anywhere else fails this test until it is reviewed and listed with its reason."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select, text

from models import PUBLIC, Report, Role, Status
from portal.services import visibility
from tests.conftest import login
from tests.factories import CATFORD, report_form

ROOT = Path(__file__).resolve().parents[2]
#: A select of reports, or any other select that joins them in (e.g. timeline entries with their report).
QUERY = re.compile(r"select\(\s*Report\b|\b(?:select_from|join|outerjoin)\(\s*Report\s*[,)]"
                   r"|\b(?:FROM|JOIN) reports\b")

#: Every file allowed to build a query over reports itself, how many times, and why it is not a public view.
REVIEWED = {
    "portal/services/visibility.py": (1, "the source itself"),
    "portal/services/accounts.py": (1, "a person's own data export"),
    "portal/services/triage.py": (5, "staff only: queue (its count, its page's ids, their rows), duplicate "
                                     "candidates, map points"),
    "portal/services/crews.py": (3, "crew only: their jobs, a job by its reference (the card checks the crew), "
                                    "the job's row locked while it is completed"),
    "portal/services/open311.py": (3, "idempotency by client token; the public list and the public updates "
                                      "take visible_to"),
    "portal/services/body_sender.py": (1, "the worker: sends due to bodies, only of reports visible_to the "
                                          "public"),
    "portal/services/reports.py": (1, "idempotency by submission token, before a report exists"),
    "portal/services/demo.py": (1, "is the database empty"),
    "portal/staff/views.py": (3, "staff only"),
    "portal/reports/views.py": (1, "My reports: visibility.mine"),
    "gis/explore.py": (4, "takes its conditions (visibility.visible_to) from the caller"),
    "gis/hotspots.py": (2, "calls kerbside_report_is_public, the SQL twin of the rule"),
    "gis/measures.py": (1, "satisfaction: ratings of reports that kerbside_report_is_public lets through"),
    "portal/services/alerts.py": (2, "the worker's spatial join, which calls kerbside_report_is_public, and "
                                     "the team mailboxes' news, which reads only the reports that join kept"),
    "portal/services/questionnaire.py": (1, "the worker's due reporters; calls kerbside_report_is_public"),
    "portal/services/search.py": (6, "staff only: search every report, hidden and unconfirmed too (the newest "
                                     "ids of each way of matching, then the page's reports)"),
    "portal/services/people.py": (1, "staff only: a person's record"),
    "portal/services/dashboard.py": (2, "staff only: the dashboard's figures and the lead's overdue notices"),
    "gis/flytipping_return.py": (2, "staff only: the fly-tipping return; incidents filtered by kerbside_report_is_public"),
    "gis/fairness.py": (2, "calls kerbside_report_is_public, the SQL twin of the rule; places every report in its area"),
    "gis/digest.py": (1, "calls kerbside_report_is_public, the SQL twin of the rule"),
    "portal/services/unconfirmed.py": (1, "the worker's purge: unconfirmed reports whose link expired, to delete"),
}


def test_queries_over_reports_are_built_only_where_reviewed():
    found = {}
    for path in [*ROOT.glob("portal/**/*.py"), *ROOT.glob("gis/**/*.py")]:
        count = len(QUERY.findall(path.read_text()))
        if count:
            found[str(path.relative_to(ROOT))] = count
    assert found == {path: count for path, (count, _why) in REVIEWED.items()}, (
        "a query over reports was added or removed: start public ones from visibility.visible_reports / "
        "report_for, and list staff-only ones in REVIEWED with the reason")


def test_the_sql_function_is_the_same_rule_as_python(db_session):
    for status in Status:
        for hidden in (False, True):
            in_sql = db_session.execute(text("SELECT kerbside_report_is_public(CAST(:s AS report_status), :h)"),
                                        {"s": status.value, "h": hidden}).scalar()
            assert in_sql == (status in PUBLIC and not hidden), (status, hidden)


@pytest.fixture()
def fly_tip(db_session, app, tmp_path):
    from portal.services.photos import PhotoStore
    from portal.services.reports import NewReport, create_report

    def make(token, hidden=False):
        with app.app_context():
            report = create_report(db_session, NewReport(
                category_code="fly_tipping", point=CATFORD, description="A sofa",
                answers={"size": "small_van", "waste": ["furniture"], "where": "road", "witnessed": "no"},
                client_token=token), None, PhotoStore(tmp_path))
        report.hidden = hidden
        db_session.commit()
        return report
    return make


@pytest.fixture()
def hidden_report(fly_tip):
    return fly_tip("hidden-1", hidden=True)


def test_a_hidden_report_is_never_offered_for_me_too(app, make_user, fly_tip):
    hidden, shown = fly_tip("hidden-2", hidden=True), fly_tip("shown-2")
    client = login(app.test_client(), make_user(Role.RESIDENT).email)
    resp = client.submit("/report", report_form(action=None, submission_token="near-hidden"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and shown.reference in page          # the offer is made...
    assert hidden.reference not in page                                # ...without the hidden one


def test_hidden_and_unconfirmed_reports_cannot_be_supported_and_look_alike(app, make_user, hidden_report,
                                                                           db_session):
    from tests.conftest import csrf_from
    client = login(app.test_client(), make_user(Role.RESIDENT).email)
    token = csrf_from(client.get("/report").get_data(as_text=True))
    unconfirmed = db_session.scalars(select(Report).where(Report.id == hidden_report.id)).one()
    answers = []
    for reference in (hidden_report.reference, "KB-ZZZZZ"):
        resp = client.post(f"/reports/{reference}/support", data={"csrf_token": token})
        answers.append((resp.status_code, resp.get_data(as_text=True)))
    hidden_report.hidden, hidden_report.status = False, Status.UNCONFIRMED
    db_session.commit()
    resp = client.post(f"/reports/{unconfirmed.reference}/support", data={"csrf_token": token})
    answers.append((resp.status_code, resp.get_data(as_text=True)))
    assert [code for code, _ in answers] == [404, 404, 404]
    assert len({body for _, body in answers}) == 1                   # nothing tells them apart
    assert visibility.report_for(db_session, hidden_report.reference, None) is None


def test_the_summary_triggers_ask_the_function_not_a_copy_of_the_rule(db_session):
    for function in ("kerbside_perf_apply(reports, integer)", "kerbside_perf_rebuild()"):
        source = db_session.execute(text("SELECT pg_get_functiondef(CAST(:f AS regprocedure))"),
                                    {"f": function}).scalar()
        assert "kerbside_report_is_public" in source, function
        assert "'unconfirmed'" not in source and "NOT r.hidden" not in source, function


def test_every_public_action_on_a_report_answers_404_for_what_the_viewer_may_not_see(app, make_user, fly_tip,
                                                                                   db_session):
    """Each route of the public site that takes a report's reference (view, feed, support and taking it back,
    follow and unfollow, update, the reporter's fixed/reopen) finds it through report_for: a hidden or an
    unconfirmed report is a 404 for anyone but its reporter and staff, whatever the method."""
    from tests.conftest import csrf_from
    hidden, waiting = fly_tip("hidden-3", hidden=True), fly_tip("waiting-3")
    waiting.status = Status.UNCONFIRMED
    db_session.commit()
    client = login(app.test_client(), make_user(Role.RESIDENT).email)
    token = csrf_from(client.get("/report").get_data(as_text=True))
    data = {"csrf_token": token, "text": "Still there", "action": "fixed", "email": "x@example.test"}
    checked = set()
    for rule in app.url_map.iter_rules():
        if "<reference>" not in rule.rule or rule.endpoint.split(".")[0] in ("staff", "crew"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for report in (hidden, waiting):
                url = rule.rule.replace("<reference>", report.reference)
                resp = client.open(url, method=method, data=data if method == "POST" else None)
                assert resp.status_code == 404, (method, rule.rule, report.status, resp.status_code)
            checked.add((method, rule.rule))
    assert {("POST", "/reports/<reference>/support"), ("POST", "/reports/<reference>/support/stop"),
            ("POST", "/reports/<reference>/follow"), ("POST", "/reports/<reference>/unfollow"),
            ("POST", "/reports/<reference>/update"), ("POST", "/reports/<reference>/reporter-status"),
            ("GET", "/reports/<reference>")} <= checked
    db_session.refresh(hidden)
    db_session.refresh(waiting)
    assert hidden.status is Status.NEW and waiting.status is Status.UNCONFIRMED
