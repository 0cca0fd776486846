from portal.app import create_app


def test_security_headers_on_every_page(client):
    for path in ("/", "/report", "/login", "/privacy", "/nope"):
        resp = client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"


def test_inline_map_scripts_carry_the_csp_nonce(resident_client):
    resp = resident_client.get("/report")
    html = resp.get_data(as_text=True)
    nonce = resp.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    import re
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline, "the report page has its map script inline"
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline)


def test_hsts_only_over_tls(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers


def test_session_cookie_flags_in_production(connection, app_config, monkeypatch):
    monkeypatch.setenv("KERBSIDE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("BASE_URL", "https://kerbside.example.gov.uk")
    app = create_app(dict(app_config, SECRET_KEY="x" * 40), bind=connection)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_requires_a_secret(monkeypatch, connection):
    import pytest
    monkeypatch.setenv("KERBSIDE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({}, bind=connection)


def test_healthz_ok(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json()["database"] == "ok"


def test_database_unreachable_gives_503_not_500(app_config, tmp_path):
    # A real server that is not there: a socket directory with no PostgreSQL in it.
    url = f"postgresql+psycopg2://postgres@/kerbside?host={tmp_path}&connect_timeout=2"
    app = create_app(dict(app_config, DATABASE_URL=url))
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.headers["Retry-After"] == "30"
    page = client.get("/reports/KB-ABCDE")
    assert page.status_code == 503
    assert "briefly unavailable" in page.get_data(as_text=True)
    api = client.get("/api/anything.json")
    assert api.status_code in (404, 503)


def test_database_unreachable_for_a_logged_in_user_is_still_503(app_config, tmp_path):
    url = f"postgresql+psycopg2://postgres@/kerbside?host={tmp_path}&connect_timeout=2"
    app = create_app(dict(app_config, DATABASE_URL=url))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"          # loading this user needs the database
        session["_fresh"] = True
    resp = client.get("/report")
    assert resp.status_code == 503
    assert "briefly unavailable" in resp.get_data(as_text=True)
