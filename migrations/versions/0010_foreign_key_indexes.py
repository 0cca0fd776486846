"""indexes behind the foreign keys that deletes follow

Deleting a report made PostgreSQL look for reports marked as its duplicate and for outbox mail about it
with a sequential scan each: at a million reports, deleting 8,400 bench reports ran for over ten minutes.
Deleting (or anonymising) an account did the same over report_events, supporters and subscriptions.
Partial indexes: most rows have no duplicate, no actor.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

#: (index, table, column, partial: only rows where the column is set)
INDEXES = [
    ("ix_reports_duplicate_of_id", "reports", "duplicate_of_id", True),
    ("ix_outbox_report_id", "outbox", "report_id", True),
    ("ix_report_events_actor_id", "report_events", "actor_id", True),
    ("ix_report_contacts_api_key_id", "report_contacts", "api_key_id", True),
    ("ix_supporters_user_id", "supporters", "user_id", False),
    ("ix_subscriptions_user_id", "subscriptions", "user_id", False),
]


def upgrade() -> None:
    for name, table, column, partial in INDEXES:
        op.create_index(name, table, [column],
                        postgresql_where=sa.text(f"{column} IS NOT NULL") if partial else None)


def downgrade() -> None:
    for name, table, _column, _partial in INDEXES:
        op.drop_index(name, table_name=table)
