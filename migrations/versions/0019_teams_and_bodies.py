"""teams and bodies: routing each category to a team, and to another body inside its boundary

- ``teams``; ``categories.team_id`` (the team that does the work) and ``reports.team_id`` (the team a report
  was routed to when it was made).
- ``bodies``: other organisations with a valid WGS84 multipolygon boundary (CHECK ST_IsValid: an invalid one is
  refused, or repaired with ST_MakeValid only when an admin asks) and an Open311 endpoint; ``body_services``: the
  categories each takes and its service_code for them; ``reports.body_id``.
- ``body_sends``: a report's journey to its body (attempts, back-off, the body's service_request_id).
- ``crews.depot_place``: the postcode (or street) a depot was given by.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import geoalchemy2
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

ASCII_EMAIL = "~ '^[!-~]+@[!-~]+$'"


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default="true"),
        sa.CheckConstraint(f"email = '' OR email {ASCII_EMAIL}", name=op.f("ck_teams_email_ascii")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "bodies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("boundary", geoalchemy2.Geometry("MULTIPOLYGON", srid=4326, spatial_index=False,
                                                   from_text="ST_GeomFromEWKT", name="geometry"), nullable=False),
        sa.Column("endpoint", sa.String(500), nullable=False),
        sa.Column("format", sa.String(4), nullable=False, server_default="json"),
        sa.Column("api_key_sealed", sa.String(500), nullable=False, server_default=""),
        sa.Column("jurisdiction_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default="true"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)", name=op.f("ck_bodies_boundary_valid")),
        sa.CheckConstraint("endpoint ~ '^https?://[^[:space:]]+$'", name=op.f("ck_bodies_endpoint_http")),
        sa.CheckConstraint("format IN ('json', 'xml')", name=op.f("ck_bodies_format_known")),
        sa.UniqueConstraint("name", name=op.f("uq_bodies_name")),
    )
    op.create_geospatial_index("idx_bodies_boundary", "bodies", ["boundary"], unique=False, postgresql_using="gist",
                                postgresql_ops={})
    op.create_table(
        "body_services",
        sa.Column("body_id", sa.Integer(), sa.ForeignKey("bodies.id", ondelete="CASCADE",
                                                         name=op.f("fk_body_services_body_id_bodies")),
                  primary_key=True),
        sa.Column("category_id", sa.Integer(), sa.ForeignKey("categories.id", ondelete="CASCADE",
                                                             name=op.f("fk_body_services_category_id_categories")),
                  primary_key=True),
        sa.Column("service_code", sa.String(100), nullable=False),
    )
    op.create_index(op.f("ix_body_services_category_id"), "body_services", ["category_id"])
    op.create_table(
        "body_sends",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE",
                                                           name=op.f("fk_body_sends_report_id_reports")),
                  nullable=False),
        sa.Column("body_id", sa.Integer(), sa.ForeignKey("bodies.id", ondelete="CASCADE",
                                                         name=op.f("fk_body_sends_body_id_bodies")), nullable=False),
        sa.Column("service_code", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("external_token", sa.String(100), nullable=False, server_default=""),
        sa.Column("last_error", sa.String(500), nullable=False, server_default=""),
        sa.UniqueConstraint("report_id", name=op.f("uq_body_sends_report_id")),
    )
    op.create_index("ix_body_sends_due", "body_sends", ["next_attempt_at"],
                    postgresql_where=sa.text("sent_at IS NULL"))
    op.create_index(op.f("ix_body_sends_body_id"), "body_sends", ["body_id"])

    op.add_column("categories", sa.Column("team_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_categories_team_id_teams"), "categories", "teams", ["team_id"], ["id"],
                          ondelete="SET NULL")
    op.create_index(op.f("ix_categories_team_id"), "categories", ["team_id"])
    for column, table in (("team_id", "teams"), ("body_id", "bodies")):
        op.add_column("reports", sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(f"fk_reports_{column}_{table}"), "reports", table, [column], ["id"],
                              ondelete="SET NULL")
        op.create_index(op.f(f"ix_reports_{column}"), "reports", [column])
    op.add_column("crews", sa.Column("depot_place", sa.String(120), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("crews", "depot_place")
    for column in ("body_id", "team_id"):
        op.drop_index(op.f(f"ix_reports_{column}"), table_name="reports")
        op.drop_column("reports", column)
    op.drop_index(op.f("ix_categories_team_id"), table_name="categories")
    op.drop_column("categories", "team_id")
    op.drop_table("body_sends")
    op.drop_table("body_services")
    op.drop_table("bodies")
    op.drop_table("teams")
