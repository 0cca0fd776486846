"""Response templates managed by admins: listed, added, changed and deleted; every bad field said on its box
with what was typed kept; staff cannot manage them."""
from __future__ import annotations

from sqlalchemy import func, select

from models import ResponseTemplate, Role, Status
from tests.conftest import login


def admin_client(app, make_user):
    return login(app.test_client(), make_user(Role.ADMIN).email)


def test_admins_add_change_and_delete_templates(app, make_user, db_session):
    client = admin_client(app, make_user)
    resp = client.submit("/admin/templates/new", {"status": "investigating", "category": "", "title": "Inspecting",
                                                  "text": "An officer will inspect the site this week."})
    assert resp.status_code == 302
    template = db_session.scalars(select(ResponseTemplate).where(ResponseTemplate.title == "Inspecting")).one()
    assert template.status is Status.INVESTIGATING and template.category_id is None
    assert "Inspecting" in client.get("/admin/templates").get_data(as_text=True)
    url = f"/admin/templates/{template.id}"
    assert client.submit(url, {"status": "fixed", "category": "", "title": "Cleared",
                               "text": "Cleared today."}).status_code == 302
    db_session.refresh(template)
    assert (template.status, template.title) == (Status.FIXED, "Cleared")
    assert client.submit(f"{url}/delete", {}, page="/admin/templates").status_code == 302
    assert db_session.scalar(select(func.count()).select_from(ResponseTemplate)
                             .where(ResponseTemplate.id == template.id)) == 0
    assert client.get(url).status_code == 404


def test_bad_template_fields_are_said_on_their_boxes(app, make_user, db_session):
    client = admin_client(app, make_user)
    before = db_session.scalar(select(func.count()).select_from(ResponseTemplate))
    resp = client.submit("/admin/templates/new", {"status": "new", "category": "7x", "title": "t" * 81,
                                                  "text": "<script>alert(1)</script>" * 100})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for box in ("status", "category", "title", "text"):
        assert f'href="#{box}"' in html, box
    assert "t" * 81 in html and "<script>alert(1)" not in html
    resp = client.submit("/admin/templates/new", {"status": "", "category": "2147483647", "title": "", "text": ""})
    assert resp.status_code == 400 and "Choose the status this message is written for." in resp.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(ResponseTemplate)) == before


def test_staff_cannot_manage_templates(app, staff_client):
    assert staff_client.get("/admin/templates").status_code == 403
    assert staff_client.get("/admin/templates/new").status_code == 403
