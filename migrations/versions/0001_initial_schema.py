"""initial schema

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('group', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('target_hours', sa.Integer(), nullable=False),
    sa.Column('questions', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('target_hours > 0', name=op.f('ck_categories_target_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('code', name=op.f('uq_categories_code'))
    )
    op.create_geospatial_table('postcodes',
    sa.Column('postcode', sa.String(length=8), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.PrimaryKeyConstraint('postcode', name=op.f('pk_postcodes'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.Enum('resident', 'councillor', 'crew', 'staff', 'admin', name='user_role'), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('length(email) BETWEEN 3 AND 254', name=op.f('ck_users_email_length')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_index('uq_users_email_lower', 'users', [sa.literal_column("lower(email)")], unique=True)
    op.create_geospatial_table('wards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('area_km2', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wards')),
    sa.UniqueConstraint('code', name=op.f('uq_wards_code'))
    )
    op.create_geospatial_index('idx_wards_geom', 'wards', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('unconfirmed', 'new', 'confirmed', 'investigating', 'assigned', 'in_progress', 'fixed', 'closed', 'duplicate', 'not_responsible', 'reopened', name='report_status'), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('answers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('client_token', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("reference ~ '^KB-[0-9A-Z]{5,8}$'", name=op.f('ck_reports_reference_format')),
    sa.CheckConstraint('length(description) BETWEEN 1 AND 2000', name=op.f('ck_reports_description_length')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_reports_category_id_categories')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_reports_ward_id_wards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('client_token', name=op.f('uq_reports_client_token')),
    sa.UniqueConstraint('reference', name=op.f('uq_reports_reference'))
    )
    op.create_geospatial_index('idx_reports_geom', 'reports', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_reports_category_created', 'reports', ['category_id', 'created_at'], unique=False)
    op.create_index('ix_reports_geog', 'reports', [sa.literal_column('(geom::geography)')], unique=False, postgresql_using='gist')
    op.create_index('ix_reports_reporter_created', 'reports', ['reporter_id', 'created_at'], unique=False)
    op.create_index('ix_reports_ward_created', 'reports', ['ward_id', 'created_at'], unique=False)
    op.create_index('ix_reports_status_created', 'reports', ['status', 'created_at'], unique=False)
    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_photos_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos')),
    sa.UniqueConstraint('key', name=op.f('uq_photos_key'))
    )
    op.create_index(op.f('ix_photos_report_id'), 'photos', ['report_id'], unique=False)
    op.create_table('report_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.Enum('unconfirmed', 'new', 'confirmed', 'investigating', 'assigned', 'in_progress', 'fixed', 'closed', 'duplicate', 'not_responsible', 'reopened', name='report_status'), nullable=True),
    sa.Column('to_status', sa.Enum('unconfirmed', 'new', 'confirmed', 'investigating', 'assigned', 'in_progress', 'fixed', 'closed', 'duplicate', 'not_responsible', 'reopened', name='report_status'), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_report_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_events_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_events'))
    )
    op.create_index(op.f('ix_report_events_report_id'), 'report_events', ['report_id'], unique=False)
    op.execute(WARD_TRIGGER)
    op.execute("CREATE TRIGGER reports_set_ward BEFORE INSERT OR UPDATE OF geom ON reports "
               "FOR EACH ROW EXECUTE FUNCTION kerbside_set_ward()")


# The database, not the application, decides a report's ward from its point (ST_Covers: a point on a
# boundary belongs to one ward, the lowest id, deterministically).
WARD_TRIGGER = """
CREATE FUNCTION kerbside_set_ward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.ward_id := (SELECT w.id FROM wards w WHERE ST_Covers(w.geom, NEW.geom) ORDER BY w.id LIMIT 1);
    RETURN NEW;
END
$$
"""


def downgrade() -> None:
    op.drop_index(op.f('ix_report_events_report_id'), table_name='report_events')
    op.drop_table('report_events')
    op.drop_index(op.f('ix_photos_report_id'), table_name='photos')
    op.drop_table('photos')
    op.drop_index('ix_reports_ward_created', table_name='reports')
    op.drop_index('ix_reports_status_created', table_name='reports')
    op.drop_index('ix_reports_reporter_created', table_name='reports')
    op.drop_index('ix_reports_geog', table_name='reports', postgresql_using='gist')
    op.drop_index('ix_reports_category_created', table_name='reports')
    op.drop_geospatial_index('idx_reports_geom', table_name='reports', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('reports')
    op.drop_geospatial_index('idx_wards_geom', table_name='wards', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('wards')
    op.drop_index('uq_users_email_lower', table_name='users')
    op.drop_table('users')
    op.drop_geospatial_table('postcodes')
    op.drop_table('categories')
    op.execute("DROP FUNCTION IF EXISTS kerbside_set_ward()")
    op.execute("DROP TYPE IF EXISTS report_status")
    op.execute("DROP TYPE IF EXISTS user_role")
