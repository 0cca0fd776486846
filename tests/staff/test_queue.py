"""The triage queue fits on a screen: pages of 50, sortable columns, overdue first by default (not the oldest
report first), one label for each priority, filters whose labels belong to their boxes; response templates on
the report page grouped by the status they are for."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import text

from models import ResponseTemplate, Status, utcnow
from portal.services import triage


def bulk_reports(db_session, n: int, prefix: str = "KB-Q", days_old: int = 0, priority: int = 3):
    db_session.execute(text(
        "INSERT INTO reports (reference, category_id, description, geom, status, anonymous, answers, channel, "
        "created_at, updated_at, priority, hidden) SELECT :prefix || lpad(g::text, 4, '0'), c.id, 'Queue filler', "
        "ST_SetSRID(ST_MakePoint(-0.0205, 51.4452), 4326), 'new', true, '{}', 'web', "
        "now() - make_interval(days => :days) - make_interval(mins => g), now(), :priority, false "
        "FROM categories c, generate_series(1, :n) g WHERE c.code = 'fly_tipping'"),
        {"prefix": prefix, "n": n, "days": days_old, "priority": priority})


def test_the_default_order_puts_overdue_first_but_not_the_oldest_first(make_report, db_session):
    ancient = make_report()
    ancient.created_at = utcnow() - timedelta(days=3000)           # "2016"
    urgent_late = make_report()
    urgent_late.created_at, urgent_late.priority = utcnow() - timedelta(days=60), 1
    late = make_report()
    late.created_at = utcnow() - timedelta(days=10)
    fresh = make_report()
    db_session.commit()
    order = [r.reference for r, _, _ in triage.queue(db_session, triage.QueueFilter())]
    mine = [r for r in order if r in {ancient.reference, urgent_late.reference, late.reference, fresh.reference}]
    assert mine == [urgent_late.reference, late.reference, ancient.reference, fresh.reference]
    due = [r.reference for r, _, _ in triage.queue(db_session, triage.QueueFilter(sort="due"))]
    assert due.index(ancient.reference) < due.index(late.reference)       # "due soonest" is still on offer


def test_pages_of_fifty_with_links_that_keep_the_filters(make_report, staff_client, db_session):
    report = make_report()
    bulk_reports(db_session, 60)
    page = triage.queue_page(db_session, triage.QueueFilter(ward_id=report.ward_id))
    assert len(page.rows) == 50 and page.total >= 61 and page.pages >= 2
    html = staff_client.get(f"/staff/?ward={report.ward_id}").get_data(as_text=True)
    assert html.count('name="reports"') == 50
    assert re.search(rf'href="/staff/\?[^"]*ward={report.ward_id}[^"]*page=2"', html.replace("&amp;", "&"))
    second = staff_client.get(f"/staff/?ward={report.ward_id}&page=2").get_data(as_text=True)
    assert f"page 2 of {page.pages}" in second
    firsts = set(re.findall(r'id="sel-(KB-[0-9A-Z]+)"', html))
    seconds = set(re.findall(r'id="sel-(KB-[0-9A-Z]+)"', second))
    assert firsts and seconds and not firsts & seconds


def test_columns_sort_and_say_how(make_report, staff_client, db_session):
    make_report()
    html = staff_client.get("/staff/?sort=priority").get_data(as_text=True)
    assert re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="[^"]*sort=priority', html)
    html = staff_client.get("/staff/?sort=due").get_data(as_text=True).replace("&amp;", "&")
    assert "sort=-due" in html                                    # select Due again to reverse it
    for sort in triage.SORTS:
        assert staff_client.get(f"/staff/?sort={sort}").status_code == 200, sort
    bad = staff_client.get("/staff/?sort=id;drop")
    assert bad.status_code == 400 and "Choose an order from the list." in bad.get_data(as_text=True)


def test_one_label_for_each_priority(make_report, staff_client, db_session):
    report = make_report()
    report.priority = 1
    db_session.commit()
    queue = staff_client.get("/staff/").get_data(as_text=True)
    row = queue[queue.index(f'id="sel-{report.reference}"'):]
    row = row[:row.index("</tr>")]
    assert "<td>Urgent</td>" in row and "<td>1</td>" not in row
    assert "<dd>Urgent</dd>" in staff_client.get(f"/staff/reports/{report.reference}").get_data(as_text=True)


def test_every_filter_label_is_tied_to_its_box(staff_client):
    html = staff_client.get("/staff/").get_data(as_text=True)
    form = html[html.index('class="filters"'):html.index("</form>", html.index('class="filters"'))]
    ids = re.findall(r'<(?:select|input)[^>]*\sid="([^"]+)"', form)
    assert ids and all(f'for="{i}"' in form for i in ids), ids


def test_templates_are_offered_grouped_by_their_status(make_report, staff_client, db_session):
    report = make_report()
    db_session.add_all([ResponseTemplate(status=Status.INVESTIGATING, title="Inspecting", text="We will look."),
                        ResponseTemplate(status=Status.REOPENED, title="Reopened", text="Not offered to a new one.")])
    db_session.commit()
    html = staff_client.get(f"/staff/reports/{report.reference}").get_data(as_text=True)
    assert '<optgroup label="For “Investigating”">' in html and 'data-status="investigating"' in html
    assert "Not offered to a new one." not in html
    template = db_session.query(ResponseTemplate).filter_by(title="Inspecting").one()
    resp = staff_client.submit(f"/staff/reports/{report.reference}/status",
                               {"status": "fixed", "template": str(template.id), "note": ""},
                               page=f"/staff/reports/{report.reference}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "is for “Investigating”, not “Fixed”" in html
    assert 'id="status-template-error"' in html
    db_session.refresh(report)
    assert report.status is Status.NEW
