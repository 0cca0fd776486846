"""insight: a moved report's promise summaries follow it to its new ward; fairness figures and hotspots read
from summaries the worker keeps fresh

- ``reports_measures_track`` also fires on ``UPDATE OF geom``: the ward is set from the point by a BEFORE
  trigger, and a trigger "OF ward_id" does not fire for an UPDATE that does not name ward_id itself, so a moved
  report stayed in its old ward's promise summaries. The summaries are rebuilt once.

Revision ID: 0023
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa

revision = '0023'
down_revision = '0020'
branch_labels = None
depends_on = None

MEASURES_TRACK = ("CREATE TRIGGER reports_measures_track AFTER INSERT OR DELETE OR UPDATE OF status, fixed_at, "
                  "created_at, ward_id, category_id, {columns} ON public.reports "
                  "FOR EACH ROW EXECUTE FUNCTION kerbside_measures_track()")


def upgrade() -> None:
    op.execute("DROP TRIGGER reports_measures_track ON public.reports")
    op.execute(MEASURES_TRACK.format(columns="geom, hidden"))
    op.execute("SELECT kerbside_measures_rebuild()")


def downgrade() -> None:
    op.execute("DROP TRIGGER reports_measures_track ON public.reports")
    op.execute(MEASURES_TRACK.format(columns="hidden"))
