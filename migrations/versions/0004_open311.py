"""open311: API keys, staff-only contact details, descriptions up to 4,000 characters

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('may_update', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_api_keys_name'))
    )
    op.create_table('report_contacts',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('device_id', sa.String(length=100), nullable=False),
    sa.Column('media_url', sa.String(length=500), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_report_contacts_api_key_id_api_keys'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_contacts_report_id_reports'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_report_contacts'))
    )
    op.create_index('ix_reports_created_id', 'reports', ['created_at', 'id'], unique=False)
    # Open311 allows 4,000 characters (the web form still stops at 2,000).
    op.drop_constraint(op.f('ck_reports_description_length'), 'reports', type_='check')
    op.create_check_constraint('description_length', 'reports', 'length(description) BETWEEN 1 AND 4000')


def downgrade() -> None:
    op.drop_constraint(op.f('ck_reports_description_length'), 'reports', type_='check')
    op.create_check_constraint('description_length', 'reports', 'length(description) BETWEEN 1 AND 2000')
    op.drop_index('ix_reports_created_id', table_name='reports')
    op.drop_table('report_contacts')
    op.drop_table('api_keys')
