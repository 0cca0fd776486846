"""bodies.extended_statuses: whether a body's updates use mySociety's extended statuses

A body on the plain GeoReport v2 standard says only "open" or "closed", so its "closed" marks our report fixed;
one with extended statuses (FIXED, CLOSED, ...) means "closed without a fix" by it (services/body_updates.py).

Revision ID: 0032
Revises: 0031
"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bodies", sa.Column("extended_statuses", sa.Boolean(), nullable=False, server_default="false"))


def downgrade() -> None:
    op.drop_column("bodies", "extended_statuses")
