"""The production layout on loopback: nginx from the system packages, with deploy/nginx/kerbside-locations.conf
(paths filled in), in front of gunicorn with deploy/gunicorn.conf.py and the settings of
deploy/kerbside.env.example that concern them (PHOTO_ACCEL_REDIRECT, PROXY_COUNT).

nginx's access log records where it sent each request (``upstream=-`` when it answered itself), so the test
sees which requests reached gunicorn.
"""
from __future__ import annotations

import http.client
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import delete
from sqlalchemy.orm import Session

from devtools import nginx
from models import Report
from portal.config import FIXED
from portal.services.photos import PhotoStore, process_photo
from portal.services.reports import NewReport, create_report

from ..factories import CATFORD, image_bytes
from . import gunicorn, server_env

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = {"size": "single_bag", "waste": ["household"], "where": "road", "witnessed": "no"}


@pytest.fixture(scope="module")
def site(database_url, engine, tmp_path_factory):
    """nginx → gunicorn on loopback, and two committed reports with a photo each: one public, one hidden."""
    try:
        nginx.ensure_installed()
    except nginx.NginxMissing as missing:
        pytest.skip(f"nginx cannot be installed here: {missing}")
    tmp = tmp_path_factory.mktemp("deploy")
    photo_dir = tmp / "photos"
    photo_dir.mkdir()
    store = PhotoStore(photo_dir)
    from ..conftest import links_for_tests
    made = []
    with Session(engine, info={"links": links_for_tests()}, expire_on_commit=False) as session:
        for hidden in (False, True):
            key = store.save_pending(process_photo(image_bytes(), "a.jpg"))
            report = create_report(session, NewReport("fly_tipping", CATFORD, "Seen through nginx", ANSWERS,
                                                      [key]), None, store)
            report.hidden = hidden
            session.commit()
            made.append((report.id, key))
    env = server_env(database_url, photo_dir, PHOTO_ACCEL_REDIRECT="/internal-photos/", PROXY_COUNT="1")
    try:
        with gunicorn(env, tmp) as upstream, nginx.running(upstream, photo_dir) as server:
            server.photos = {"public": made[0][1], "hidden": made[1][1]}
            server.photo_dir = photo_dir
            yield server
    finally:
        with Session(engine) as session:
            session.execute(delete(Report).where(Report.id.in_([rid for rid, _ in made])))
            session.commit()


def logged(server, path: str) -> list[str]:
    """Where nginx sent each request for ``path`` ("-": it answered itself). nginx writes the line once it
    is done with the connection (after a refused body, when the client has gone): wait for it."""
    deadline = time.monotonic() + 10
    while True:
        found = [line.rsplit("upstream=", 1)[1] for line in server.log_lines() if line.split()[1] == path]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def test_a_page_through_nginx(site):
    resp = requests.get(site.base + "/", timeout=30)
    assert resp.status_code == 200 and "<main" in resp.text
    assert resp.headers["X-Frame-Options"] == "DENY" and "nonce-" in resp.headers["Content-Security-Policy"]
    assert resp.headers.get("Content-Encoding") is None     # no compression of pages with tokens (BREACH)
    assert logged(site, "/")[-1].startswith("127.0.0.1:")


def test_static_files_are_served_by_nginx_not_gunicorn(site):
    resp = requests.get(site.base + "/static/css/kerbside.css", headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "text/css"
    assert resp.content == (ROOT / "static/css/kerbside.css").read_bytes()
    assert resp.headers["Content-Encoding"] == "gzip" and resp.headers["X-Content-Type-Options"] == "nosniff"
    vendor = requests.get(site.base + "/vendor/leaflet/leaflet.js", timeout=30)
    assert vendor.status_code == 200 and b"Leaflet" in vendor.content[:2000]
    assert logged(site, "/static/css/kerbside.css") == ["-"]
    assert logged(site, "/vendor/leaflet/leaflet.js") == ["-"]


def test_an_oversize_upload_is_refused_by_nginx(site):
    """A body over the app's MAX_CONTENT_LENGTH (34 MiB) is refused from its Content-Length alone."""
    limit = FIXED["MAX_CONTENT_LENGTH"]
    assert f"client_max_body_size {limit // 2**20}m;" in nginx.LOCATIONS.read_text() and limit % 2**20 == 0
    parts = urlsplit(site.base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest("POST", "/report")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(limit + 1))
    conn.endheaders()
    resp = conn.getresponse()
    status = resp.status
    resp.close()
    conn.close()            # the body is never sent: nginx answered from the header
    assert status == 413
    assert logged(site, "/report") == ["-"]


def test_a_photo_is_checked_by_the_app_and_sent_by_nginx(site):
    key = site.photos["public"]
    resp = requests.get(f"{site.base}/photos/{key}.jpg", timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/jpeg"
    assert resp.content == (site.photo_dir / f"{key}.jpg").read_bytes()
    assert "public" in resp.headers["Cache-Control"] and "max-age=3600" in resp.headers["Cache-Control"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff" and "X-Accel-Redirect" not in resp.headers
    # The app was asked (its visibility rule), the file came from nginx's internal location.
    assert logged(site, f"/internal-photos/{key}.jpg")[-1].startswith("127.0.0.1:")


def test_a_hidden_photo_is_not_served_and_the_store_is_not_reachable(site):
    hidden = site.photos["hidden"]
    assert requests.get(f"{site.base}/photos/{hidden}.jpg", timeout=30).status_code == 404
    assert requests.get(f"{site.base}/internal-photos/{hidden}.jpg", timeout=30).status_code == 404
    assert logged(site, f"/internal-photos/{hidden}.jpg") == ["-"]
