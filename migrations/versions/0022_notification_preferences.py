"""notification preferences in one place: per-kind switches beside the contact preference

- ``users.notify_updates``: emails about the reports one made, supports or follows (default on).
- ``users.notify_questionnaire``: the "has it been fixed?" question four weeks after a report (default on).
- ``users.notify_digest``: a councillor's weekly ward digest (default on; only councillors get one).

``contact_preference = 'none'`` still stops every one of them.

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

COLUMNS = ("notify_updates", "notify_questionnaire", "notify_digest")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("users", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("users", name)
