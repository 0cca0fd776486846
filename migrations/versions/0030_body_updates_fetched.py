"""bodies: when their updates were last fetched

Kerbside asks each body it sends reports to for its ``servicerequestupdates`` (services/body_updates.py); the
next round asks from this moment (less a margin for updates committed late).

Revision ID: 0030
Revises: 0029
"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bodies", sa.Column("updates_fetched_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("bodies", "updates_fetched_at")
