"""Rate limits hold across worker processes: two real gunicorn servers, each its own worker process, share the
rate-limit store. Login attempts alternate between them; the limit counts them all together.

Each server's access log records the PID of the worker that answered each request (gunicorn's ``%(p)s``), so
the test sees for itself that two processes answered. The same scenario with ``memory://`` shows what the
shared store prevents: each process counting alone, so the limit is as many times looser as there are workers.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from sqlalchemy import text

from .conftest import csrf_from

ROOT = Path(__file__).resolve().parents[2]
LOGIN_LIMIT = 10            # POST /login: "10 per minute" per address (portal/account/views.py)
EMAIL_DOMAIN = "shared-limits.example.test"
START_TIMEOUT = 60.0


class Server:
    def __init__(self, proc: subprocess.Popen, base: str, access_log: Path, error_log: Path):
        self.proc, self.base, self.access_log, self.error_log = proc, base, access_log, error_log

    def answers(self) -> list[tuple[int, str, str, int]]:
        """(worker pid, method, path, status) of every request this server's workers answered."""
        rows = []
        for line in self.access_log.read_text().splitlines():
            pid, method, path, status = line.split()
            rows.append((int(pid.strip("<>")), method, path, int(status)))
        return rows


@contextmanager
def gunicorn(name: str, env: dict, tmp_path: Path):
    """One gunicorn server with one sync worker process, on a free loopback port chosen by the kernel."""
    access_log, error_log = tmp_path / f"{name}-access.log", tmp_path / f"{name}-error.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", "127.0.0.1:0",
         "--access-logfile", str(access_log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
         "--error-logfile", str(error_log), "portal.app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield Server(proc, _listening_at(proc, error_log), access_log, error_log)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _listening_at(proc: subprocess.Popen, error_log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        log = error_log.read_text() if error_log.exists() else ""
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log)
        if found:
            return found.group(1)
        assert proc.poll() is None, f"gunicorn exited with {proc.returncode}:\n{log[-3000:]}"
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not listen within {START_TIMEOUT:.0f} s")


class Browser:
    """One client for both servers, as one person behind one address: a cookie jar and form posts."""

    def __init__(self):
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def request(self, url: str, data: dict | None = None) -> tuple[int, str]:
        body = urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(Request(url, data=body), timeout=30) as resp:
                return resp.status, resp.read().decode()
        except HTTPError as err:
            return err.code, err.read().decode()

    def wait_ready(self, server: Server) -> None:
        """The worker has booted and reaches the database (the health check is not rate-limited)."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if self.request(server.base + "/healthz")[0] == 200:
                    return
            except (URLError, TimeoutError):      # not listening yet, or booting slowly on a busy machine
                pass
            assert server.proc.poll() is None, server.error_log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker did not answer /healthz:\n" + \
                server.error_log.read_text()[-3000:]
            time.sleep(0.1)


@pytest.fixture()
def server_env(database_url, ratelimit_storage_uri, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "KERBSIDE_ENV"))}
    env.update({
        "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-not-for-production",
        "PHOTO_DIR": str(tmp_path / "photos"),
        "RATELIMIT_ENABLED": "true", "RATELIMIT_STORAGE_URI": ratelimit_storage_uri,
        # this run's own counters: not used up by an earlier run, nor by the tests in this process
        "RATELIMIT_KEY_PREFIX": f"kerbside-test-{uuid.uuid4().hex}",
    })
    return env


@pytest.fixture(autouse=True)
def _forget_failed_logins(engine):
    """The servers commit for real: remove the failed-login counters of these tests' made-up addresses."""
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM login_throttle WHERE email_key LIKE :pattern"),
                     {"pattern": f"%@{EMAIL_DOMAIN}"})


def _failed_logins_on_two_servers(env: dict, tmp_path: Path):
    """Start two servers; send LOGIN_LIMIT failed logins alternately to them, then one more to each.
    Returns the two servers (their logs) and the statuses, in order, of (server index, status)."""
    with ExitStack() as stack:
        servers = [stack.enter_context(gunicorn(name, env, tmp_path)) for name in ("first", "second")]
        browser = Browser()
        for server in servers:
            browser.wait_ready(server)
        status, page = browser.request(servers[0].base + "/login")
        assert status == 200
        token = csrf_from(page)       # valid on both: one session cookie, one SECRET_KEY

        sent = []
        for i in range(LOGIN_LIMIT + 2):
            which = i % 2
            status, page = browser.request(servers[which].base + "/login", {
                "csrf_token": token, "email": f"guess{i}@{EMAIL_DOMAIN}", "password": "wrong wrong"})
            sent.append((which, status, page))
    return servers, sent


def _login_posts(server: Server) -> list[tuple[int, int]]:
    return [(pid, status) for pid, method, path, status in server.answers() if (method, path) == ("POST", "/login")]


def test_login_limit_holds_across_two_worker_processes(server_env, tmp_path):
    servers, sent = _failed_logins_on_two_servers(server_env, tmp_path)
    statuses = [status for _, status, _ in sent]
    assert statuses == [400] * LOGIN_LIMIT + [429, 429]    # the 11th and 12th, whichever process answers
    assert all("do not match an account" in page for _, _, page in sent[:LOGIN_LIMIT])
    assert all("Too many attempts" in page for _, _, page in sent[LOGIN_LIMIT:])

    first, second = (_login_posts(server) for server in servers)
    assert [status for _, status in first] == [400] * (LOGIN_LIMIT // 2) + [429]
    assert [status for _, status in second] == [400] * (LOGIN_LIMIT // 2) + [429]
    first_pids, second_pids = {pid for pid, _ in first}, {pid for pid, _ in second}
    assert len(first_pids) == len(second_pids) == 1 and first_pids != second_pids     # two processes answered


def test_with_memory_storage_each_process_counts_alone(server_env, tmp_path):
    """The control: per-process counters let twice the limit through two workers, which the test above
    would catch."""
    servers, sent = _failed_logins_on_two_servers({**server_env, "RATELIMIT_STORAGE_URI": "memory://"}, tmp_path)
    assert [status for _, status, _ in sent] == [400] * (LOGIN_LIMIT + 2)
    first, second = (_login_posts(server) for server in servers)
    assert {pid for pid, _ in first}.isdisjoint({pid for pid, _ in second})
