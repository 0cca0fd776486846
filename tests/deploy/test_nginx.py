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

from ..conftest import links_for_tests
from ..factories import CATFORD, image_bytes
from ..maps.test_tiles import Upstream
from . import gunicorn, server_env

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = {"size": "single_bag", "waste": ["household"], "where": "road", "witnessed": "no"}
#: How long nginx may keep a public page here (SHARED_CACHE_SECONDS; 5 by default).
KEEP_SECONDS = 2
#: How long one drawing of the page may take on a loaded machine (CI runs two test workers on two cores): the
#: bound on a hidden report is KEEP_SECONDS plus one drawing (nginx's background update).
DRAWING = 3


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
    made = []
    with Session(engine, info={"links": links_for_tests()}, expire_on_commit=False) as session:
        for hidden in (False, True):
            key = store.save_pending(process_photo(image_bytes(), "a.jpg"))
            report = create_report(session, NewReport("fly_tipping", CATFORD, "Seen through nginx", ANSWERS,
                                                      [key]), None, store)
            report.hidden = hidden
            session.commit()
            made.append((report.id, key))
    tiles = Upstream()              # the tile server the app fetches from, on loopback
    env = server_env(database_url, photo_dir, PHOTO_ACCEL_REDIRECT="/internal-photos/", PROXY_COUNT="1",
                     SHARED_CACHE_SECONDS=str(KEEP_SECONDS), TILE_UPSTREAM=tiles.url,
                     TILE_CACHE_DIR=str(tmp / "tiles"))
    try:
        with gunicorn(env, tmp) as upstream, nginx.running(upstream, photo_dir) as server:
            server.tiles = tiles
            server.photos = {"public": made[0][1], "hidden": made[1][1]}
            server.reports = {"public": made[0][0]}
            server.photo_dir = photo_dir
            yield server
    finally:
        tiles.close()
        with Session(engine) as session:
            session.execute(delete(Report).where(Report.id.in_([rid for rid, _ in made])))
            session.commit()


def logged(server, path: str, at_least: int = 1) -> list[str]:
    """Where nginx sent each request for ``path`` ("-": it answered itself). nginx writes a request's line
    after the client has its answer (and after a refused body, once the client has gone): wait for
    ``at_least`` lines, never read "the last line so far", which may be the request before."""
    deadline = time.monotonic() + 10
    while True:
        found = [line.rsplit("upstream=", 1)[1] for line in server.log_lines() if line.split()[1] == path]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def fetch(server, path: str, method: str = "GET", **kwargs) -> tuple[requests.Response, str]:
    """Ask nginx for ``path``; the answer, and where nginx sent this very request ("-": it answered itself)."""
    before = len(logged(server, path, at_least=0))
    resp = requests.request(method, server.base + path, timeout=30, **kwargs)
    found = logged(server, path, at_least=before + 1)
    assert len(found) > before, f"nginx logged no line for {method} {path}"
    return resp, found[before]


def test_a_page_through_nginx(site):
    resp, where = fetch(site, "/login")
    assert resp.status_code == 200 and "<main" in resp.text
    assert resp.headers["X-Frame-Options"] == "DENY" and "nonce-" in resp.headers["Content-Security-Policy"]
    assert resp.headers.get("Content-Encoding") is None     # no compression of pages with tokens (BREACH)
    assert where.startswith("127.0.0.1:")


def reference_of(engine, report_id: int) -> str:
    with Session(engine) as session:
        return session.get(Report, report_id).reference


def test_a_public_page_is_kept_briefly_for_visitors_without_a_cookie(site, engine):
    path = f"/reports/{reference_of(engine, site.reports['public'])}"
    first, _ = fetch(site, path)
    assert first.status_code == 200 and first.headers["X-Cache-Status"] in ("MISS", "EXPIRED")
    again, where = fetch(site, path)
    assert again.headers["X-Cache-Status"] == "HIT" and again.content == first.content
    assert "X-Accel-Expires" not in again.headers and "nonce-" not in again.headers["Content-Security-Policy"]
    assert where == "-"                                     # nginx answered; gunicorn was not asked
    # Anyone with a cookie (signed in, or has just written) gets the page drawn now, and it is not kept.
    for _ in range(2):
        own, where = fetch(site, path, cookies={"session": "x"})
        assert own.status_code == 200 and own.headers["X-Cache-Status"] == "BYPASS"
        assert "nonce-" in own.headers["Content-Security-Policy"]
        assert where.startswith("127.0.0.1:")


def test_a_hidden_report_leaves_the_kept_pages_within_the_bound(site, engine):
    with Session(engine, info={"links": links_for_tests()}, expire_on_commit=False) as session:
        report = create_report(session, NewReport("fly_tipping", CATFORD, "Kept, then hidden", ANSWERS, []),
                               None, PhotoStore(site.photo_dir))
        session.commit()
    path = f"/reports/{report.reference}"
    try:
        assert fetch(site, path)[0].status_code == 200
        again, where = fetch(site, path)
        assert again.status_code == 200 and where == "-"
        with Session(engine) as session:
            session.get(Report, report.id).hidden = True
            session.commit()
        hidden_at = time.monotonic()
        # A signed-in visitor sees it gone at once; a visitor without a cookie within KEEP_SECONDS.
        assert requests.get(site.base + path, cookies={"session": "x"}, timeout=30).status_code == 404
        while requests.get(site.base + path, timeout=30).status_code == 200:
            assert time.monotonic() - hidden_at < KEEP_SECONDS + DRAWING, "a hidden report stayed in nginx's cache"
            time.sleep(0.1)
        assert requests.get(site.base + path, timeout=30).status_code == 404     # and stays gone
    finally:
        with Session(engine) as session:
            session.execute(delete(Report).where(Report.id == report.id))
            session.commit()


def test_an_old_copy_is_not_given_out_beyond_its_bound_when_the_next_answer_cannot_be_kept(database_url,
                                                                                           tmp_path):
    """The app's answer after a copy expires may be one nginx must not keep: here a 429 (one visitor's rate
    limit). The old copy is given out while the app is asked again, but never more than 2 × KEEP_SECONDS
    after it was drawn (its stale-while-revalidate); then every request reaches the app."""
    env = server_env(database_url, tmp_path, SHARED_CACHE_SECONDS=str(KEEP_SECONDS), PROXY_COUNT="1",
                     RATELIMIT_ENABLED="true", RATELIMIT_STORAGE_URI="memory://", OPEN311_READ_LIMIT="1/minute")
    path = "/open311/v2/requests.json?service_code=fly_tipping"
    with gunicorn(env, tmp_path) as upstream, nginx.running(upstream, tmp_path) as server:
        first = requests.get(server.base + path, timeout=30)
        drawn = time.monotonic()
        assert first.status_code == 200 and first.headers["X-Cache-Status"] == "MISS"
        seen = []
        while time.monotonic() - drawn < 2 * KEEP_SECONDS + DRAWING + 2:
            resp = requests.get(server.base + path, timeout=30)
            seen.append((round(time.monotonic() - drawn, 1), resp.status_code, resp.headers["X-Cache-Status"]))
            time.sleep(0.1)
    late = [s for s in seen if s[1] == 200 and s[0] > 2 * KEEP_SECONDS + DRAWING]
    assert not late, f"the old copy was given out after its bound: {late}"
    assert any(status == 429 for _, status, _ in seen), seen     # the app answered once the bound was past
    assert any(status == 200 and cache != "MISS" for _, status, cache in seen), seen   # and the copy served


def test_what_the_app_does_not_mark_is_never_kept(site):
    """A first visit to a form (it starts a session), a POST, a page not marked public: each reaches gunicorn
    every time."""
    for path, method in (("/login", "GET"), ("/open311/v2/requests.json", "POST"), ("/healthz", "GET")):
        for _ in range(2):
            resp, where = fetch(site, path, method)
            assert resp.headers.get("X-Cache-Status") in (None, "MISS"), (path, resp.headers)
            assert where.startswith("127.0.0.1:")


def test_a_tile_is_kept_by_nginx_for_everyone_and_fetched_once(site):
    """A map of 20-30 tiles must not cost 20-30 gunicorn requests for each signed-in visitor: nginx keeps each
    tile whatever the cookie, and the tile server is asked once; a 502 (the tile server down) is not kept."""
    path = "/tiles/16/32742/21795.png"
    first, where = fetch(site, path, cookies={"session": "one-residents-session"})
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/png"
    assert where.startswith("127.0.0.1:") and "Set-Cookie" not in first.headers
    for cookie in ("another-residents-session", None):
        again, where = fetch(site, path, cookies={"session": cookie} if cookie else None)
        assert again.content == first.content and again.headers.get("X-Cache-Status") == "HIT"
        assert where == "-"                                             # nginx answered it itself
    assert [p for p, _headers in site.tiles.asked] == ["/16/32742/21795.png"]
    far = "/tiles/16/0/0.png"                                           # not the council's: 404, not fetched
    assert fetch(site, far)[0].status_code == 404 and len(site.tiles.asked) == 1
    # Last (the app leaves a failed tile server alone for a while after): a tile it could not get is not kept.
    site.tiles.status = 503
    try:
        path = "/tiles/16/32743/21795.png"
        for _ in range(2):
            resp, where = fetch(site, path)
            assert resp.status_code == 502 and where.startswith("127.0.0.1:")   # asked of the app each time
    finally:
        site.tiles.status = 200


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
    assert "public" in resp.headers["Cache-Control"] and "max-age=300" in resp.headers["Cache-Control"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff" and "X-Accel-Redirect" not in resp.headers
    # The app was asked (its visibility rule), the file came from nginx's internal location; the browser may
    # keep the photo, nginx does not (a photo hidden later is refused at once).
    internal = f"/internal-photos/{key}.jpg"
    asked = logged(site, internal)
    assert asked and all(line.startswith("127.0.0.1:") for line in asked)
    assert requests.get(f"{site.base}/photos/{key}.jpg", timeout=30).status_code == 200
    # nginx logs an internal redirect under the final $uri: the second ask is a second /internal-photos line.
    assert logged(site, internal, at_least=len(asked) + 1)[len(asked):] == [asked[0]]


def test_a_hidden_photo_is_not_served_and_the_store_is_not_reachable(site):
    hidden = site.photos["hidden"]
    assert requests.get(f"{site.base}/photos/{hidden}.jpg", timeout=30).status_code == 404
    assert requests.get(f"{site.base}/internal-photos/{hidden}.jpg", timeout=30).status_code == 404
    assert logged(site, f"/internal-photos/{hidden}.jpg") == ["-"]


def test_the_production_site_file_is_one_nginx_accepts(tmp_path):
    """deploy/nginx/kerbside.conf as installed (README, "Production"): the site's paths moved into a temporary
    folder and a self-signed certificate in place of certbot's; `nginx -t` must accept the whole of it."""
    import datetime
    import subprocess

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    try:
        binary = nginx.ensure_installed()
    except nginx.NginxMissing as missing:
        pytest.skip(f"nginx cannot be installed here: {missing}")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kerbside.example.gov.uk")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "privkey.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                             serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()))
    (tmp_path / "kerbside-locations.conf").write_text(nginx.render_locations(tmp_path))
    site = (ROOT / "deploy/nginx/kerbside.conf").read_text()
    for installed, here in (("/etc/nginx/kerbside-locations.conf", tmp_path / "kerbside-locations.conf"),
                            ("/etc/letsencrypt/live/kerbside.example.gov.uk/", f"{tmp_path}/"),
                            ("/var/cache/nginx/kerbside", tmp_path / "cache"), ("/var/log/nginx/", f"{tmp_path}/")):
        assert installed in site
        site = site.replace(installed, str(here))
    (tmp_path / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                         "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; {temp} include {tmp_path}/site.conf; }}\n")
    checked = subprocess.run([binary, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
