"""Child servers the tests and benches start (nginx, PgBouncer): wait until one listens, stop it."""
from __future__ import annotations

import signal
import socket
import subprocess
import time
from typing import Callable


def wait_listening(proc: subprocess.Popen, port: int, name: str, timeout: float, why: Callable[[], str]) -> None:
    """Return once 127.0.0.1:``port`` accepts connections; raise if ``proc`` exits first (with ``why()``, its
    logs) or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}: {why()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not listen within {timeout:.0f} s")
            time.sleep(0.05)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Ask ``proc`` to stop with ``sig``; kill it after 10 s."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
