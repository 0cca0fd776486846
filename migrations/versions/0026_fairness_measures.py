"""fairness figures measured as gis.measures defines them: the Kaplan–Meier time to fix counts open reports
(``still_open``) and promises kept are over the reports that fell due (``due``), so a ward's fairness figures
are its /performance figures. The figures stored before meant something else (fixed reports only): they are
dropped; the page computes them directly until the worker stores them again.

Revision ID: 0026
Revises: 0025
"""
from alembic import op
import sqlalchemy as sa

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM fairness_figures")
    op.execute("DELETE FROM fairness_refresh")
    op.add_column("fairness_figures", sa.Column("still_open", sa.Integer(), server_default="0", nullable=False))
    op.add_column("fairness_figures", sa.Column("due", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    op.execute("DELETE FROM fairness_figures")
    op.execute("DELETE FROM fairness_refresh")
    op.drop_column("fairness_figures", "due")
    op.drop_column("fairness_figures", "still_open")
