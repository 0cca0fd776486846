"""councillor wards and areas: the wards a councillor account speaks for, weekly digests sent, and small areas
(LSOAs) with deprivation and population for the fairness page

- ``user_wards``: (account, ward) pairs set by administrators; ``admin_action_kind`` gains ``wards_changed``.
- ``councillor_digests``: one row per account and week, so the weekly digest is queued once.
- ``areas``: LSOA polygons (WGS84) with their IMD 2019 score, rank and decile and their population;
  ``area_wards``: the share of each area's residents in each ward; ``area_parts``: the areas cut into small
  pieces (ST_Subdivide) for fast point-in-area look-ups.

Revision ID: 0016
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD VALUE cannot run inside a transaction block on older servers: alembic's autocommit block.
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE admin_action_kind ADD VALUE IF NOT EXISTS 'wards_changed'")
    op.create_table(
        'user_wards',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('ward_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_wards_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_user_wards_ward_id_wards'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'ward_id', name=op.f('pk_user_wards')),
    )
    op.create_index('ix_user_wards_ward_id', 'user_wards', ['ward_id'])
    op.create_table(
        'councillor_digests',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('week_start', sa.Date(), nullable=False),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_councillor_digests_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'week_start', name=op.f('pk_councillor_digests')),
    )
    op.create_table(
        'areas',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(20), nullable=False),
        sa.Column('name', sa.String(120), nullable=False),
        sa.Column('geom', Geometry('MULTIPOLYGON', srid=4326, spatial_index=False), nullable=False),
        sa.Column('imd_score', sa.Float(), nullable=True),
        sa.Column('imd_rank', sa.Integer(), nullable=True),
        sa.Column('imd_decile', sa.Integer(), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.CheckConstraint('imd_decile BETWEEN 1 AND 10', name=op.f('ck_areas_imd_decile_range')),
        sa.CheckConstraint('population >= 0', name=op.f('ck_areas_population_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_areas')),
        sa.UniqueConstraint('code', name=op.f('uq_areas_code')),
    )
    op.create_index('idx_areas_geom', 'areas', ['geom'], postgresql_using='gist')
    op.create_table(
        'area_wards',
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('ward_id', sa.Integer(), nullable=False),
        sa.Column('pop_share', sa.Float(), nullable=False),
        sa.CheckConstraint('pop_share > 0 AND pop_share <= 1', name=op.f('ck_area_wards_pop_share_range')),
        sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_area_wards_area_id_areas'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_area_wards_ward_id_wards'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('area_id', 'ward_id', name=op.f('pk_area_wards')),
    )
    op.create_index('ix_area_wards_ward_id', 'area_wards', ['ward_id'])
    op.create_table(
        'area_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('geom', Geometry('MULTIPOLYGON', srid=4326, spatial_index=False), nullable=False),
        sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_area_parts_area_id_areas'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_area_parts')),
    )
    op.create_index('ix_area_parts_area_id', 'area_parts', ['area_id'])
    op.create_index('idx_area_parts_geom', 'area_parts', ['geom'], postgresql_using='gist')


def downgrade() -> None:
    op.drop_table('area_parts')
    op.drop_table('area_wards')
    op.drop_index('idx_areas_geom', table_name='areas')
    op.drop_table('areas')
    op.drop_table('councillor_digests')
    op.drop_table('user_wards')
    # PostgreSQL cannot drop one value of an enum: forget the rows that use it, keep the value.
    op.execute("DELETE FROM admin_actions WHERE action = 'wards_changed'")
