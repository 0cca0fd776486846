"""PgBouncer from the system packages in front of a database of the private cluster, with the pooling settings
of ``deploy/pgbouncer/pgbouncer.ini`` (transaction mode): used by tests/deploy and the load bench
(``--pgbouncer``) to show the app works through transaction pooling.

Written to a temporary directory, listening on a free loopback port, run as a child process (as the
``postgres`` user when we are root: PgBouncer refuses to run as root), stopped when ``running`` ends.
Authentication is ``any`` with the cluster's own user: loopback only, for tests and benchmarks.
"""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from .nginx import free_port
from .servers import stop, wait_listening

ROOT = Path(__file__).resolve().parent.parent
INI = ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini"
PGBOUNCER = "/usr/sbin/pgbouncer"
INSTALL_CMD = "sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y pgbouncer"
START_TIMEOUT = 10.0
#: Production settings replaced here: where it listens, how it authenticates, where it logs.
LOCAL = ("listen_addr", "listen_port", "unix_socket_dir", "auth_type", "auth_file", "logfile", "pidfile",
         "admin_users", "stats_users")


class PgBouncerMissing(RuntimeError):
    pass


def ensure_installed() -> str:
    if Path(PGBOUNCER).exists():
        return PGBOUNCER
    if os.geteuid() != 0:
        raise PgBouncerMissing(f"pgbouncer is not installed; install it with: {INSTALL_CMD}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "-o", "DPkg::Lock::Timeout=300", "update", "-qq"],
                ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-qq", "pgbouncer"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode:
            raise PgBouncerMissing(f"`{' '.join(cmd)}` failed: {done.stderr.strip()[-500:]}")
    return PGBOUNCER


def production_settings() -> dict[str, str]:
    """The [pgbouncer] section of deploy/pgbouncer/pgbouncer.ini, without what only a real host has."""
    parser = configparser.ConfigParser(comment_prefixes=(";", "#"), inline_comment_prefixes=(";",),
                                       interpolation=None)
    parser.read(INI)
    return {k: v for k, v in parser["pgbouncer"].items() if k not in LOCAL}


@dataclass
class PgBouncer:
    url: str            # the database URL through PgBouncer (SQLAlchemy, psycopg2)
    admin_dsn: str      # its console (SHOW POOLS, SHOW STATS)
    workdir: Path
    proc: subprocess.Popen

    def log(self) -> str:
        path = self.workdir / "pgbouncer.log"
        return path.read_text() if path.exists() else ""


@contextmanager
def running(database_url: str, **overrides: str):
    """PgBouncer in front of ``database_url`` (a private-cluster URL: unix socket, trusted user); yields a
    ``PgBouncer`` whose ``url`` goes through it. ``overrides`` replace pool settings (e.g. default_pool_size)."""
    binary = ensure_installed()
    target = make_url(database_url)
    host = target.query.get("host") or target.host or "127.0.0.1"
    user = target.username or "postgres"
    workdir = Path(tempfile.mkdtemp(prefix="kerbside-pgbouncer-"))
    port = free_port()
    settings = {**production_settings(), **overrides, "listen_addr": "127.0.0.1", "listen_port": str(port),
                "unix_socket_dir": "", "auth_type": "any", "logfile": str(workdir / "pgbouncer.log"),
                "pidfile": str(workdir / "pgbouncer.pid"), "admin_users": user, "stats_users": user}
    conf = workdir / "pgbouncer.ini"
    conf.write_text(
        "[databases]\n"
        f"{target.database} = host={host} port={target.port or 5432} dbname={target.database} user={user}\n"
        "[pgbouncer]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
    cmd = [binary, str(conf)]
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
        cmd = [binary, "-u", "postgres", str(conf)]
    with open(workdir / "stderr.log", "wb") as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr)
    through = target.set(host="127.0.0.1", port=port, username=user, query={})
    server = PgBouncer(through.render_as_string(hide_password=False),
                       f"host=127.0.0.1 port={port} dbname=pgbouncer user={user}", workdir, proc)
    try:
        wait_listening(proc, port, "pgbouncer", START_TIMEOUT,
                       lambda: f"{(workdir / 'stderr.log').read_text()}{server.log()}")
        yield server
    finally:
        stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)
