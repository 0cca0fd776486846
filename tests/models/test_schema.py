"""The schema as migrated: every foreign key a delete has to follow is indexed, so deleting a report or an
account does not scan a large table once per row."""
from sqlalchemy import text

#: Foreign keys deliberately left without an index: the referenced rows are (practically) never deleted and
#: an index would cost every report insert (summary tables) or is on a tiny table.
UNINDEXED_ON_PURPOSE = {
    ("perf_daily", "ward_id"), ("perf_fix_hours", "ward_id"), ("perf_fix_hours_monthly", "ward_id"),
    ("hex_daily", "ward_id"), ("response_templates", "category_id"),
    ("perf_due_daily", "ward_id"), ("perf_due_monthly", "ward_id"), ("perf_flow_daily", "ward_id"),
}

FOREIGN_KEYS = text("""
SELECT c.conrelid::regclass::text, a.attname,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f'
""")


def test_foreign_keys_that_deletes_follow_are_indexed(db_session):
    keys = {(table, column): indexed for table, column, indexed in db_session.execute(FOREIGN_KEYS)}
    assert ("reports", "duplicate_of_id") in keys and len(keys) > 15          # the query sees the schema
    missing = sorted(k for k, indexed in keys.items() if not indexed and k not in UNINDEXED_ON_PURPOSE)
    assert missing == [], f"foreign keys without an index: {missing}"
    assert UNINDEXED_ON_PURPOSE <= set(keys), "the allow-list names a key that no longer exists"
