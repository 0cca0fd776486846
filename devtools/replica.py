"""A streaming replica (hot standby) of the private cluster, for the read-replica tests and for trying
``REPLICA_DATABASE_URL`` by hand.

``pg_basebackup -R`` copies the running cluster (``devtools/cluster.py``) into a directory of its own and writes
the standby settings; the standby starts there on its own unix socket (and port number), as the same OS user
as the primary, and streams the primary's WAL from then on.

    python -m devtools.replica start DIR     # idempotent; prints the replica's server URL ({db} for the database)
    python -m devtools.replica stop DIR
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg2
from sqlalchemy.engine import make_url

from devtools import cluster

DEFAULT_PORT = 5433
#: Seconds pg_ctl waits for the standby to accept connections.
START_WAIT = 600
STANDBY_SETTINGS = {"listen_addresses": "''", "hot_standby": "on", "logging_collector": "off",
                    # Never cancel a test's query for a conflicting change replayed meanwhile.
                    "max_standby_streaming_delay": "-1"}


def basebackup_missing() -> str | None:
    """Why a standby cannot be made here, or None."""
    tool = cluster.PG_BIN / "pg_basebackup"
    return None if tool.exists() else f"{tool} is missing (it comes with the PostgreSQL {cluster.PG_VERSION} server)"


class Standby:
    """A hot standby of the private cluster in ``datadir`` (made by ``create``)."""

    def __init__(self, datadir: Path, port: int = DEFAULT_PORT):
        self.datadir, self.port = Path(datadir), port
        self.sock = self.datadir / "sock"

    # --- addresses -------------------------------------------------------------------------------------------

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://postgres@/{database}?host={quote(str(self.sock))}&port={self.port}"

    def _dsn(self, database: str = "postgres") -> str:
        return f"host={self.sock} port={self.port} user=postgres dbname={database}"

    # --- life cycle ------------------------------------------------------------------------------------------

    def create(self, primary_url: str) -> None:
        """Copy the running primary of ``primary_url`` (streaming the WAL written meanwhile) and configure it as
        a standby of it. The directory must be missing or empty."""
        if (self.datadir / "PG_VERSION").exists():
            return
        cluster.ensure_replication(primary_url)
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.datadir.chmod(0o700)
        cluster._chown_postgres(self.datadir)
        primary = make_url(primary_url)
        host = primary.query.get("host") or primary.host or str(cluster.socket_dir())
        port = str(primary.port or 5432)
        subprocess.run(cluster._as_owner([
            str(cluster.PG_BIN / "pg_basebackup"), "-D", str(self.datadir), "-h", host, "-p", port,
            "-U", primary.username or "postgres", "-R", "-X", "stream", "-c", "fast", "--no-sync"]),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # The copy carries the primary's own settings (its socket directory among them): later lines win.
        settings = dict(STANDBY_SETTINGS, port=str(self.port), unix_socket_directories=f"'{self.sock}'")
        with open(self.datadir / "postgresql.auto.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        (self.datadir / "postmaster.pid").unlink(missing_ok=True)

    def running(self) -> bool:
        if not (self.datadir / "PG_VERSION").exists():
            return False
        return subprocess.run(cluster._as_owner([str(cluster.PG_BIN / "pg_ctl"), "-D", str(self.datadir),
                                                 "status"]), capture_output=True).returncode == 0

    def start(self) -> None:
        if self.running():
            return
        self.sock.mkdir(parents=True, exist_ok=True)
        cluster._chown_postgres(self.sock)
        opts = " ".join(f"-c {k}={v}" for k, v in cluster.TEST_SETTINGS.items())
        # A hot standby opens for reads only once no transaction on the primary has more subtransactions than
        # it can track (64): a long test transaction full of savepoints elsewhere on the cluster holds it back
        # until it ends, so wait long (and show the standby's log if it still does not open).
        done = subprocess.run(cluster._as_owner([str(cluster.PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-w",
                                                 "-t", str(START_WAIT), "-l", str(self.datadir / "server.log"),
                                                 "-o", opts, "start"]), stdout=subprocess.DEVNULL)
        if done.returncode != 0:
            log = self.datadir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
            raise RuntimeError(f"the standby did not open for reads within {START_WAIT} s:\n{tail}")

    def stop(self) -> None:
        if self.running():
            subprocess.run(cluster._as_owner([str(cluster.PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m",
                                              "fast", "-w", "stop"]), check=True, stdout=subprocess.DEVNULL)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)

    # --- replay ----------------------------------------------------------------------------------------------

    def _query(self, sql: str, *args):
        conn = psycopg2.connect(self._dsn())
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchone()[0] if cur.description else None
        finally:
            conn.close()

    def pause_replay(self) -> None:
        """Stop applying WAL (it is still received): whatever commits on the primary from now on is not seen
        here until ``resume_replay``."""
        self._query("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self._query("SELECT pg_wal_replay_resume()")

    def wait_until_replayed(self, primary_url: str, timeout: float = 60.0) -> None:
        """Wait until this standby has applied everything the primary had written when called."""
        conn = psycopg2.connect(cluster._dsn(primary_url))
        conn.autocommit = True
        with conn.cursor() as cur:
            # A transaction with an id, committed and flushed (the test cluster commits asynchronously): the
            # WAL up to here can be streamed, and the standby has a commit to replay (its replay timestamp).
            cur.execute("SET synchronous_commit = on")
            cur.execute("SELECT txid_current()")
            cur.execute("SELECT pg_current_wal_flush_lsn()::text")
            target = cur.fetchone()[0]
        conn.close()
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self._query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", target):
                    return
            except psycopg2.OperationalError:
                pass                                    # still starting
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby in {self.datadir} did not replay up to {target} "
                                   f"within {timeout:.0f} s (see {self.datadir / 'server.log'})")
            time.sleep(0.05)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] not in ("start", "stop"):
        print(__doc__)
        return 2
    standby = Standby(Path(argv[2]).resolve())
    if argv[1] == "start":
        missing = basebackup_missing()
        if missing:
            cluster.log(missing)
            return 2
        primary = cluster.ensure()
        standby.create(primary)
        standby.start()
        standby.wait_until_replayed(primary)
        print(standby.url("{db}"))
    else:
        standby.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
