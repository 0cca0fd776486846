"""the fly-tipping return: enforcement actions staff record on a report

- ``enforcement_actions``: one action (investigation, warning letter, statutory notice, duty of care
  inspection, fixed penalty notice, formal caution, prosecution) taken on a report on a given day; counted by
  the month of ``taken_on`` in the WasteDataFlow fly-tipping return. Staff only.

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

ACTIONS = ("investigation", "warning_letter", "statutory_notice", "duty_of_care", "fixed_penalty",
           "formal_caution", "prosecution")


def upgrade() -> None:
    op.create_table(
        "enforcement_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE",
                                                           name=op.f("fk_enforcement_actions_report_id_reports")),
                  nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("recorded_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL",
                                name=op.f("fk_enforcement_actions_recorded_by_id_users"))),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN (" + ", ".join(f"'{a}'" for a in ACTIONS) + ")",
                           name=op.f("ck_enforcement_actions_action")),
        sa.CheckConstraint("length(note) <= 500", name=op.f("ck_enforcement_actions_note_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_actions")),
    )
    op.create_index("ix_enforcement_actions_taken_on", "enforcement_actions", ["taken_on"])
    op.create_index("ix_enforcement_actions_report_id", "enforcement_actions", ["report_id"])
    op.create_index("ix_enforcement_actions_recorded_by_id", "enforcement_actions", ["recorded_by_id"],
                    postgresql_where=sa.text("recorded_by_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_table("enforcement_actions")
