"""A category's questions through forms, no JSON: add, change, reorder and remove questions and their answers;
bad input on its field, the rest kept, nothing saved."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Category


@pytest.fixture()
def category(db_session) -> Category:
    cat = Category(code="trolley", name="Abandoned trolley", group="Streets", target_hours=72, questions=[])
    db_session.add(cat)
    db_session.commit()
    return cat


def _question(**changes) -> dict:
    data = {"code": "how_many", "label": "How many trolleys?", "hint": "Count them", "kind": "single",
            "required": "y",
            "choices-0-label": "One", "choices-0-value": "", "choices-0-position": "2",
            "choices-1-label": "Several", "choices-1-value": "several", "choices-1-position": "1",
            "choices-1-hazard": "y", "choices-2-label": "", "choices-2-value": ""}
    data.update(changes)
    return data


def test_add_a_question_with_answers_in_their_positions(admin_client, db_session, category):
    page = f"/admin/categories/{category.id}/questions/new"
    assert admin_client.get(page).status_code == 200
    resp = admin_client.submit(page, _question())
    assert resp.status_code == 302
    db_session.refresh(category)
    assert category.questions == [{"code": "how_many", "label": "How many trolleys?", "type": "single",
                                   "required": True, "hint": "Count them",
                                   "options": [{"value": "several", "label": "Several", "hazard": True},
                                               {"value": "one", "label": "One"}]}]
    # the question is offered to residents and to Open311 clients at once
    defn = admin_client.get("/open311/v2/services/trolley.json").get_json()
    assert [v["key"] for v in defn["attributes"][0]["values"]] == ["several", "one"]


def test_change_remove_an_answer_and_add_one(admin_client, db_session, category):
    admin_client.submit(f"/admin/categories/{category.id}/questions/new", _question())
    page = f"/admin/categories/{category.id}/questions/how_many"
    html = admin_client.get(page).get_data(as_text=True)
    assert 'value="How many trolleys?"' in html and 'value="several"' in html
    resp = admin_client.submit(page, _question(**{"code": "renamed", "choices-1-remove": "y",
                                                  "choices-2-label": "A whole row", "choices-2-position": "3"}))
    assert resp.status_code == 302
    db_session.refresh(category)
    q = category.questions[0]
    assert q["code"] == "how_many"                                     # the code stays: past answers use it
    assert [o["value"] for o in q["options"]] == ["one", "a_whole_row"]


def test_reorder_and_remove_questions(admin_client, db_session, category):
    for code in ("first", "second", "third"):
        admin_client.submit(f"/admin/categories/{category.id}/questions/new",
                            _question(code=code, label=code.title(), kind="text"))
    listing = f"/admin/categories/{category.id}/questions"
    assert admin_client.submit(f"{listing}/third/up", {}, page=listing).status_code == 302
    db_session.refresh(category)
    assert [q["code"] for q in category.questions] == ["first", "third", "second"]
    assert admin_client.submit(f"{listing}/first/up", {}, page=listing).status_code == 302     # at the top: stays
    assert admin_client.submit(f"{listing}/first/down", {}, page=listing).status_code == 302
    assert admin_client.submit(f"{listing}/second/remove", {}, page=listing).status_code == 302
    db_session.refresh(category)
    assert [q["code"] for q in category.questions] == ["third", "first"]
    assert "options" not in category.questions[0]                      # text questions keep no answers
    resp = admin_client.submit(f"{listing}/second/remove", {}, page=listing)
    assert resp.status_code == 400 and "removed meanwhile" in resp.get_data(as_text=True)
    resp = admin_client.post(f"{listing}/first/up", data={})                                  # no CSRF token
    assert resp.status_code == 400
    db_session.refresh(category)
    assert [q["code"] for q in category.questions] == ["third", "first"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"code": ""}, "The code must be"), ({"code": "Has Spaces"}, "The code must be"), ({"code": "x" * 41}, "code"),
    ({"label": ""}, "Write the question"), ({"label": "q" * 201}, "under 200"),
    ({"kind": "essay"}, "kind of answer"),
    ({"choices-0-label": "", "choices-1-label": "", "choices-1-value": ""}, "at least one answer"),
    ({"choices-1-value": "one"}, "same value"), ({"choices-0-value": "Not OK!"}, "stored value"),
    ({"choices-0-position": "first"}, "position is a whole number"),
    ({"choices-0-label": "", "choices-0-value": "orphan"}, "needs the text"),
    ({"choices-0-label": "<script>alert(1)</script>" * 10}, "under 120"),
    ({"label": "Where is it?"}, "is a heading of the report form"), ({"label": " where IS it "}, "Where is it?"),
    ({"label": "About you"}, "is a heading of the report form"),
])
def test_question_bad_input(admin_client, db_session, category, changes, message):
    resp = admin_client.submit(f"/admin/categories/{category.id}/questions/new", _question(**changes))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html and "There is a problem" in html, html[:3000]
    assert "<script>alert" not in html
    if "label" not in changes:
        assert 'value="How many trolleys?"' in html                    # the rest of the input is kept
    db_session.refresh(category)
    assert category.questions == []


def test_a_code_used_twice_is_refused(admin_client, db_session, category):
    page = f"/admin/categories/{category.id}/questions/new"
    assert admin_client.submit(page, _question()).status_code == 302
    resp = admin_client.submit(page, _question(label="Again"))
    assert resp.status_code == 400 and "already has the code" in resp.get_data(as_text=True)


def test_too_many_answer_rows_are_cut_not_a_crash(admin_client, db_session, category):
    rows = {f"choices-{n}-label": f"Answer {n}" for n in range(500)}
    resp = admin_client.submit(f"/admin/categories/{category.id}/questions/new", _question(**rows))
    assert resp.status_code == 302
    db_session.refresh(category)
    assert len(category.questions[0]["options"]) <= 43


def test_unknown_question_or_category(admin_client, category):
    assert admin_client.get(f"/admin/categories/{category.id}/questions/nope").status_code == 404
    assert admin_client.get("/admin/categories/999999/questions").status_code == 404
    assert admin_client.get("/admin/categories/99999999999/questions").status_code == 404


def test_the_headings_questions_must_not_read_as_are_the_report_forms(client):
    """REPORT_FORM_SECTIONS is the report form's own list of section headings (issue 13: a question's label never
    clashes with a section of the form)."""
    import re

    from portal.services.admin import REPORT_FORM_SECTIONS
    page = client.get("/report").get_data(as_text=True)
    headings = {re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page, re.S)}
    assert set(REPORT_FORM_SECTIONS) <= headings
    staff_only = {"Reporting for a caller? (staff)"}        # shown to staff; no resident answers questions there
    assert headings - set(REPORT_FORM_SECTIONS) <= staff_only, headings
    from portal.services.admin import clashes_with_a_section
    assert clashes_with_a_section("What kind of place is it in?") is None       # the fly-tipping question now


def test_no_question_of_the_councils_categories_reads_as_a_section(db_session):
    from portal.services.admin import clashes_with_a_section
    labels = [q["label"] for c in db_session.scalars(select(Category)) for q in c.questions]
    assert labels and [label for label in labels if clashes_with_a_section(label)] == []
