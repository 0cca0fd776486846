"""Every absolute link comes from BASE_URL, never from the request's Host header; production refuses hosts
it does not serve."""
import re

import pytest
from sqlalchemy import select

from models import OutboxMessage
from portal.app import create_app
from tests.conftest import csrf_from

FORGED = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}


def _post_with_host(client, url, data):
    token = csrf_from(client.get(url, headers=FORGED).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, headers=FORGED)


def test_a_forged_host_never_reaches_a_reset_link(client, resident, db_session):
    resp = _post_with_host(client, "/password/forgot", {"email": resident.email})
    assert resp.status_code == 302 and "attacker" not in resp.headers["Location"]
    mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == resident.email)).one()
    links = re.findall(r"https?://\S+", mail.body)
    assert links and all(link.startswith("http://localhost/") for link in links)
    assert "attacker" not in mail.body


def test_a_forged_host_never_reaches_sign_up_or_report_mail(client, db_session):
    from tests.factories import report_form
    _post_with_host(client, "/register", {"display_name": "Ann", "email": "ann@example.test",
                                          "password": "a long password here", "confirm": "a long password here"})
    _post_with_host(client, "/report", report_form(email="bob@example.test"))
    bodies = [m.body for m in db_session.scalars(select(OutboxMessage))]
    assert len(bodies) >= 2 and not any("attacker" in body for body in bodies)


def test_open311_urls_come_from_base_url(client, db_session, resident, tmp_path):
    from portal.services.photos import PhotoStore
    from portal.services.reports import NewReport, create_report
    from tests.factories import CATFORD
    report = create_report(db_session, NewReport(category_code="graffiti", point=CATFORD, description="Tag",
                                                 answers={}, client_token="host-1"), resident,
                           PhotoStore(tmp_path))
    data = client.get(f"/open311/v2/requests/{report.reference}.json", headers=FORGED).get_json()
    assert data[0]["url"] == f"http://localhost/reports/{report.reference}"
    discovery = client.get("/open311/v2/discovery.json", headers=FORGED).get_data(as_text=True)
    assert "attacker" not in discovery


def test_production_needs_base_url_and_refuses_other_hosts(connection, app_config, monkeypatch):
    monkeypatch.setenv("KERBSIDE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.delenv("BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(dict(app_config), bind=connection)
    monkeypatch.setenv("BASE_URL", "ftp://kerbside.example.gov.uk")
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(dict(app_config), bind=connection)
    monkeypatch.setenv("BASE_URL", "https://kerbside.example.gov.uk")
    config = {k: v for k, v in app_config.items() if k not in ("BASE_URL", "SERVER_NAME")}
    app = create_app(config, bind=connection)
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "kerbside.example.gov.uk"}).status_code == 200
    refused = client.get("/", headers={"Host": "attacker.example"})
    assert refused.status_code == 400
    from portal import db
    from portal.services.links import external_url
    session = db.new_session(app)
    assert external_url(session, "account.login") == "https://kerbside.example.gov.uk/login"
    session.close()
