"""Text is cleaned once, at the request boundary: a NUL anywhere (path, query, form field name or value, an
upload's file name) is a 400 on every route, for every role; other control characters never reach a view."""
import io
import re

import pytest
from sqlalchemy import func, select

from models import Report, Role
from portal.services.text import ascii_int, clean, csv_safe, xml_safe
from tests.conftest import csrf_from, login
from tests.factories import report_form

ROLES = [None, Role.RESIDENT, Role.COUNCILLOR, Role.CREW, Role.STAFF, Role.ADMIN]


def _url_with_nul(rule) -> str:
    """The rule's URL with NUL in every text parameter (numbers get 1; the query string carries a NUL too)."""
    url = rule.rule
    for match in re.finditer(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule):
        value = "x\x00y" if (match.group(1) or "default") in ("default", "string", "path") else "1"
        url = url.replace(match.group(0), value)
    return url


@pytest.fixture()
def role_client(app, make_user):
    def make(role):
        client = app.test_client()
        return login(client, make_user(role).email).client if role else client
    return make


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "visitor")
def test_nul_anywhere_is_a_clear_400_on_every_route(app, role_client, role):
    client = role_client(role)
    token = csrf_from(client.get("/report").get_data(as_text=True))
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("assets."):
            continue
        url = _url_with_nul(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                resp = client.get(url, query_string={"q": "a\x00b", "page": "1"})
            else:
                resp = client.open(url, method=method, data={"csrf_token": token, "note": "a\x00b",
                                                            "x\x00": "1",
                                                            "photos": (io.BytesIO(b"x"), "a\x00.jpg")})
            checked += 1
            assert resp.status_code == 400, (method, rule.rule, resp.status_code)
    assert checked > 60          # every route of the site, not a handful


UNREADABLE = [  # (content type, body): not UTF-8 raw or %-escaped, or a multipart body that cannot be read
    ("application/x-www-form-urlencoded", b"note=caf\xe9&csrf_token=t"),
    ("application/x-www-form-urlencoded", b"note=%ff%fex&csrf_token=t"),
    ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\ncut short'),
    ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="\xff"\r\n\r\nx\r\n--b--\r\n'),
]


@pytest.mark.parametrize("role", [None, Role.RESIDENT, Role.ADMIN], ids=lambda r: r.value if r else "visitor")
def test_a_query_or_body_that_is_not_utf8_text_is_a_clear_400_on_every_route(app, role_client, role, db_session):
    """Werkzeug would read such a form as empty (and blame its first missing field: a valid Open311 key
    "missing") or keep %FF as text; every route answers 400 saying what is wrong, and writes nothing."""
    client = role_client(role)
    before = db_session.scalar(select(func.count()).select_from(Report))
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("assets."):
            continue
        url = _url_with_nul(rule).replace("x\x00y", "x")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                answers = [client.get(url + "?q=caf%E9")]
            else:
                answers = [client.open(url, method=method, data=body, content_type=kind) for kind, body in UNREADABLE]
            for resp in answers:
                checked += 1
                assert resp.status_code == 400, (method, rule.rule, resp.status_code)
                if method != "GET" and rule.rule.startswith("/open311/"):
                    assert "UTF-8" in resp.get_data(as_text=True), rule.rule
    assert checked > 100
    assert db_session.scalar(select(func.count()).select_from(Report)) == before


def test_an_api_client_is_told_the_request_is_too_large_not_about_photos_at_the_form(client, app):
    big = b"description=" + b"x" * app.config["MAX_CONTENT_LENGTH"]
    resp = client.post("/open311/v2/requests.json", data=big, content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 413
    assert resp.get_json() == [{"code": 413, "description": "The request is too large: at most 34 MB in all, "
                                                            "and each photo at most 10 MB."}]
    page = client.post("/report", data=big, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413 and "choose smaller photos" in page.get_data(as_text=True)


def test_control_characters_are_removed_from_what_is_stored(app, resident_client, db_session):
    resp = resident_client.submit("/report", report_form(
        description="Sofa\x0b and\x1b bags\r\nby the\x7f lamp post\x0c", submission_token="ctl-1"))
    assert resp.status_code == 302
    report = db_session.scalars(select(Report).order_by(Report.id.desc())).first()
    assert report.description == "Sofa and bags\nby the lamp post"


def test_text_helpers():
    assert clean("tab\tand\nnewline\r\nkept") == "tab\tand\nnewline\nkept"
    assert clean("a\x01\x08\x0b\x0c\x1f\x7f\ufffe\uffffb") == "ab"
    assert xml_safe("a\x0b\x00b\ud800c") == "abc"
    assert csv_safe("=HYPERLINK(\"http://evil\")").startswith("'") and csv_safe("@SUM(1)") == "'@SUM(1)"
    assert csv_safe("plain") == "plain" and csv_safe(-0.02) == -0.02
    for text in ("²", "١٢", "1.5", "-1", " ", "", "12345678901234567890", None, 12):
        assert ascii_int(text) is None, text
    assert ascii_int(" 42 ") == 42 and ascii_int("42", 1, 10) is None


def test_superscript_digits_in_the_admin_crew_form_are_ignored_not_a_crash(app, make_user, db_session):
    admin = login(app.test_client(), make_user(Role.ADMIN).email)
    resp = admin.submit("/admin/crews/new", {"name": "Night crew", "members": ["²", "١", "7x"], "active": "y"})
    assert resp.status_code in (302, 400)


def test_stored_control_characters_cannot_break_the_csv_export(app, client, db_session, resident):
    from tests.factories import CATFORD
    from portal.services.reports import NewReport, create_report
    from portal.services.photos import PhotoStore
    import tempfile
    report = create_report(db_session, NewReport(category_code="graffiti", point=CATFORD,
                                                 description="=cmd|' /C calc'!A0 \x0b tag", answers={},
                                                 client_token="csv-ctl"), resident,
                           PhotoStore(tempfile.mkdtemp()))
    csv_text = client.get("/data/reports.csv?period=30").get_data(as_text=True)
    line = next((row for row in csv_text.splitlines() if report.reference in row), "")
    assert "\x0b" not in csv_text and "'=cmd" in line
