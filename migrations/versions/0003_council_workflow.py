"""council workflow

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:38:00.393327
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2
from sqlalchemy.dialects import postgresql
from geoalchemy2 import Geometry

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table('crews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('depot', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crews')),
    sa.UniqueConstraint('name', name=op.f('uq_crews_name'))
    )
    op.create_table('crew_members',
    sa.Column('crew_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['crew_id'], ['crews.id'], name=op.f('fk_crew_members_crew_id_crews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_crew_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('crew_id', 'user_id', name=op.f('pk_crew_members')),
    sa.UniqueConstraint('user_id', name=op.f('uq_crew_members_user_id'))
    )
    op.create_table('response_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('status', postgresql.ENUM(name='report_status', create_type=False), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_response_templates_category_id_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_templates'))
    )
    op.create_table('fix_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_fix_ratings_score_range')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_fix_ratings_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fix_ratings')),
    sa.UniqueConstraint('report_id', 'fixed_at', name=op.f('uq_fix_ratings_report_id_fixed_at'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_addr', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_outbox_report_id_reports'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox_due', 'outbox', ['next_attempt_at'], unique=False, postgresql_where=sa.text('sent_at IS NULL AND failed_at IS NULL'))
    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_subscriptions_report_id_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('report_id', 'user_id', name=op.f('uq_subscriptions_report_id_user_id'))
    )
    op.create_index(op.f('ix_subscriptions_report_id'), 'subscriptions', ['report_id'], unique=False)
    op.create_table('supporters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_supporters_report_id_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_supporters_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supporters')),
    sa.UniqueConstraint('report_id', 'user_id', name=op.f('uq_supporters_report_id_user_id'))
    )
    op.create_index(op.f('ix_supporters_report_id'), 'supporters', ['report_id'], unique=False)
    op.add_column('reports', sa.Column('priority', sa.Integer(), server_default='3', nullable=False))
    op.add_column('reports', sa.Column('crew_id', sa.Integer(), nullable=True))
    op.add_column('reports', sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_reports_crew_id'), 'reports', ['crew_id'], unique=False)
    op.create_foreign_key(op.f('fk_reports_duplicate_of_id_reports'), 'reports', 'reports', ['duplicate_of_id'], ['id'], ondelete='SET NULL')
    op.create_foreign_key(op.f('fk_reports_crew_id_crews'), 'reports', 'crews', ['crew_id'], ['id'], ondelete='SET NULL')
    op.create_check_constraint('priority_range', 'reports', 'priority BETWEEN 1 AND 4')
    op.create_check_constraint('not_own_duplicate', 'reports', 'duplicate_of_id IS NULL OR duplicate_of_id <> id')
    op.add_column('users', sa.Column('contact_preference', sa.String(length=10), server_default='email', nullable=False))


def downgrade() -> None:
    op.drop_column('users', 'contact_preference')
    op.drop_constraint(op.f('ck_reports_not_own_duplicate'), 'reports', type_='check')
    op.drop_constraint(op.f('ck_reports_priority_range'), 'reports', type_='check')
    op.drop_constraint(op.f('fk_reports_crew_id_crews'), 'reports', type_='foreignkey')
    op.drop_constraint(op.f('fk_reports_duplicate_of_id_reports'), 'reports', type_='foreignkey')
    op.drop_index(op.f('ix_reports_crew_id'), table_name='reports')
    op.drop_column('reports', 'duplicate_of_id')
    op.drop_column('reports', 'crew_id')
    op.drop_column('reports', 'priority')
    op.drop_index(op.f('ix_supporters_report_id'), table_name='supporters')
    op.drop_table('supporters')
    op.drop_index(op.f('ix_subscriptions_report_id'), table_name='subscriptions')
    op.drop_table('subscriptions')
    op.drop_index('ix_outbox_due', table_name='outbox', postgresql_where=sa.text('sent_at IS NULL AND failed_at IS NULL'))
    op.drop_table('outbox')
    op.drop_table('fix_ratings')
    op.drop_table('response_templates')
    op.drop_table('crew_members')
    op.drop_geospatial_table('crews')
