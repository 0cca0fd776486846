"""The smallest inputs behind each failure the form and route fuzz found, kept as plain tests."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import create_engine, select

from models import Crew, CrewMember, OutboxMessage, Role, User, Ward
from portal.app import create_app
from tests.conftest import csrf_from, login


@pytest.mark.parametrize("name", ["email", "password", "csrf_token"])
def test_a_file_where_the_login_form_expects_text_is_a_400_not_a_crash(client, name):
    """Flask-WTF handed a text field the uploaded file, and Length() took its len(): TypeError, a 500."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": "someone@example.org", "password": "not the password"}
    data[name] = (io.BytesIO(b"x"), "photo.jpg")
    resp = client.post("/login", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400


def test_a_file_where_the_sign_up_form_expects_text_stores_nothing(client, db_session):
    token = csrf_from(client.get("/register").get_data(as_text=True))
    resp = client.post("/register", data={"csrf_token": token, "display_name": (io.BytesIO(b"x"), "a.jpg"),
                                          "email": "newcomer@example.org", "password": "long enough password",
                                          "confirm": "long enough password"}, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert db_session.scalar(select(User).where(User.email == "newcomer@example.org")) is None


@pytest.mark.parametrize("body", [{"email": 5, "password": ["a", "b"]}, [1, 2], "text", {"email": {"a": 1}}])
def test_a_json_body_posted_to_an_html_form_is_not_taken_as_the_form(client, db_session, body):
    """Flask-WTF read a JSON body as the form, values of any type, past the request's text cleaning."""
    token = csrf_from(client.get("/password/forgot").get_data(as_text=True))
    if isinstance(body, dict):
        body = {**body, "csrf_token": token}
    resp = client.post("/password/forgot", json=body)
    assert resp.status_code == 400
    assert db_session.scalars(select(OutboxMessage)).all() == []


def test_saving_a_crew_with_the_members_it_has_keeps_them(app, db_session, make_user):
    """The members shown on the form were loaded; deleting their rows behind the session's back and adding
    them again made two objects with one identity (a SQLAlchemy warning, an error in tests)."""
    member = make_user(Role.CREW)
    crew = Crew(name="Night crew")
    db_session.add(crew)
    db_session.flush()
    db_session.add(CrewMember(crew_id=crew.id, user_id=member.id))
    db_session.commit()
    admin = login(app.test_client(), make_user(Role.ADMIN).email)
    resp = admin.submit(f"/admin/crews/{crew.id}", {"name": "Night crew", "members": [str(member.id)],
                                                     "active": "y"})
    assert resp.status_code == 302
    assert db_session.scalars(select(CrewMember.user_id).where(CrewMember.crew_id == crew.id)).all() == [member.id]


@pytest.mark.parametrize("path", ["/data/reports.csv", "/data/reports.geojson", "/wards/{ward}/reports.geojson"])
def test_a_streamed_export_gives_its_database_connection_back(database_url, path, tmp_path):
    """The export's rows were read through the request's session after Flask had closed it at teardown, which
    reopened it and kept a pooled connection (idle in a transaction) until the garbage collector came."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        path = path.format(ward=conn.scalar(select(Ward.code).limit(1)))
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": False,
                          "PHOTO_DIR": tmp_path, "SERVER_NAME": "localhost", "BASE_URL": "http://localhost"},
                         bind=engine)
        resp = app.test_client().get(path)
        assert resp.status_code == 200 and resp.get_data()
        resp.close()
        assert engine.pool.checkedout() == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("disposition", ['form-data', 'form-data; name="a\\\\"', 'form-data; filename="x.jpg"'])
def test_a_multipart_part_without_a_readable_name_is_ignored(client, disposition):
    """Werkzeug names such a part None; the NUL check (every POST route) and Flask-WTF's CSRF lookup called
    string methods on it: a 500 before any view ran."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    body = (f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--B\r\nContent-Disposition: {disposition}\r\n\r\nvalue\r\n--B--\r\n').encode()
    for path in ("/login", "/logout", "/staff/assign"):
        resp = client.post(path, data=body, content_type="multipart/form-data; boundary=B")
        assert resp.status_code in (302, 400), (path, resp.status_code)
