"""Load through the production layout, measured by wrk (a native load generator: the client does not eat the
server's CPU): nginx from the system packages (deploy/nginx/kerbside-locations.conf) in front of gunicorn
(deploy/gunicorn.conf.py) on loopback, against the 1M-report bench database (or the dev database).

    .venv/bin/python -m bench.wrk_load [--duration 30] [--workers 4] [--dev]
    .venv/bin/python -m bench.wrk_load --soak 20            # mixed load; each worker's memory every minute
    .venv/bin/python -m bench.wrk_load --pgbouncer          # gunicorn -> PgBouncer (transaction mode) -> PostgreSQL

Scenarios, each for --duration seconds (Lua scripts in bench/wrk/):
  baseline     GET /healthz of bench/trivial.py under the same gunicorn and nginx (the ratio's denominator)
  POST /report the report form without a photo, 50 connections, signed-in residents: sessions (cookie, CSRF
               token, form token) made beforehand by logging in and a GET of the form each. First as fast as
               the 50 connections get answers (closed loop: the most the server takes a second; its latency
               is then the queue's, 50 / rate by Little's law), then at 200 a second over the same 50
               connections (open loop, as wrk2: latency counted from when each request was due, so a server
               falling behind is charged for the wait). The rate target is the first's, p95 the second's.
  Open311 POST requests.json with an API key, 50 connections
  mixed        20 connections posting the form and 50 reading public pages at once (two wrk processes); the
               readers have no cookie, as most visitors, so nginx may give them a copy kept for a few seconds
               (portal/shared_cache.py). Then the same again with each reader signed in (a resident's session
               cookie): every page drawn by the app. The target is for the first; the second is printed beside.
Then every acknowledged submission (302 to its "sent" page, or 201 with its id) must be stored exactly once:
rows are found by the client tokens (form) or descriptions (Open311) of this run, and removed afterwards
unless --keep. Rate limits are off (every connection comes from one loopback address).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import psycopg2
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from devtools import cluster, nginx, pgbouncer
from models import PUBLIC
from portal.services.apikeys import create_key, revoke_key

from . import fill
from .harness import Resident, gunicorn_process, make_users, sample_points, say
from .proc_usage import cpu_by_process, cpu_line, memory_line, worker_memory
from .stored_once import check_stored, remove_run

WRK_DIR = Path(__file__).resolve().parent / "wrk"
#: The targets of issue 15 on this 2-core machine.
TARGETS = {"post": (200, None), "post-paced": (200, 150), "open311": (300, None), "mixed-read": (None, 150)}
#: An open-loop run counts as at its rate when it delivered this share of it (the last interval's requests may
#: still be on their way when wrk stops).
PACED_SHARE = 0.97
#: The scenario letters of the open-loop runs (one per rate: the letter is in each submission's token).
PACED_LETTERS = ("q", "x", "y", "z")
#: As Debian's /etc/nginx/nginx.conf: one nginx worker per core. With one, the worker waits its turn for a core
#: behind gunicorn and postgres, and every answer nginx gives from its cache waits with it.
NGINX_WORKERS = "auto"
#: wrk's nice value, relative to the bench's (see _before_the_server).
WRK_NICE = -10
#: wrk stops at the end of its time without waiting for the answers on their way: let the server finish
#: them before the next scenario starts.
DRAIN_SECONDS = 3.0
#: A street-zoom box (~500 x 400 m) in Catford, as a map at zoom 16 asks for.
STREET_BOX = "-0.0240,51.4430,-0.0170,51.4470"


def ensure_wrk() -> str:
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() != 0:
        raise SystemExit("wrk is not installed: sudo apt-get install -y wrk")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=300", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-qq", "wrk"], check=True, env=env)
    return shutil.which("wrk")


def lua(value) -> str:
    """A Python value (str, number, list, dict with str keys) as a Lua constructor."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {lua(v)}" for k, v in value.items()) + "}"
    return "{" + ", ".join(lua(v) for v in value) + "}"


def make_sessions(base: str, emails: list[str]) -> list[dict]:
    """A signed-in session per resident: its cookie, and the CSRF and form tokens of a GET of the form."""
    def one(email: str) -> dict:
        r = Resident(base, email, timeout=120)
        r.login()
        csrf, token = r.form()
        cookie = "; ".join(f"{c.name}={c.value}" for c in r.http.cookies)
        return {"cookie": cookie, "csrf": csrf, "token": token}
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, emails))


def public_paths(url: str) -> list[str]:
    """Public pages a reader visits in turn: home, map page, a street-zoom map query, reports, a ward page,
    performance, an Open311 list."""
    conn = psycopg2.connect(cluster._dsn(url))
    with conn.cursor() as cur:
        cur.execute("SELECT reference FROM reports WHERE status::text = ANY(%s) AND NOT hidden "
                    "ORDER BY id DESC LIMIT 5", ([s.value for s in PUBLIC],))
        refs = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT code FROM wards ORDER BY code LIMIT 2")
        wards = [r[0] for r in cur.fetchall()]
    conn.close()
    return (["/", "/map", f"/api/map?bbox={STREET_BOX}", "/performance",
             "/open311/v2/requests.json?service_code=fly_tipping&page_size=20"]
            + [f"/reports/{r}" for r in refs] + [f"/wards/{w}" for w in wards])


def _before_the_server() -> None:
    """wrk is the measuring instrument: on a machine whose cores the server keeps busy, it must not wait its turn
    for a core behind gunicorn and postgres, or their queue shows up as latency of answers nginx gave at once.
    It runs before them (a lower nice value) where the bench may raise priority (as root)."""
    try:
        os.nice(WRK_NICE)
    except PermissionError:
        pass


class Wrk:
    """Runs the Lua scenarios against one base URL; each run's acknowledgements land in ``out``."""

    def __init__(self, binary: str, data_file: Path, out: Path):
        self.binary, self.data_file, self.out = binary, data_file, out

    def start(self, script: str, scenario: str, base: str, connections: int, seconds: float,
              threads: int = 1, signed_in: bool = False, rate: float | None = None) -> subprocess.Popen:
        env = dict(os.environ, KERBSIDE_WRK_DATA=str(self.data_file), KERBSIDE_WRK_OUT=str(self.out),
                   KERBSIDE_WRK_SCENARIO=scenario, KERBSIDE_WRK_DIR=str(WRK_DIR))
        if signed_in:
            env["KERBSIDE_WRK_SIGNED_IN"] = "1"
        if rate:
            # Open loop: a connection per thread, each on its own schedule (bench/wrk/post_paced.lua).
            env.update(KERBSIDE_WRK_RATE=str(rate), KERBSIDE_WRK_CONNECTIONS=str(connections))
            threads = connections
        return subprocess.Popen([self.binary, f"-t{min(threads, connections)}", f"-c{connections}",
                                 f"-d{max(1, round(seconds))}s", "--timeout", "30s", "-s", str(WRK_DIR / script),
                                 base + "/"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=_before_the_server)

    @staticmethod
    def result(proc: subprocess.Popen) -> dict:
        out, err = proc.communicate()
        line = next((ln for ln in reversed(out.splitlines()) if ln.startswith("{")), None)
        if proc.returncode or line is None:
            raise RuntimeError(f"wrk failed ({proc.returncode}):\n{out[-2000:]}\n{err[-2000:]}")
        r = json.loads(line)
        r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
        r["errors"] = r["status"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
        return r

    def run(self, *args, target_rate: float | None = None, **kw) -> dict:
        before = cpu_by_process()
        result = self.result(self.start(*args, **kw))
        result["cpu"] = cpu_line(before, cpu_by_process(), result["requests"], target_rate)
        time.sleep(DRAIN_SECONDS)
        return result

    def paced(self, scenario: str, r: dict) -> dict:
        """An open-loop run's latencies from when each request was due (each answer's line in the acknowledgement
        files ends with it), in place of wrk's."""
        due = sorted(int(line.split()[1]) for path in self.out.glob(f"{scenario}-*.txt")
                     for line in path.read_text().splitlines() if len(line.split()) == 2)
        if due:
            def pick(q: float) -> int:
                return due[min(len(due) - 1, int(q * len(due)))]
            r.update(p50_us=pick(0.50), p95_us=pick(0.95), p99_us=pick(0.99), max_us=due[-1])
        return r

    def acknowledged(self, scenario: str) -> tuple[list[str], collections.Counter]:
        refs, refused = [], collections.Counter()
        for path in self.out.glob(f"{scenario}-*.txt"):
            for line in path.read_text().splitlines():
                answer = line.split()[0] if line.strip() else ""
                if answer.startswith("!"):
                    refused[answer[1:]] += 1
                elif answer:
                    refs.append(answer)
        return refs, refused


def row(name: str, conns: int, r: dict, baseline: float | None, target: str = "", verdict: str = "") -> str:
    ratio = f"{r['rps'] / baseline:6.3f}" if baseline else "     -"
    return (f"{name:<30} {conns:>5} {r['rps']:>9.1f} {r['p50_us'] / 1000:>8.1f} {r['p95_us'] / 1000:>8.1f} "
            f"{r['p99_us'] / 1000:>8.1f} {r['errors']:>7} {ratio:>8}  {target:<22} {verdict}")


def verdict(r: dict, key: str) -> tuple[str, str]:
    rate, p95 = TARGETS[key]
    parts, met = [], r["errors"] == 0 and r["requests"] > 0
    if rate and key.endswith("-paced"):
        parts.append(f"at {rate}/s")
        met &= r["rps"] >= rate * PACED_SHARE
    elif rate:
        parts.append(f">= {rate}/s")
        met &= r["rps"] >= rate
    if p95:
        parts.append(f"p95 < {p95} ms")
        met &= r["p95_us"] / 1000 < p95
    return ", ".join(parts) + (", no errors" if key != "mixed-read" else ""), "met" if met else "NOT MET"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=30, help="seconds per scenario")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    ap.add_argument("--dev", action="store_true", help="the dev database instead of kerbside_bench (1M)")
    ap.add_argument("--writers", type=int, default=50)
    ap.add_argument("--open311-connections", type=int, default=50)
    ap.add_argument("--mixed-writers", type=int, default=20)
    ap.add_argument("--readers", type=int, default=50)
    ap.add_argument("--rates", type=float, nargs="+", default=[200.0], metavar="PER_SECOND",
                    help="the open-loop POST /report runs' rates (at most 4; 200 is the target's)")
    ap.add_argument("--soak", type=float, metavar="MINUTES", help="only the mixed load, this long, printing "
                    "each worker's memory every minute")
    ap.add_argument("--sample-seconds", type=float, default=60, help=argparse.SUPPRESS)
    ap.add_argument("--only", choices=("post", "open311", "mixed"), action="append",
                    help="only these scenarios (and the baseline); may be given more than once")
    ap.add_argument("--warmup", type=float, default=5, help="seconds of unmeasured mixed load before the "
                    "scenarios (0: none)")
    ap.add_argument("--keep", action="store_true", help="keep the reports the run made")
    ap.add_argument("--pgbouncer", action="store_true", help="gunicorn reaches PostgreSQL through PgBouncer in "
                    "transaction mode (deploy/pgbouncer/pgbouncer.ini's pool settings), as in production")
    args = ap.parse_args()
    if len(args.rates) > len(PACED_LETTERS) or min(args.rates) <= 0:
        ap.error(f"--rates: 1 to {len(PACED_LETTERS)} rates above 0")

    binary = ensure_wrk()
    nginx.ensure_installed()
    if args.dev:
        url = cluster.ensure()
    else:
        url = fill.bench_url()
        fill.prepare(url)
    conn = psycopg2.connect(cluster._dsn(url))
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM reports")
        total = cur.fetchone()[0]
    conn.close()
    say(f"database {make_url(url).database}: {total:,} reports; gunicorn -w {args.workers} behind nginx"
        f"{', PgBouncer (transaction pooling) to PostgreSQL' if args.pgbouncer else ''}; {os.cpu_count()} cores")
    if not args.dev and total < 1_000_000:
        say("  (the targets are for 1,000,000 reports: fill it first with `.venv/bin/python -m bench.fill`)")

    run = uuid.uuid4().hex[:8]
    emails = make_users(url, max(args.writers, args.mixed_writers))
    engine = create_engine(url)
    key_name = f"bench-{run}"
    with Session(engine) as s:
        _record, api_key = create_key(s, key_name)
    work = Path(tempfile.mkdtemp(prefix="kerbside-wrk-"))
    data_file = work / "data.lua"
    wrk = Wrk(binary, data_file, work)
    results: dict[str, tuple[int, dict]] = {}
    sessions: list[dict] = []
    samples: list[tuple[str, dict[int, float]]] = []
    try:
        # The baseline, under the same gunicorn settings and nginx.
        data_file.write_text("return " + lua({"run": run}) + "\n")
        with gunicorn_process("bench.trivial:app", {}, args.workers) as trivial, \
                nginx.running(trivial.upstream, trivial.photo_dir, access_log=False,
                              worker_processes=NGINX_WORKERS) as web:
            results["baseline"] = (args.writers, wrk.run("trivial.lua", "t", web.base, args.writers,
                                                         args.duration))
        with ExitStack() as stack:
            app_url = stack.enter_context(pgbouncer.running(url)).url if args.pgbouncer else url
            server = stack.enter_context(gunicorn_process("portal.app:create_app()", {"DATABASE_URL": app_url},
                                                          args.workers, behind_nginx=True))
            web = stack.enter_context(nginx.running(server.upstream, server.photo_dir, access_log=False,
                                                    worker_processes=NGINX_WORKERS))
            sessions = make_sessions(web.base, emails)
            paths = public_paths(url)
            data_file.write_text("return " + lua({
                "run": run, "api_key": api_key, "sessions": sessions,
                "points": [[f"{lat:.6f}", f"{lon:.6f}"] for lat, lon in sample_points(url, 500)],
                "read_paths": paths}) + "\n")
            say(f"{len(sessions)} sessions made through nginx; readers visit {len(paths)} pages in turn")
            if args.warmup > 0:
                # Unmeasured: every worker opens its database connections (the first PostGIS call of each
                # backend loads PROJ, ~65 ms), compiles its statements and fills its caches, as a server in
                # service has long done. Its submissions are checked with the rest.
                # Readers of both kinds: signed in (the workers draw every page) and without a cookie (nginx
                # keeps the pages they were given, as it has for a site in service).
                say(f"warming up for {args.warmup:g} s (mixed load, not measured) ...")
                warm = [wrk.start("post_report.lua", "w", web.base, args.mixed_writers, args.warmup),
                        wrk.start("read_pages.lua", "v", web.base, args.readers // 2, args.warmup, signed_in=True),
                        wrk.start("read_pages.lua", "v", web.base, args.readers - args.readers // 2, args.warmup)]
                for proc in warm:
                    wrk.result(proc)
                time.sleep(DRAIN_SECONDS)
            if args.soak:
                seconds = args.soak * 60
                writers = wrk.start("post_report.lua", "m", web.base, args.mixed_writers, seconds)
                # Readers signed in: the app draws every page, the harder test of its memory.
                readers = wrk.start("read_pages.lua", "r", web.base, args.readers, seconds, signed_in=True)
                started = time.monotonic()
                n = 0
                while True:
                    samples.append((f"minute {n * args.sample_seconds / 60:5.1f}", worker_memory(server)))
                    say(memory_line(*samples[-1]))
                    n += 1
                    wait = started + n * args.sample_seconds - time.monotonic()
                    if time.monotonic() - started >= seconds or (writers.poll() is not None
                                                                 and readers.poll() is not None):
                        break
                    time.sleep(max(0.0, min(wait, started + seconds - time.monotonic())))
                results["mixed-write-signed-in"] = (args.mixed_writers, wrk.result(writers))
                results["mixed-read-signed-in"] = (args.readers, wrk.result(readers))
                samples.append(("end         ", worker_memory(server)))
                say(memory_line(*samples[-1]))
            else:
                only = set(args.only or ("post", "open311", "mixed"))
                if "post" in only:
                    say("POST /report ...")
                    results["post"] = (args.writers, wrk.run("post_report.lua", "p", web.base, args.writers,
                                                             args.duration, target_rate=TARGETS["post"][0]))
                    for rate, letter in zip(args.rates, PACED_LETTERS):
                        say(f"POST /report at {rate:g}/s ...")
                        key = "post-paced" if rate == TARGETS["post-paced"][0] else f"post-paced {rate:g}"
                        results[key] = (args.writers, wrk.paced(letter, wrk.run(
                            "post_paced.lua", letter, web.base, args.writers, args.duration, rate=rate)))
                        results[key][1]["rate"] = rate
                if "open311" in only:
                    say("Open311 POST ...")
                    results["open311"] = (args.open311_connections, wrk.run(
                        "open311_post.lua", "o", web.base, args.open311_connections, args.duration,
                        target_rate=TARGETS["open311"][0]))
                if "mixed" in only:
                    # Readers without a cookie (most visitors), then the same with a resident's session each.
                    for suffix, signed_in, letters in (("", False, "mr"), ("-signed-in", True, "ns")):
                        say(f"mixed: writers and readers at once{', readers signed in' if signed_in else ''} ...")
                        before = cpu_by_process()
                        writers = wrk.start("post_report.lua", letters[0], web.base, args.mixed_writers,
                                            args.duration)
                        readers = wrk.start("read_pages.lua", letters[1], web.base, args.readers, args.duration,
                                            signed_in=signed_in)
                        results["mixed-write" + suffix] = (args.mixed_writers, wrk.result(writers))
                        results["mixed-read" + suffix] = (args.readers, wrk.result(readers))
                        both = (results["mixed-write" + suffix][1]["requests"]
                                + results["mixed-read" + suffix][1]["requests"])
                        results["mixed-read" + suffix][1]["cpu"] = (cpu_line(before, cpu_by_process(), both)
                                                                    + " (both kinds)")
                        time.sleep(DRAIN_SECONDS)

        web_acked, web_refused = [], collections.Counter()
        for scenario in ("p", "m", "n", "w", *PACED_LETTERS):
            refs, refused = wrk.acknowledged(scenario)
            web_acked += refs
            web_refused += refused
        api_acked, api_refused = wrk.acknowledged("o")
        in_flight = {"form": sum(results[k][0] for k in results
                                 if k.startswith("post") or k.startswith("mixed-write"))
                     + (args.mixed_writers if args.warmup > 0 else 0),
                     "Open311": results["open311"][0] if "open311" in results else 0}
        ok, detail = check_stored(url, sessions, run, web_acked, api_acked, in_flight)

        baseline = results["baseline"][1]["rps"]
        say("")
        say(f"{'scenario (through nginx)':<30} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'errors':>7} {'x trivial':>8}  {'target (issue 15)':<22} verdict")
        names = {"baseline": "GET /healthz, trivial app", "post": "POST /report, no photo",
                 "post-paced": f"POST /report at {TARGETS['post-paced'][0]}/s",
                 **{k: f"POST /report at {k.split()[-1]}/s" for k in results if k.startswith("post-paced ")},
                 "open311": "POST Open311 requests.json", "mixed-write": "mixed: POST /report",
                 "mixed-read": "mixed: public pages",
                 "mixed-write-signed-in": "mixed, signed in: POST", "mixed-read-signed-in": "mixed, signed in: pages"}
        paced = sorted((k for k in results if k.startswith("post-paced")), key=lambda k: results[k][1]["rate"])
        order = ("baseline", "post", *paced, "open311", "mixed-write", "mixed-read", "mixed-write-signed-in",
                 "mixed-read-signed-in")
        for key in order:
            if key not in results:
                continue
            conns, r = results[key]
            target, met = verdict(r, key) if key in TARGETS else ("", "")
            say(row(names[key], conns, r, None if key == "baseline" else baseline, target, met))
        for key in order:
            if key in results and "cpu" in results[key][1]:
                say(f"{names[key]:<30} {results[key][1]['cpu']}")
        say(f"{'every acknowledged report stored once':<84} {'met' if ok else 'NOT MET'}")
        say(f"  {detail}")
        if web_refused or api_refused:
            say(f"  refused answers: form {dict(web_refused)}, Open311 {dict(api_refused)}")
        if samples:
            # From the first sample after a minute's warm-up (or the first), to the end.
            first, last = samples[min(1, len(samples) - 1)][1], samples[-1][1]
            growth = [f"worker {pid} {last[pid] - mb:+.1f} MB" for pid, mb in first.items() if pid in last]
            say(f"soak: memory per worker from {samples[min(1, len(samples) - 1)][0].strip()} to the end: "
                f"{', '.join(growth) or 'no worker lived through the soak'}")
        return 0 if ok else 1
    finally:
        if sessions and not args.keep:
            remove_run(url, sessions, run)
        with Session(engine) as s:
            revoke_key(s, key_name)
        engine.dispose()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
