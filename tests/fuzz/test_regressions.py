"""The smallest inputs behind each failure the form and route fuzz found, kept as plain tests."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from models import OutboxMessage, User
from tests.conftest import csrf_from


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
