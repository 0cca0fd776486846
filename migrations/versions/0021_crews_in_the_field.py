"""crews in the field: safety notes for crews, and completions sent once

- ``report_events.for_crews``: an internal note staff marked as a safety note for crews (shown on the job card,
  never public); a CHECK keeps every such note internal.
- ``report_events.client_token``: the token a crew's completion carries (unique): a completion replayed from a
  phone's offline queue completes the job once.

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("report_events", sa.Column("for_crews", sa.Boolean(), nullable=False,
                                             server_default=sa.text("false")))
    op.add_column("report_events", sa.Column("client_token", sa.String(64), nullable=True))
    op.create_unique_constraint(op.f("uq_report_events_client_token"), "report_events", ["client_token"])
    op.create_check_constraint(op.f("ck_report_events_safety_note_internal"), "report_events",
                               "NOT for_crews OR internal")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_report_events_safety_note_internal"), "report_events", type_="check")
    op.drop_constraint(op.f("uq_report_events_client_token"), "report_events", type_="unique")
    op.drop_column("report_events", "client_token")
    op.drop_column("report_events", "for_crews")
