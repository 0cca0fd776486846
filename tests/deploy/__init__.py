"""Helpers for the production-layout tests: gunicorn with deploy/gunicorn.conf.py on a free loopback port."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0


def server_env(database_url: str, photo_dir: Path, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "KERBSIDE_ENV"))}
    env.update({"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-not-for-production",
                "PHOTO_DIR": str(photo_dir), "RATELIMIT_ENABLED": "false", **settings})
    return env


@contextmanager
def gunicorn(env: dict, tmp_path: Path, workers: int = 1):
    """gunicorn with the production config file on a free loopback port; yields host:port."""
    error_log = tmp_path / "gunicorn-error.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py"), "-w", str(workers),
         "-b", "127.0.0.1:0", "--error-logfile", str(error_log), "--log-level", "info",
         "portal.app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            log = error_log.read_text() if error_log.exists() else ""
            found = re.search(r"Listening at: http://(127\.0\.0\.1:\d+)", log)
            if found:
                break
            assert proc.poll() is None, f"gunicorn exited with {proc.returncode}:\n{log[-3000:]}"
            assert time.monotonic() < deadline, "gunicorn did not listen in time"
            time.sleep(0.05)
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
