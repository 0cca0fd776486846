"""`make bench`: fill kerbside_bench with 1,000,000 reports if it holds fewer, then run the maps benchmark."""
import sys

import psycopg2

from devtools import cluster

from . import fill, maps


def main() -> None:
    url = fill.bench_url()
    fill.prepare(url)
    with psycopg2.connect(cluster._dsn(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM reports")
        have = cur.fetchone()[0]
    if have < 1_000_000:
        fill.fill(url, 1_000_000, 3)
    sys.argv = sys.argv[:1]
    maps.main()


if __name__ == "__main__":
    main()
