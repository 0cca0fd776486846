"""Response templates: saved by admins with every problem named at once; offered on a report's page only for a
status it can move to; used with another status (or another category's report), refused by the service."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Category, ReportEvent, ResponseTemplate, Role, Status
from portal.services import response_templates, triage
from portal.services.errors import DomainError, Refused
from portal.services.submission import submit_report

from .test_submission import submission


def save(db_session, template=None, **kw):
    values = {"status": Status.INVESTIGATING, "category_id": None, "title": "Inspecting",
              "text": "We are inspecting the site this week."}
    values.update(kw)
    return response_templates.save_template(db_session, template, **values)


def test_saved_with_every_problem_named_and_nothing_written(db_session):
    before = db_session.scalar(select(func.count()).select_from(ResponseTemplate))
    with pytest.raises(Refused) as caught:
        save(db_session, status=Status.NEW, category_id=2_000_000_000, title=" ", text="x" * 2001)
    assert set(caught.value.errors) == {"status", "category", "title", "text"}
    for bad in ({"status": None}, {"title": "t" * 81}, {"text": "   "}, {"status": Status.UNCONFIRMED}):
        with pytest.raises(Refused):
            save(db_session, **bad)
    assert db_session.scalar(select(func.count()).select_from(ResponseTemplate)) == before
    template = save(db_session, title="  Inspecting   soon ")
    assert template.title == "Inspecting soon"
    save(db_session, template, status=Status.FIXED, title="Cleared", text="Cleared today.")
    assert (template.status, template.text) == (Status.FIXED, "Cleared today.")
    response_templates.delete_template(db_session, template)
    assert db_session.get(ResponseTemplate, template.id) is None


def test_a_template_is_offered_and_used_only_for_its_status(db_session, store, resident, make_user):
    staff = make_user(Role.STAFF)
    report = submit_report(db_session, submission(), resident, store).report
    investigating = save(db_session)
    fixed = save(db_session, status=Status.FIXED, title="Cleared", text="We cleared it.")
    unreachable = save(db_session, status=Status.REOPENED, title="Reopened", text="Reopened.")
    other_category = db_session.scalars(select(Category).where(Category.id != report.category_id)).first()
    elsewhere = save(db_session, category_id=other_category.id, title="Other", text="For another kind.")
    offered = triage.templates_for(db_session, report)
    assert investigating in offered and fixed in offered
    assert unreachable not in offered and elsewhere not in offered          # new cannot become reopened
    with pytest.raises(DomainError, match="is for “Investigating”, not “Fixed”") as caught:
        triage.change_status(db_session, report, Status.FIXED, staff, "", template_id=investigating.id)
    assert caught.value.field == "template" and report.status is Status.NEW
    with pytest.raises(DomainError, match="another category"):
        triage.change_status(db_session, report, Status.INVESTIGATING, staff, "", template_id=elsewhere.id)
    with pytest.raises(DomainError, match="from the list"):
        triage.change_status(db_session, report, Status.INVESTIGATING, staff, "", template_id=2_000_000_000)
    event = triage.change_status(db_session, report, Status.INVESTIGATING, staff, "", template_id=investigating.id)
    assert event.note == investigating.text and report.status is Status.INVESTIGATING
    own = triage.change_status(db_session, report, Status.FIXED, staff, "Our own words", template_id=fixed.id)
    assert own.note == "Our own words"
    assert db_session.scalar(select(func.count()).select_from(ReportEvent)
                             .where(ReportEvent.report_id == report.id)) == 3
