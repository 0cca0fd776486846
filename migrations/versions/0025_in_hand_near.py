"""neighbourhood: a GiST index of the reports a crew is on (assigned, in progress), by place

"Being fixed now" within 500 m of a place found them among every assigned or in-progress report of the borough
(25,000 at 1,000,000 reports) through the status index, then by place: ~100-250 ms. This partial index holds
only those reports, by place.

Revision ID: 0025
Revises: 0024
"""
from alembic import op
import sqlalchemy as sa

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reports_in_hand_geom", "reports", ["geom"], postgresql_using="gist",
                    postgresql_where=sa.text("status IN ('assigned', 'in_progress')"))


def downgrade() -> None:
    op.drop_index("ix_reports_in_hand_geom", table_name="reports")
