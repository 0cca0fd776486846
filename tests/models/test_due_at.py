"""A report's stored due time (reports.due_at: made + its category's target hours) is set by the database when
a report is made, when its date or category changes, and for every report of a category whose target changes;
the triage queue and the dashboard sort and count on it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from models import Category, Report, utcnow


def stored_and_computed(db_session, report: Report):
    return db_session.execute(text(
        "SELECT r.due_at, r.created_at + make_interval(hours => c.target_hours) FROM reports r "
        "JOIN categories c ON c.id = r.category_id WHERE r.id = :id"), {"id": report.id}).one()


def test_a_new_report_is_due_at_its_categorys_target(make_report, db_session):
    report = make_report()
    stored, computed = stored_and_computed(db_session, report)
    assert stored == computed == report.created_at + timedelta(hours=report.category.target_hours)
    assert report.due_at == stored                       # read back by the ORM after the INSERT


def test_a_report_inserted_by_sql_gets_one_too(db_session):
    db_session.execute(text(
        "INSERT INTO reports (reference, category_id, description, geom, status, anonymous, answers, channel, "
        "created_at, updated_at) SELECT 'KB-DUE01', id, 'Raw insert', ST_SetSRID(ST_MakePoint(-0.0205, 51.4452), "
        "4326), 'new', true, '{}', 'phone', now() - interval '3 days', now() FROM categories WHERE code = 'pothole'"))
    report = db_session.scalar(select(Report).where(Report.reference == "KB-DUE01"))
    assert report.due_at == report.created_at + timedelta(hours=report.category.target_hours)


def test_a_new_date_or_category_moves_it(make_report, db_session):
    report = make_report()
    report.created_at = utcnow() - timedelta(days=40)
    db_session.commit()
    stored, computed = stored_and_computed(db_session, report)
    assert stored == computed and report.due_at == stored
    slower = db_session.scalar(select(Category).where(Category.code == "tree"))
    assert slower.target_hours != report.category.target_hours
    report.category = slower
    db_session.commit()
    stored, computed = stored_and_computed(db_session, report)
    assert stored == computed == report.created_at + timedelta(hours=slower.target_hours)
    assert report.due_at == stored


def test_a_new_target_refiles_every_report_of_that_category_only(make_report, db_session):
    tipped, other = make_report(), make_report(category="pothole")
    before = other.due_at
    tipped.category.target_hours = 7
    db_session.commit()
    db_session.expire_all()
    assert tipped.due_at == tipped.created_at + timedelta(hours=7)
    assert other.due_at == before
    wrong = db_session.execute(text(
        "SELECT count(*) FROM reports r JOIN categories c ON c.id = r.category_id "
        "WHERE r.due_at <> r.created_at + make_interval(hours => c.target_hours)")).scalar()
    assert wrong == 0
