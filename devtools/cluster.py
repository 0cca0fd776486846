"""Set up the database Kerbside runs on; used by `make run` and `make test`.

Without ``DATABASE_URL``: a private PostgreSQL cluster under ``instance/pg`` (PostGIS installed from
the system packages if missing), listening on a unix socket only. With ``DATABASE_URL``: that database,
and no cluster is managed. Either way the application and test databases get the ``postgis`` extension.

    python -m devtools.cluster ensure      # idempotent; prints the database URL
    python -m devtools.cluster stop
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg2
from psycopg2 import sql
from sqlalchemy.engine import make_url

from portal.config import DATABASE_URL_FILE as URL_FILE, INSTANCE

PGDATA = INSTANCE / "pg"
PG_VERSION = os.environ.get("PG_VERSION", "15")
PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
POSTGIS_CONTROL = Path(f"/usr/share/postgresql/{PG_VERSION}/extension/postgis.control")
POSTGIS_PACKAGE = f"postgresql-{PG_VERSION}-postgis-3"
INSTALL_CMD = (f"sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive "
               f"apt-get install -y {POSTGIS_PACKAGE}")
DB_NAME = "kerbside"

SETTINGS = {"jit": "off", "listen_addresses": "''", "shared_buffers": "256MB", "max_connections": "200",
            "logging_collector": "on", "log_directory": "'log'",
            # PostgreSQL's defaults, stated: a streaming replica can be made of the cluster (devtools/replica.py).
            "wal_level": "replica", "max_wal_senders": "10"}
TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def log(msg: str) -> None:
    print(f"[kerbside] {msg}", file=sys.stderr, flush=True)


def socket_dir() -> Path:
    """A socket directory short enough for the ~107-byte unix socket path limit."""
    candidate = PGDATA / "sock"
    if len(str(candidate / ".s.PGSQL.5432")) < 100:
        return candidate
    digest = hashlib.sha1(str(PGDATA).encode()).hexdigest()[:10]
    return Path(f"/tmp/kerbside-{digest}")


def _as_owner(cmd: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def install_system_packages(what: str, packages: list[str], install_cmd: str, instead: str) -> None:
    """Install Debian packages when we are root; otherwise print the exact command and stop. apt's output
    goes to stderr: stdout carries only what `ensure` prints (a URL)."""
    if os.geteuid() != 0:
        log(f"{what} is not installed. Install it with:")
        log(f"    {install_cmd}")
        log(f"or {instead}, then run this again.")
        raise SystemExit(2)
    log(f"installing {' '.join(packages)} from the system packages (about a minute)...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env, stdout=sys.stderr)


def ensure_postgis_installed() -> None:
    if POSTGIS_CONTROL.exists() and (PG_BIN / "initdb").exists():
        return
    install_system_packages("PostGIS (or the PostgreSQL server)", [f"postgresql-{PG_VERSION}", POSTGIS_PACKAGE],
                            INSTALL_CMD, "set DATABASE_URL to an existing PostGIS database")


def _chown_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def cluster_running() -> bool:
    if not (PGDATA / "PG_VERSION").exists():
        return False
    result = subprocess.run(_as_owner([str(PG_BIN / "pg_ctl"), "-D", str(PGDATA), "status"]),
                            capture_output=True)
    return result.returncode == 0


def ensure_cluster(test_settings: bool = False) -> str:
    """Create and start the private cluster if needed; return the server URL (no database)."""
    ensure_postgis_installed()
    INSTANCE.mkdir(parents=True, exist_ok=True)
    sock = socket_dir()
    if not (PGDATA / "PG_VERSION").exists():
        log(f"creating a private PostgreSQL cluster in {PGDATA}")
        PGDATA.mkdir(parents=True, exist_ok=True)
        _chown_postgres(PGDATA)
        PGDATA.chmod(0o700)
        subprocess.run(_as_owner([str(PG_BIN / "initdb"), "-D", str(PGDATA), "-U", "postgres",
                                  "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL)
        settings = dict(SETTINGS, unix_socket_directories=f"'{sock}'")
        with open(PGDATA / "postgresql.auto.conf", "a") as conf:
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")
    sock.mkdir(parents=True, exist_ok=True)
    _chown_postgres(sock)
    if not cluster_running():
        log("starting PostgreSQL")
        opts = " ".join(f"-c {k}={v}" for k, v in TEST_SETTINGS.items()) if test_settings else ""
        subprocess.run(_as_owner([str(PG_BIN / "pg_ctl"), "-D", str(PGDATA), "-w", "-t", "60",
                                  "-l", str(PGDATA / "server.log"), "-o", opts, "start"]),
                       check=True, stdout=subprocess.DEVNULL)
    return f"postgresql+psycopg2://postgres@/{{db}}?host={quote(str(sock))}"


def restart_cluster() -> None:
    """Restart the running cluster with the options it was started with (postmaster.opts)."""
    subprocess.run(_as_owner([str(PG_BIN / "pg_ctl"), "-D", str(PGDATA), "-m", "fast", "-w", "-t", "60",
                              "-l", str(PGDATA / "server.log"), "restart"]), check=True, stdout=subprocess.DEVNULL)


def ensure_replication(url: str) -> None:
    """Make the private cluster of ``url`` able to feed a streaming replica over its unix socket, for a cluster
    made before that was asked of it: WAL for replicas and walsenders (ALTER SYSTEM and a restart, only when
    missing) and a pg_hba rule letting local connections replicate (appended and reloaded, only when missing).
    Idempotent; a no-op on a cluster that already can."""
    conn = psycopg2.connect(_dsn(url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting('wal_level'), current_setting('max_wal_senders')::int")
        wal_level, senders = cur.fetchone()
        cur.execute("SELECT count(*) FROM pg_hba_file_rules WHERE type = 'local' AND error IS NULL"
                    " AND 'replication' = ANY(database)")
        hba_rules = cur.fetchone()[0]
        restart = wal_level == "minimal" or senders < 2
        if restart:
            cur.execute("ALTER SYSTEM SET wal_level = 'replica'")
            cur.execute("ALTER SYSTEM SET max_wal_senders = 10")
        if not hba_rules:
            cur.execute("SELECT setting FROM pg_settings WHERE name = 'hba_file'")
            with open(cur.fetchone()[0], "a") as hba:
                hba.write("local   replication     all                                     trust\n")
            cur.execute("SELECT pg_reload_conf()")
            log("allowed local replication connections (pg_hba.conf)")
    conn.close()
    if restart:
        log("restarting PostgreSQL with wal_level=replica for a streaming replica")
        restart_cluster()


def stop_cluster() -> None:
    if cluster_running():
        subprocess.run(_as_owner([str(PG_BIN / "pg_ctl"), "-D", str(PGDATA), "-m", "fast", "-w", "stop"]),
                       check=True)
        log("PostgreSQL stopped")
    else:
        log("PostgreSQL is not running")


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """Create the database of ``url`` if it is missing, and the postgis extension in it."""
    u = make_url(url)
    try:
        conn = psycopg2.connect(_dsn(url))
    except psycopg2.OperationalError as exc:
        if f'database "{u.database}" does not exist' not in str(exc):
            raise
        admin = psycopg2.connect(_dsn(str(u.set(database="postgres"))))
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(u.database)))
        admin.close()
        log(f"created database {u.database}")
        conn = psycopg2.connect(_dsn(url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    conn.close()


def recreate_database(base_url: str, name: str) -> str:
    """Drop (forcing off any sessions) and re-create database ``name`` on the server of ``base_url``, with
    postgis; return its URL. For scratch databases only (benchmarks, backup tests)."""
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    admin = psycopg2.connect(_dsn(make_url(base_url).set(database="postgres").render_as_string(hide_password=False)))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.close()
    ensure_database(url)
    return url


def test_url_for(url: str) -> str:
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return explicit
    u = make_url(url)
    name = os.environ.get("TEST_DATABASE_NAME") or f"{u.database}_test"
    return u.set(database=name).render_as_string(hide_password=False)


def ensure(test: bool = False) -> str:
    started = time.monotonic()
    env_url = os.environ.get("DATABASE_URL")
    if env_url:
        url = env_url
    else:
        url = ensure_cluster(test_settings=test).format(db=DB_NAME)
        URL_FILE.write_text(url + "\n")
    target = test_url_for(url) if test else url
    ensure_database(target)
    log(f"database ready in {time.monotonic() - started:.1f} s")
    return target


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "ensure"
    if cmd == "ensure":
        print(ensure(test="--test" in argv))
    elif cmd == "stop":
        if os.environ.get("DATABASE_URL"):
            log("DATABASE_URL is set: no private cluster to stop")
        else:
            stop_cluster()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
