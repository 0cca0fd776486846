"""email confirmation before an account can log in

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
    # Accounts made before confirmation existed keep working.
    op.execute("UPDATE users SET email_confirmed_at = created_at WHERE password_hash IS NOT NULL")


def downgrade() -> None:
    op.drop_column('users', 'email_confirmed_at')
