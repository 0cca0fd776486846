"""Every submission a load run had acknowledged is stored exactly once (bench/wrk_load.py): found by the run's
client tokens (form) or descriptions (Open311), and removed afterwards."""
from __future__ import annotations

import collections

import psycopg2

from devtools import cluster


def check_stored(url: str, sessions: list[dict], run: str, web_acked: list[str], api_acked: list[str],
                 in_flight: dict[str, int]) -> tuple[bool, str]:
    """Every acknowledged submission stored once, and nothing stored twice. wrk stops at the end of its time
    without reading the answers still on the way, so up to one request per connection (``in_flight``) may be
    stored without an acknowledgement seen."""
    conn = psycopg2.connect(cluster._dsn(url))
    with conn.cursor() as cur:
        cur.execute("SELECT reference, client_token FROM reports WHERE substr(client_token, 1, 32) = ANY(%s)",
                    ([s["token"] for s in sessions],))
        web = cur.fetchall()
        cur.execute("SELECT reference, description FROM reports WHERE channel = 'open311' AND description LIKE %s",
                    (f"Bench {run} %",))
        api = cur.fetchall()
        ids = [r for r, _ in web + api]
        cur.execute("SELECT count(*) FROM reports r WHERE r.reference = ANY(%s) AND NOT EXISTS "
                    "(SELECT 1 FROM report_events e WHERE e.report_id = r.id)", (ids,))
        half = cur.fetchone()[0]
    conn.close()
    lines, ok = [], half == 0
    for name, acked, rows in (("form", web_acked, web), ("Open311", api_acked, api)):
        stored = collections.Counter(ref for ref, _ in rows)
        keys = collections.Counter(key for _, key in rows)
        missing = set(acked) - set(stored)
        twice = [k for k, n in keys.items() if n > 1] + [r for r, n in collections.Counter(acked).items() if n > 1]
        unanswered = len(set(stored) - set(acked))
        ok &= not missing and not twice and unanswered <= in_flight[name]
        lines.append(f"{name}: {len(acked)} acknowledged, {len(rows)} stored, {len(missing)} acknowledged but "
                     f"missing, {len(twice)} stored twice, {unanswered} stored but unanswered when wrk stopped")
    lines.append(f"reports without their first timeline entry: {half}")
    return ok, "; ".join(lines)


def remove_run(url: str, sessions: list[dict], run: str) -> None:
    conn = psycopg2.connect(cluster._dsn(url))
    with conn, conn.cursor() as cur:
        cur.execute("DELETE FROM reports WHERE substr(client_token, 1, 32) = ANY(%s) OR "
                    "(channel = 'open311' AND description LIKE %s)", ([s["token"] for s in sessions], f"Bench {run} %"))
    conn.close()
