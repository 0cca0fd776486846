"""The shared rate-limit store: a private redis-server under ``instance/redis``; used by `make run`, `make serve`
and `make test`.

Every gunicorn worker counts rate limits in the same place, so a limit holds whatever the number of workers.
Without ``RATELIMIT_STORAGE_URI``: redis-server from the system packages (installed if missing), started
daemonized on a unix socket only (no TCP port), nothing saved to disk, and its Flask-Limiter storage URI
(``redis+unix:///.../redis.sock``) written to ``instance/ratelimit_storage_uri`` for the app's config. With
``RATELIMIT_STORAGE_URI``: that store, and no server is managed.

    python -m devtools.redis_server ensure      # idempotent; prints the storage URI
    python -m devtools.redis_server stop

Tooling: the web app never imports it; it takes the file it writes from portal.config.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis

from portal.config import INSTANCE, RATELIMIT_URI_FILE as URI_FILE

REDIS_DIR = INSTANCE / "redis"
CONF_FILE = REDIS_DIR / "redis.conf"
PID_FILE = REDIS_DIR / "redis.pid"
LOG_FILE = REDIS_DIR / "redis.log"
SERVER_BIN = Path("/usr/bin/redis-server")
PACKAGE = "redis-server"
INSTALL_CMD = f"sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y {PACKAGE}"
SERVICE_USER = "redis"      # created by the Debian package; the server does not run as root
START_TIMEOUT = 10.0


def log(msg: str) -> None:
    print(f"[kerbside] {msg}", file=sys.stderr, flush=True)


def socket_path() -> Path:
    """A socket path short enough for the ~107-byte unix socket path limit."""
    candidate = REDIS_DIR / "redis.sock"
    if len(str(candidate)) < 100:
        return candidate
    digest = hashlib.sha1(str(REDIS_DIR).encode()).hexdigest()[:10]
    return Path(f"/tmp/kerbside-redis-{digest}/redis.sock")


def storage_uri(sock: Path | None = None) -> str:
    """The Flask-Limiter (``limits``) URI of the private server: ``redis+unix://`` then the absolute path."""
    return f"redis+unix://{sock or socket_path()}"


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", SERVICE_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _chown_owner(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, SERVICE_USER, SERVICE_USER)


def ensure_redis_installed() -> None:
    if SERVER_BIN.exists():
        return
    from .cluster import install_system_packages
    install_system_packages("redis-server", [PACKAGE], INSTALL_CMD,
                            "set RATELIMIT_STORAGE_URI to an existing store")


def running(sock: Path | None = None) -> bool:
    """True when a redis server answers PING on the private socket."""
    sock = sock or socket_path()
    if not sock.exists():
        return False
    client = redis.Redis(unix_socket_path=str(sock), socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _write_config(sock: Path) -> None:
    settings = {
        "port": "0",                        # no TCP: the unix socket only
        "unixsocket": str(sock),
        "unixsocketperm": "700",            # the server's user (and root) only
        "daemonize": "yes",
        "pidfile": str(PID_FILE),
        "logfile": str(LOG_FILE),
        "dir": str(REDIS_DIR),
        "save": '""',                       # counters of a few minutes: nothing worth keeping on disk
        "appendonly": "no",
        "always-show-logo": "no",
    }
    CONF_FILE.write_text("".join(f"{key} {value}\n" for key, value in settings.items()))


def ensure_server() -> str:
    """Start the private redis-server if it is not answering; return its storage URI."""
    sock = socket_path()
    if running(sock):
        return storage_uri(sock)
    ensure_redis_installed()
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    sock.parent.mkdir(parents=True, exist_ok=True)
    for directory in {REDIS_DIR, sock.parent}:
        _chown_owner(directory)
        directory.chmod(0o700)
    _write_config(sock)
    log("starting redis-server")
    subprocess.run(_as_owner([str(SERVER_BIN), str(CONF_FILE)]), check=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT
    while not running(sock):
        if time.monotonic() > deadline:
            tail = LOG_FILE.read_text()[-2000:] if LOG_FILE.exists() else "(no log)"
            raise SystemExit(f"redis-server did not answer on {sock} within {START_TIMEOUT:.0f} s:\n{tail}")
        time.sleep(0.05)
    return storage_uri(sock)


def stop_server() -> None:
    sock = socket_path()
    if not running(sock):
        log("redis is not running")
        return
    pid = int(PID_FILE.read_text()) if PID_FILE.exists() else None
    client = redis.Redis(unix_socket_path=str(sock), socket_timeout=5)
    try:
        client.shutdown(nosave=True)
    finally:
        client.close()
    deadline = time.monotonic() + START_TIMEOUT
    while pid is not None and _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    log("redis stopped")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def ensure() -> str:
    env_uri = os.environ.get("RATELIMIT_STORAGE_URI")
    if env_uri:
        log("RATELIMIT_STORAGE_URI is set: no private redis is managed")
        return env_uri
    INSTANCE.mkdir(parents=True, exist_ok=True)
    uri = ensure_server()
    URI_FILE.write_text(uri + "\n")
    return uri


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "ensure"
    if cmd == "ensure":
        print(ensure())
    elif cmd == "stop":
        stop_server()       # the private server, whatever RATELIMIT_STORAGE_URI says now
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
