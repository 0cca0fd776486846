"""Whether a streaming replica may serve public reads now: it answers, it is a standby, and it is not further
behind the primary than the bound. Asked at most every ``check_every`` seconds and remembered per process.

Lag: when the replica has replayed the primary's current WAL write position (``pg_current_wal_lsn()``: with
``synchronous_commit`` on, PostgreSQL's default, every acknowledged commit is before it) it is not behind at all (an idle primary
does not make an idle replica stale); otherwise the lag is the time since the last transaction it replayed
was committed (``pg_last_xact_replay_timestamp()``). That overstates the lag just after a quiet spell on the
primary, which only sends reads to the primary a little longer than needed: the safe side.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("kerbside.replica")

_PRIMARY_POSITION = text("SELECT pg_current_wal_lsn()::text")
_REPLICA_STATE = text(
    "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(CAST(:lsn AS pg_lsn), pg_last_wal_replay_lsn()),"
    " extract(epoch FROM now() - pg_last_xact_replay_timestamp())")


@dataclass(frozen=True)
class ReplicaState:
    usable: bool
    reason: str
    lag_seconds: float | None = None


class ReplicaRouter:
    """Hands out replica connections while the replica is usable; ``None`` means: read the primary."""

    def __init__(self, primary: Engine, replica: Engine, max_lag_seconds: float, check_every_seconds: float):
        self.primary, self.replica = primary, replica
        self.max_lag, self.check_every = max_lag_seconds, check_every_seconds
        self.state = ReplicaState(False, "not checked yet")
        self._checked_at = -math.inf
        self._lock = threading.Lock()

    def connection(self) -> Connection | None:
        """A connection to the replica when it may be read now, else None. Never raises for a replica that is
        down: the failure is remembered until the next check and the caller reads the primary."""
        if not self._current_state().usable:
            return None
        try:
            return self.replica.connect()
        except DBAPIError as exc:
            self._remember(ReplicaState(False, f"the replica does not answer ({_first_line(exc)})"))
            return None

    def _current_state(self) -> ReplicaState:
        # One thread checks; the others go on with the last answer rather than wait for it.
        if time.monotonic() - self._checked_at >= self.check_every and self._lock.acquire(blocking=False):
            try:
                self._remember(self.check())
            finally:
                self._lock.release()
        return self.state

    def _remember(self, state: ReplicaState) -> None:
        if state.usable != self.state.usable:
            if state.usable:
                log.info("public reads go to the replica again (%s)", state.reason)
            else:
                log.warning("public reads go to the primary: %s", state.reason)
        self.state, self._checked_at = state, time.monotonic()

    def check(self) -> ReplicaState:
        """Ask both servers now."""
        try:
            with self.primary.connect() as conn:
                position = conn.execute(_PRIMARY_POSITION).scalar_one()
        except DBAPIError as exc:
            return ReplicaState(False, f"the primary's WAL position is unknown ({_first_line(exc)})")
        try:
            with self.replica.connect() as conn:
                in_recovery, behind_bytes, since_replay = conn.execute(_REPLICA_STATE, {"lsn": position}).one()
        except DBAPIError as exc:
            return ReplicaState(False, f"the replica does not answer ({_first_line(exc)})")
        if not in_recovery:
            return ReplicaState(False, "the replica is not a standby (promoted, or the primary itself)")
        if behind_bytes is not None and behind_bytes <= 0:
            return ReplicaState(True, "caught up", 0.0)
        lag = math.inf if since_replay is None else max(float(since_replay), 0.0)
        if lag > self.max_lag:
            return ReplicaState(False, f"the replica is {lag:.1f} s behind (bound {self.max_lag} s)", lag)
        return ReplicaState(True, f"{lag:.1f} s behind", lag)


def _first_line(exc: BaseException) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip()
    return message.splitlines()[0][:200] if message else type(exc).__name__
