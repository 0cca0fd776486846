"""'Has it been fixed?': asked once at four weeks, by the worker; answered once through its link."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import OutboxMessage, Questionnaire, ReportEvent, Status, utcnow
from portal.services import questionnaire
from portal.services.links import BadLink
from tests.conftest import csrf_from


def aged(db_session, report, days):
    report.created_at = utcnow() - timedelta(days=days)
    db_session.commit()
    return report


def asked(db_session, report):
    return db_session.scalars(select(OutboxMessage).where(OutboxMessage.report_id == report.id,
                                                          OutboxMessage.subject.startswith("Has it been fixed"))).all()


def test_sent_once_to_reporters_of_open_reports_four_weeks_old(db_session, app_ctx, make_report, make_user):
    due = aged(db_session, make_report(reporter=make_user()), 29)
    young = aged(db_session, make_report(reporter=make_user()), 20)
    fixed = aged(db_session, make_report(reporter=make_user(), status=Status.FIXED), 29)
    hidden = aged(db_session, make_report(reporter=make_user()), 29)
    hidden.hidden = True
    ancient = aged(db_session, make_report(reporter=make_user()), 400)
    questionnaire.send_questionnaires(db_session)
    questionnaire.send_questionnaires(db_session)
    assert len(asked(db_session, due)) == 1
    assert not any(asked(db_session, r) for r in (young, fixed, hidden, ancient))


def test_answer_goes_on_the_timeline_and_fixes_the_report_once(app, db_session, app_ctx, make_report, make_user):
    report = aged(db_session, make_report(reporter=make_user()), 29)
    questionnaire.send_questionnaires(db_session)
    [mail] = asked(db_session, report)
    path = re.search(r"http://localhost(/n/fixed/\S+)", mail.body).group(1)
    client = app.test_client()
    page = client.get(path)
    token = csrf_from(page.get_data(as_text=True))
    bad = client.post(path, data={"csrf_token": token, "fixed": "maybe", "comment": "hm"})
    assert bad.status_code == 400 and "Choose whether" in bad.get_data(as_text=True)
    long = client.post(path, data={"csrf_token": token, "fixed": "yes", "comment": "x" * 2001})
    assert long.status_code == 400 and "2,000" in long.get_data(as_text=True)
    done = client.post(path, data={"csrf_token": token, "fixed": "yes", "comment": "Cleared on Tuesday"})
    assert done.status_code == 200
    db_session.refresh(report)
    assert report.status is Status.FIXED
    answer = db_session.get(Questionnaire, report.id)
    assert answer.fixed is True and answer.comment == "Cleared on Tuesday"
    public = client.get(f"/reports/{report.reference}").get_data(as_text=True)
    assert "Cleared on Tuesday" in public
    again = client.post(path, data={"csrf_token": token, "fixed": "no"})
    assert again.status_code == 400 and "answered already" in again.get_data(as_text=True)
    reopened = client.get(path)                  # the email opened again: said at once, not after writing
    assert reopened.status_code == 400 and "answered already" in reopened.get_data(as_text=True)
    assert 'name="comment"' not in reopened.get_data(as_text=True)
    db_session.refresh(report)
    assert report.status is Status.FIXED and db_session.get(Questionnaire, report.id).fixed is True


def test_not_fixed_reopens_a_report_marked_fixed_since_the_question(db_session, app_ctx, make_report, make_user):
    """Asked at four weeks; staff mark it fixed the next day; the reporter answers "not fixed": the report is
    reopened (the answer was recorded and the report stayed fixed). An open report stays as it is."""
    from portal.services.reports import change_status
    from models import Role
    report = aged(db_session, make_report(reporter=make_user()), 29)
    still = aged(db_session, make_report(reporter=make_user()), 29)
    questionnaire.send_questionnaires(db_session)
    token, other = (re.search(r"/n/fixed/(\S+)", asked(db_session, r)[0].body).group(1) for r in (report, still))
    change_status(db_session, report, Status.FIXED, make_user(Role.STAFF), "Cleared")
    questionnaire.answer(db_session, token, False, "Still there this morning")
    questionnaire.answer(db_session, other, False, "")
    db_session.refresh(report)
    db_session.refresh(still)
    assert report.status is Status.REOPENED and report.fixed_at is None
    assert still.status is Status.NEW


def test_a_link_for_a_report_hidden_since_is_refused(db_session, app_ctx, make_report, make_user):
    report = aged(db_session, make_report(reporter=make_user()), 29)
    questionnaire.send_questionnaires(db_session)
    token = re.search(r"/n/fixed/(\S+)", asked(db_session, report)[0].body).group(1)
    report.hidden = True
    db_session.commit()
    with pytest.raises(BadLink):
        questionnaire.answer(db_session, token, False, "")
    assert db_session.scalars(select(ReportEvent).where(ReportEvent.source == "questionnaire")).first() is None


def test_not_asked_of_someone_who_turned_the_question_off(db_session, app_ctx, make_report, make_user):
    off, on = make_user(), make_user()
    off.notify_questionnaire = False
    none_at_all = make_user()
    none_at_all.contact_preference = "none"
    reports = {u.email: aged(db_session, make_report(reporter=u), 29) for u in (off, on, none_at_all)}
    questionnaire.send_questionnaires(db_session)
    assert [len(asked(db_session, reports[u.email])) for u in (off, on, none_at_all)] == [0, 1, 0]
