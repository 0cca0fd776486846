"""alerts: one row of news per alert and matching round, not one per (alert, event)

A round of 2,000 new reports against 10,000 alerts matches ~780,000 times (whole-council and ward alerts match
everything in them, a 2 km circle a tenth of the borough); writing a row each took ~30 s of index and
foreign-key upkeep. ``alert_hits`` now holds, per alert and round, the array of matched event ids (at most one
row per alert a round), read back with ``unnest`` when the email is written. Unsent rows are carried over.

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table("alert_hits", "alert_hits_old")
    op.execute("ALTER INDEX ix_alert_hits_unsent RENAME TO ix_alert_hits_old_unsent")
    op.execute("ALTER TABLE alert_hits_old RENAME CONSTRAINT pk_alert_hits TO pk_alert_hits_old")
    op.create_table(
        "alert_hits",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE",
                                                          name=op.f("fk_alert_hits_alert_id_alerts")),
                  nullable=False),
        sa.Column("event_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("cardinality(event_ids) > 0", name=op.f("ck_alert_hits_some_events")),
    )
    op.create_index("ix_alert_hits_unsent", "alert_hits", ["alert_id"], postgresql_where=sa.text("sent_at IS NULL"))
    op.execute("""
        INSERT INTO alert_hits (alert_id, event_ids, matched_at)
        SELECT alert_id, array_agg(event_id ORDER BY event_id), max(matched_at)
        FROM alert_hits_old WHERE sent_at IS NULL GROUP BY alert_id
    """)
    op.drop_table("alert_hits_old")


def downgrade() -> None:
    op.rename_table("alert_hits", "alert_hits_new")
    op.execute("ALTER INDEX ix_alert_hits_unsent RENAME TO ix_alert_hits_new_unsent")
    op.execute("ALTER TABLE alert_hits_new RENAME CONSTRAINT pk_alert_hits TO pk_alert_hits_new")
    op.create_table(
        "alert_hits",
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE",
                                                          name=op.f("fk_alert_hits_alert_id_alerts")), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("report_events.id", ondelete="CASCADE",
                                                          name=op.f("fk_alert_hits_event_id_report_events")),
                  primary_key=True),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_alert_hits_unsent", "alert_hits", ["alert_id"], postgresql_where=sa.text("sent_at IS NULL"))
    op.create_index("ix_alert_hits_event_id", "alert_hits", ["event_id"])
    op.execute("""
        INSERT INTO alert_hits (alert_id, event_id, matched_at)
        SELECT DISTINCT h.alert_id, e.id, h.matched_at FROM alert_hits_new h
        CROSS JOIN LATERAL unnest(h.event_ids) AS u(event_id) JOIN report_events e ON e.id = u.event_id
        WHERE h.sent_at IS NULL ON CONFLICT DO NOTHING
    """)
    op.drop_table("alert_hits_new")
