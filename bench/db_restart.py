"""Fault: the database stops in the middle of a load and comes back.

Asserts: while it is down, requests get a clear 503 (never a 500); the portal recovers by itself; every
report a client was told about is stored exactly once (clients retry with the same submission token, as a
browser resubmitting does); no report is half-written. Needs the private cluster (not DATABASE_URL).

    .venv/bin/python -m bench.db_restart [--clients 20] [--seconds 20] [--down 4]
"""
from __future__ import annotations

import argparse
import collections
import subprocess
import threading
import time

import requests

from devtools import cluster

from .harness import (FormUnavailable, Resident, gunicorn, make_users, reference_from, sample_points, say, scratch_database,
                      stored_references, half_written)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--down", type=float, default=4)
    args = ap.parse_args()
    import os
    if os.environ.get("DATABASE_URL"):
        say("needs the private cluster: unset DATABASE_URL")
        return 2
    url = scratch_database("kerbside_faults")
    emails = make_users(url, args.clients)
    points = sample_points(url)
    statuses = collections.Counter()
    outage_statuses = collections.Counter()
    acked: list[str] = []
    acked_at: list[float] = []
    back_at = [float("inf")]
    lock = threading.Lock()
    down = threading.Event()
    stop_at = time.monotonic() + args.seconds

    with gunicorn("portal.app:create_app()", {"DATABASE_URL": url}) as base:
        def writer(i: int, email: str):
            r = Resident(base, email, timeout=60)
            r.login()
            n = 0
            while time.monotonic() < stop_at:
                n += 1
                csrf = token = None
                for _attempt in range(200):          # a patient browser: retry the same submission
                    try:
                        if csrf is None:
                            csrf, token = r.form()
                        resp = r.submit(csrf, token, points[(i * 997 + n) % len(points)], None)
                        code = resp.status_code
                    except FormUnavailable as exc:
                        code = f"form page {exc.status}"
                    except requests.RequestException:
                        code = "no answer"
                    with lock:
                        statuses[code] += 1
                        if code == "form page 500":
                            statuses[500] += 1
                        if down.is_set():
                            outage_statuses[code] += 1
                    ref = reference_from(resp) if code == 302 else None
                    if ref:
                        with lock:
                            acked.append(ref)
                            acked_at.append(time.monotonic())
                        break
                    time.sleep(0.25)

        threads = [threading.Thread(target=writer, args=(i, e)) for i, e in enumerate(emails)]
        [t.start() for t in threads]
        time.sleep(args.seconds / 4)
        pg_ctl = cluster._as_owner([str(cluster.PG_BIN / "pg_ctl"), "-D", str(cluster.PGDATA), "-m", "fast", "-w"])
        down.set()
        t0 = time.monotonic()
        subprocess.run(pg_ctl + ["stop"], check=True, stdout=subprocess.DEVNULL)
        say(f"database stopped at t={args.seconds / 4:.0f}s for {args.down:.0f}s")
        time.sleep(args.down)
        subprocess.run(pg_ctl + ["-l", str(cluster.PGDATA / "server.log"), "start"], check=True,
                       stdout=subprocess.DEVNULL)
        down.clear()
        back_at[0] = time.monotonic()
        say(f"database back after {time.monotonic() - t0:.1f}s")
        [t.join() for t in threads]
        health = requests.get(base + "/healthz", timeout=10).status_code

    stored = stored_references(url)
    say(f"responses: {dict(statuses)}")
    say(f"responses while the database was down: {dict(outage_statuses)}")
    say(f"acknowledged after recovery: {sum(t > back_at[0] for t in acked_at)}")
    say(f"acknowledged {len(acked)}, stored {len(stored)}, distinct {len(set(stored))}, "
        f"half-written {half_written(url)}, /healthz after: {health}")
    checks = {
        "503 (not 500) while down": outage_statuses.get(503, 0) + outage_statuses.get("form page 503", 0) > 0
                                    and statuses.get(500, 0) == 0
                                    and not any(str(k).endswith("500") for k in statuses),
        "recovered by itself (reports accepted again)": health == 200 and any(t > back_at[0] for t in acked_at),
        "acknowledged == stored, once each": bool(acked) and sorted(acked) == sorted(stored)
                                             and len(set(stored)) == len(stored),
        "no half-written report": half_written(url) == 0,
    }
    for name, ok in checks.items():
        say(f"CHECK {name}: {'PASS' if ok else 'FAIL'}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
