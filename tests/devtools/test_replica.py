"""devtools.cluster.ensure_replication: a cluster that can already feed a replica is left exactly as it is."""
import psycopg2

from devtools import cluster


def _state(url: str) -> tuple:
    conn = psycopg2.connect(cluster._dsn(url))
    with conn.cursor() as cur:
        cur.execute("SELECT pg_postmaster_start_time(), current_setting('wal_level'),"
                    " current_setting('max_wal_senders'), current_setting('hba_file')")
        started, wal_level, senders, hba_file = cur.fetchone()
    conn.close()
    with open(hba_file) as hba:
        return started, wal_level, senders, hba.read()


def test_a_cluster_that_can_replicate_is_not_restarted_nor_its_rules_changed(database_url):
    cluster.ensure_replication(database_url)        # the first call may fix an older cluster
    before = _state(database_url)
    cluster.ensure_replication(database_url)
    assert _state(database_url) == before
    assert before[1] == "replica" and int(before[2]) >= 2
    assert "local   replication" in before[3]
