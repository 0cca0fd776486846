"""staff 2fa: two-factor sign-in (TOTP) for staff and admin accounts, recovery codes, the admin action log

- ``users.totp_secret`` (encrypted by the portal), ``totp_enabled_at`` (None while enrolment waits for its
  first code) and ``totp_last_step`` (the time step of the last code accepted: codes are never replayed).
- ``recovery_codes``: digests of single-use recovery codes, deleted with their account.
- ``admin_actions``: who did what to which account and when; rows outlive the accounts (ids become NULL).

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ACTIONS = ('role_changed', 'disabled', 'enabled', 'unlocked', 'confirmation_resent', 'two_factor_reset')


def upgrade() -> None:
    op.add_column('users', sa.Column('totp_secret', sa.String(255), nullable=True))
    op.add_column('users', sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.create_table(
        'recovery_codes',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'code_hash', name=op.f('pk_recovery_codes')),
    )
    kind = postgresql.ENUM(*ACTIONS, name='admin_action_kind')
    kind.create(op.get_bind())
    op.create_table(
        'admin_actions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('target_user_id', sa.Integer(), nullable=True),
        sa.Column('action', postgresql.ENUM(name='admin_action_kind', create_type=False), nullable=False),
        sa.Column('detail', sa.String(500), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admin_actions_actor_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_admin_actions_target_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_actions')),
    )
    op.create_index('ix_admin_actions_at', 'admin_actions', ['at'])
    op.create_index('ix_admin_actions_actor_id', 'admin_actions', ['actor_id'])
    op.create_index('ix_admin_actions_target_user_id', 'admin_actions', ['target_user_id'])


def downgrade() -> None:
    op.drop_table('admin_actions')
    postgresql.ENUM(name='admin_action_kind').drop(op.get_bind())
    op.drop_table('recovery_codes')
    op.drop_column('users', 'totp_last_step')
    op.drop_column('users', 'totp_enabled_at')
    op.drop_column('users', 'totp_secret')
