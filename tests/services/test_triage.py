"""The triage queue's default order (overdue first: most urgent, then most recently overdue; then the rest by due
soonest) read as two index-ordered halves: the same rows, in the same order, page by page, as one sort of every
open report by that order, including a page that holds the end of one half and the start of the other."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func, select, text

from models import OPEN, Category, Report, utcnow
from portal.services import triage


def fill(db_session, code: str) -> Category:
    """70 open reports of one category, about half overdue, over four priorities (pairs due at the same moment)."""
    category = db_session.scalar(select(Category).where(Category.code == code))
    hours = category.target_hours
    db_session.execute(text(
        "INSERT INTO reports (reference, category_id, description, geom, status, anonymous, answers, channel, "
        "created_at, updated_at, priority) SELECT 'KB-TQ' || lpad(g::text, 3, '0'), :cid, 'Queue order', "
        "ST_SetSRID(ST_MakePoint(-0.0205, 51.4452), 4326), (ARRAY['new', 'confirmed', 'assigned'])[1 + g % 3]::report_status, "
        "true, '{}', 'web', now() - make_interval(hours => :hours) + make_interval(mins => 40 * (g / 2 - 18)), now(), "
        "1 + g % 4 FROM generate_series(0, 69) g"), {"cid": category.id, "hours": hours})
    return category


def by_one_sort(db_session, category: Category, now) -> list[str]:
    """The order as it was written before the stored due time: one sort of every open report."""
    due = Report.created_at + func.make_interval(0, 0, 0, 0, Category.target_hours)
    late = due < now
    rows = db_session.scalars(
        select(Report.reference).join(Report.category)
        .where(Report.status.in_(OPEN), Report.category_id == category.id)
        .order_by(case((late, 0), else_=1), case((late, Report.priority)), case((late, due)).desc(), due,
                  Report.id))
    return list(rows)


def test_the_default_order_is_one_sort_read_in_two_halves(db_session):
    category = fill(db_session, "trade_waste")
    now = utcnow()
    expected = by_one_sort(db_session, category, now)
    assert len(expected) >= 70
    count = -(-len(expected) // triage.PAGE_SIZE)
    pages = [triage.queue_page(db_session, triage.QueueFilter(category_id=category.id, page=p), now)
             for p in range(1, count + 1)]
    assert {(p.total, p.pages) for p in pages} == {(len(expected), count)}
    got = [report.reference for page in pages for report, _, _ in page.rows]
    assert got == expected
    late = sum(1 for page in pages for _, _, due in page.rows if due < now)
    assert 0 < late < 50, "the first page ends inside the second half"
    assert all(due == report.created_at + timedelta(hours=category.target_hours)
               for page in pages for report, _, due in page.rows)
    overdue_only = triage.queue_page(db_session, triage.QueueFilter(category_id=category.id, overdue=True), now)
    assert [r.reference for r, _, _ in overdue_only.rows] == expected[:late] and overdue_only.total == late


def test_a_new_target_reorders_the_queue(db_session):
    category = fill(db_session, "trade_waste")
    category.target_hours = 1                   # now every one of them is overdue
    db_session.commit()
    now = utcnow()
    page = triage.queue_page(db_session, triage.QueueFilter(category_id=category.id), now)
    assert all(due < now for _, _, due in page.rows)
    assert [r.reference for r, _, _ in page.rows] == by_one_sort(db_session, category, now)[:50]
