"""What the processes of a load run cost, read from /proc: CPU by kind of process (for CPU per request) and
each gunicorn worker's resident memory (for the soak). Used by bench/wrk_load.py."""
from __future__ import annotations

import collections
import os
from pathlib import Path


def worker_memory(server) -> dict[int, float]:
    """Resident memory (MB) of each gunicorn worker."""
    mem = {}
    for pid in server.worker_pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        mem[pid] = kb / 1024
    return mem


def cpu_by_process() -> collections.Counter:
    """CPU seconds used so far by each kind of process on the machine (postgres, the gunicorn workers, nginx,
    wrk, ...), from /proc: the difference over a scenario, divided by its requests, is the CPU each request
    costs in each part of the stack."""
    tick = os.sysconf("SC_CLK_TCK")
    used = collections.Counter()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        kind = ("postgres" if name.startswith("postgres") else "gunicorn" if "kerbside" in name or "gunicorn"
                in name else name if name in ("nginx", "wrk", "redis-server", "pgbouncer") else "other")
        used[kind] += (int(fields[11]) + int(fields[12])) / tick
    return used


def cpu_line(before: collections.Counter, after: collections.Counter, requests: int,
             target_rate: float | None = None) -> str:
    """Milliseconds of CPU per request in each kind of process, and what the server's share (all but wrk, the
    client) bounds: the most requests a second this machine's cores could serve, were nothing else waited
    for, and the cores a target rate would need at this cost."""
    parts = sorted(((after[k] - before[k]) * 1000 / max(requests, 1), k) for k in after)
    line = "CPU per request: " + ", ".join(f"{k} {ms:.1f} ms" for ms, k in reversed(parts) if ms >= 0.05)
    server = sum(ms for ms, k in parts if k != "wrk")
    if server > 0:
        cores = os.cpu_count() or 1
        line += f"; server {server:.1f} ms: at most {cores * 1000 / server:,.0f}/s on {cores} cores"
        if target_rate:
            line += f", {target_rate:g}/s needs {target_rate * server / 1000:.1f} cores"
    return line


def memory_line(label: str, mem: dict[int, float]) -> str:
    return f"{label}: " + "  ".join(f"worker {pid} {mb:6.1f} MB" for pid, mb in mem.items())
