"""a ward's hotspots are kept as computed, as the borough's are

``hotspot_cache`` gets ``ward_id`` (0: every ward, as before) in its primary key, so a ward page (and the
density page filtered to a ward) reads its list as stored while fresh, instead of clustering the ward's 90
days on every view (~30 ms of database time at a million reports). ``reports_hotspot_forget`` already drops
every list of the report's category and window, whatever the ward.

Revision ID: 0028
Revises: 0027
"""
from alembic import op
import sqlalchemy as sa

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hotspot_cache", sa.Column("ward_id", sa.Integer(), server_default="0", nullable=False))
    op.drop_constraint("pk_hotspot_cache", "hotspot_cache", type_="primary")
    op.create_primary_key("pk_hotspot_cache", "hotspot_cache", ["category_id", "ward_id", "since", "until"])


def downgrade() -> None:
    op.execute("DELETE FROM hotspot_cache WHERE ward_id <> 0")
    op.drop_constraint("pk_hotspot_cache", "hotspot_cache", type_="primary")
    op.drop_column("hotspot_cache", "ward_id")
    op.create_primary_key("pk_hotspot_cache", "hotspot_cache", ["category_id", "since", "until"])
