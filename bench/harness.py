"""Shared bench plumbing: a scratch database with the demo reference data, gunicorn on loopback, and a
browser-like HTTP client that logs in and submits the report form with its CSRF token."""
from __future__ import annotations

import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg2
import requests
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from devtools import cluster
from portal.cli import alembic_config

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password 1234"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN_RE = re.compile(r'name="submission_token"[^>]*value="([^"]*)"')


def scratch_database(name: str) -> str:
    """A fresh database in the dev cluster (or beside DATABASE_URL) with schema and reference data, no reports."""
    url = cluster.recreate_database(cluster.ensure(), name)
    cfg = alembic_config(url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "heads")
    engine = create_engine(url)
    with Session(engine) as s:
        from gis.importers import import_postcodes, import_wards
        from portal.services import demo
        import_wards(s, demo.WARDS_FILE)
        import_postcodes(s, demo.POSTCODES_FILE)
        demo.load_categories(s)
    engine.dispose()
    return url


def make_users(url: str, n: int) -> list[str]:
    emails = [f"load{i}@bench.example.test" for i in range(n)]
    hashed = generate_password_hash(PASSWORD)
    conn = psycopg2.connect(cluster._dsn(url))
    with conn, conn.cursor() as cur:
        for e in emails:
            cur.execute("INSERT INTO users (email, password_hash, display_name, role, active, created_at, "
                        "email_confirmed_at, contact_preference) VALUES (%s, %s, %s, 'resident', true, now(), now(), "
                        "'email') ON CONFLICT DO NOTHING", (e, hashed, e))
    conn.close()
    return emails


def sample_points(url: str, n: int = 2000) -> list[tuple[float, float]]:
    """Random (lat, lon) points inside the wards: postcode centroids that lie in a ward."""
    conn = psycopg2.connect(cluster._dsn(url))
    with conn.cursor() as cur:
        cur.execute("SELECT ST_Y(p.geom), ST_X(p.geom) FROM postcodes p JOIN wards w ON ST_Covers(w.geom, p.geom) "
                    "ORDER BY p.postcode LIMIT 100000")
        rows = cur.fetchall()
    conn.close()
    return random.Random(42).sample(rows, min(n, len(rows)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """A running gunicorn: its address, its master process (workers are its children) and photo store."""

    def __init__(self, base: str, proc: subprocess.Popen, photo_dir: Path):
        self.base, self.proc, self.photo_dir = base, proc, photo_dir

    @property
    def upstream(self) -> str:
        return urlsplit(self.base).netloc

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return sorted(int(p) for p in children.read_text().split()) if children.exists() else []


@contextmanager
def gunicorn_process(app: str, env: dict, workers: int = 4, behind_nginx: bool = False):
    """gunicorn with the production settings (deploy/gunicorn.conf.py) on a free loopback port; behind_nginx
    sets what deploy/kerbside.env.example sets for nginx (photos sent by nginx, one trusted proxy)."""
    port = free_port()
    photo_dir = Path(tempfile.mkdtemp(prefix="kerbside-bench-photos-"))
    extra = {"PHOTO_ACCEL_REDIRECT": "/internal-photos/", "PROXY_COUNT": "1"} if behind_nginx else {}
    full_env = dict(os.environ, PHOTO_DIR=str(photo_dir), RATELIMIT_ENABLED="0",
                    SECRET_KEY="bench-only-secret-" + "x" * 20, **extra, **env)
    log_path = Path(tempfile.gettempdir()) / f"kerbside-bench-gunicorn-{port}.log"
    log = open(log_path, "w")
    say(f"gunicorn log: {log_path}")
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"),
                             "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
                            cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(base + "/healthz", timeout=1).status_code < 500:
                break
        except requests.RequestException:
            time.sleep(0.1)
    try:
        yield Gunicorn(base, proc, photo_dir)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
        log.close()


@contextmanager
def gunicorn(app: str, env: dict, workers: int = 4):
    """gunicorn on loopback, clients straight to it; yields its base URL."""
    with gunicorn_process(app, env, workers) as server:
        yield server.base


class LeanClient:
    """A minimal HTTP/1.1 client (http.client) for latency runs: the `requests` library spends about a
    millisecond of the client's CPU per call, which on a 2-core machine is taken from the server too."""

    def __init__(self, base: str, timeout: float = 30):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    def _send(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()                   # the server closed a kept-alive connection: once more
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
        data = resp.read()
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return resp.status, data

    def get(self, path: str) -> tuple[int, bytes]:
        return self._send("GET", path)

    def post_form(self, path: str, fields: dict) -> tuple[int, bytes]:
        return self._send("POST", path, urlencode(fields).encode(),
                          {"Content-Type": "application/x-www-form-urlencoded"})


class FormUnavailable(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class Resident:
    """One browser: logs in, then fills in and sends the report form."""

    def __init__(self, base: str, email: str, timeout: float = 30):
        self.base, self.email, self.timeout = base, email, timeout
        self.http = requests.Session()

    def login(self) -> None:
        page = self.http.get(self.base + "/login", timeout=self.timeout).text
        resp = self.http.post(self.base + "/login", data={"email": self.email, "password": PASSWORD,
                                                          "csrf_token": CSRF_RE.search(page).group(1)},
                              allow_redirects=False, timeout=self.timeout)
        if resp.status_code != 302:
            raise RuntimeError(f"login failed: {resp.status_code}")

    def form(self) -> tuple[str, str]:
        resp = self.http.get(self.base + "/report", timeout=self.timeout)
        if resp.status_code != 200:
            raise FormUnavailable(resp.status_code)
        return CSRF_RE.search(resp.text).group(1), TOKEN_RE.search(resp.text).group(1)

    def submit(self, csrf: str, token: str, point: tuple[float, float], photo: bytes | None):
        data = {"csrf_token": csrf, "submission_token": token, "latitude": f"{point[0]:.6f}",
                "longitude": f"{point[1]:.6f}", "category": "fly_tipping", "action": "submit_new",
                "description": f"Load test report {token[:8]}", "anonymous": "y",
                "q_fly_tipping_size": "car_boot", "q_fly_tipping_waste": "household",
                "q_fly_tipping_where": "road", "q_fly_tipping_witnessed": "no"}
        files = {"photos": ("photo.jpg", photo, "image/jpeg")} if photo else None
        return self.http.post(self.base + "/report", data=data, files=files, allow_redirects=False,
                              timeout=self.timeout)


def reference_from(resp) -> str | None:
    match = re.search(r"/reports/(KB-[0-9A-Z]+)/sent$", resp.headers.get("Location", ""))
    return match.group(1) if resp.status_code == 302 and match else None


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(name: str, latencies_ms: list[float], seconds: float) -> str:
    return (f"{name:<28} n={len(latencies_ms):>6}  {len(latencies_ms) / seconds:8.1f}/s  "
            f"p50={pct(latencies_ms, 50):7.1f} ms  p95={pct(latencies_ms, 95):7.1f} ms  "
            f"p99={pct(latencies_ms, 99):7.1f} ms")


def jpeg(size=(1600, 1200)) -> bytes:
    import io
    from PIL import Image
    img = Image.effect_noise(size, 60).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def stored_references(url: str) -> list[str]:
    conn = psycopg2.connect(cluster._dsn(url))
    with conn.cursor() as cur:
        cur.execute("SELECT reference FROM reports WHERE channel = 'web'")
        rows = [r[0] for r in cur.fetchall()]
    conn.close()
    return rows


def half_written(url: str) -> int:
    """Reports missing their first timeline entry, or whose photo rows point at no file: must be 0."""
    conn = psycopg2.connect(cluster._dsn(url))
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM reports r WHERE NOT EXISTS "
                    "(SELECT 1 FROM report_events e WHERE e.report_id = r.id)")
        n = cur.fetchone()[0]
    conn.close()
    return n


def say(msg: str) -> None:
    print(msg, flush=True)
    sys.stdout.flush()


__all__ = ["LeanClient", "FormUnavailable", "scratch_database", "make_users", "sample_points", "gunicorn",
           "gunicorn_process", "Gunicorn", "Resident", "reference_from", "pct",
           "summary", "jpeg", "stored_references", "half_written", "say"]
