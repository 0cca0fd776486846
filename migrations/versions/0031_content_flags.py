"""content_flags: what residents tell the moderators about a public report or one entry of its timeline

Offensive, someone's personal details, wrong, or something else (FixMyStreet's "Report abuse"); staff deal with
each and say what they did. Staff only.

Revision ID: 0031
Revises: 0030
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

REASONS = ("offensive", "personal", "wrong", "other")
OUTCOMES = ("acted", "no_action")
ASCII_EMAIL_SQL = "~ '^[!-~]+@[!-~]+$'"          # models.user's, as it was at this revision


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "content_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE",
                                                           name=op.f("fk_content_flags_report_id_reports")),
                  nullable=False),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("report_events.id", ondelete="CASCADE",
                                                          name=op.f("fk_content_flags_event_id_report_events"))),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False, server_default=""),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL",
                                                         name=op.f("fk_content_flags_user_id_users"))),
        sa.Column("email", sa.String(254), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True)),
        sa.Column("handled_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL",
                                                               name=op.f("fk_content_flags_handled_by_id_users"))),
        sa.Column("outcome", sa.String(16)),
        sa.CheckConstraint(_in("reason", REASONS), name=op.f("ck_content_flags_reason")),
        sa.CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name=op.f("ck_content_flags_outcome")),
        sa.CheckConstraint("length(message) <= 2000", name=op.f("ck_content_flags_message_length")),
        sa.CheckConstraint(f"email = '' OR email {ASCII_EMAIL_SQL}", name=op.f("ck_content_flags_email_ascii")),
        sa.CheckConstraint("(handled_at IS NULL) = (outcome IS NULL)",
                           name=op.f("ck_content_flags_handled_with_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_flags")),
    )
    op.create_index("ix_content_flags_report_id", "content_flags", ["report_id"])
    op.create_index("ix_content_flags_event_id", "content_flags", ["event_id"],
                    postgresql_where=sa.text("event_id IS NOT NULL"))
    op.create_index("ix_content_flags_user_id", "content_flags", ["user_id"],
                    postgresql_where=sa.text("user_id IS NOT NULL"))
    op.create_index("ix_content_flags_handled_by_id", "content_flags", ["handled_by_id"],
                    postgresql_where=sa.text("handled_by_id IS NOT NULL"))
    op.create_index("ix_content_flags_waiting", "content_flags", ["created_at"],
                    postgresql_where=sa.text("handled_at IS NULL"))


def downgrade() -> None:
    op.drop_table("content_flags")
