"""stay with your street: alerts, residents' updates, "has it been fixed?", followers' emails, street names

- ``streets``: named streets (one row per OpenStreetMap way centre), WGS84 points with a GiST index, for
  "find a street" wherever a postcode is accepted.
- ``alerts`` (+ ``alert_categories``): who wants to hear of new reports and/or fixes in a ward, within 200 m to
  2 km of a point, or in the whole council; ``area`` is the alert's shape (a ward's polygon or the circle, as a
  polygon) with a GiST index, so the worker matches new events against every alert in one spatial join.
  ``alert_hits`` holds what matched until it is emailed; ``alert_progress`` is the worker's place in the
  timeline (one row).
- ``report_events``: ``source`` (council, resident, questionnaire), ``hidden`` (by a moderator) and
  ``awaiting_confirmation`` (an update sent with only an email address, until its link is followed).
- ``photos.event_id``: a photo added with a resident's update.
- ``questionnaires``: the "has it been fixed?" email, sent once per report, and its answer.
- ``outbox.headers``: extra headers of an email (List-Unsubscribe, List-Unsubscribe-Post).

Revision ID: 0017
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "streets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("name_key", sa.String(120), nullable=False),
        sa.Column("highway", sa.String(40), nullable=False, server_default=""),
        sa.Column("inside_area", sa.Boolean(), nullable=False, server_default="true"),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 120", name=op.f("ck_streets_name_length")),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_streets_geom_valid")),
    )
    op.execute("CREATE INDEX ix_streets_geom ON streets USING gist (geom)")
    op.execute("CREATE INDEX ix_streets_name_key ON streets (name_key text_pattern_ops)")

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE",
                                                         name=op.f("fk_alerts_user_id_users")), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("ward_id", sa.Integer(), sa.ForeignKey("wards.id", ondelete="CASCADE",
                                                         name=op.f("fk_alerts_ward_id_wards"))),
        sa.Column("centre", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("radius_m", sa.Integer()),
        sa.Column("place", sa.String(120), nullable=False, server_default=""),
        sa.Column("area", Geometry("GEOMETRY", srid=4326, spatial_index=False)),
        sa.Column("new_reports", sa.Boolean(), nullable=False, server_default="true"),
        sa.Column("fixes", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column("all_categories", sa.Boolean(), nullable=False, server_default="true"),
        sa.Column("frequency", sa.String(10), nullable=False, server_default="instant"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("last_sent_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind IN ('ward', 'radius', 'council')", name=op.f("ck_alerts_kind")),
        sa.CheckConstraint("frequency IN ('instant', 'daily')", name=op.f("ck_alerts_frequency")),
        sa.CheckConstraint("new_reports OR fixes", name=op.f("ck_alerts_something")),
        sa.CheckConstraint("kind <> 'ward' OR (ward_id IS NOT NULL AND area IS NOT NULL)", name=op.f("ck_alerts_ward")),
        sa.CheckConstraint("kind <> 'radius' OR (centre IS NOT NULL AND area IS NOT NULL AND "
                           "radius_m BETWEEN 200 AND 2000)", name=op.f("ck_alerts_radius")),
    )
    op.execute("CREATE INDEX ix_alerts_area ON alerts USING gist (area) WHERE confirmed_at IS NOT NULL")
    op.create_index("ix_alerts_user_id", "alerts", ["user_id"])
    op.create_index("ix_alerts_ward_id", "alerts", ["ward_id"], postgresql_where=sa.text("ward_id IS NOT NULL"))
    op.create_table(
        "alert_categories",
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE",
                                                          name=op.f("fk_alert_categories_alert_id_alerts")),
                  primary_key=True),
        sa.Column("category_id", sa.Integer(), sa.ForeignKey("categories.id", ondelete="CASCADE",
                                                             name=op.f("fk_alert_categories_category_id_categories")),
                  primary_key=True),
    )
    op.create_index("ix_alert_categories_category_id", "alert_categories", ["category_id"])
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
    op.create_table(
        "alert_progress",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_event_id", sa.Integer(), nullable=False, server_default="0"),
        sa.CheckConstraint("id = 1", name=op.f("ck_alert_progress_one_row")),
    )
    # Alerts start from now: the timeline so far is not news.
    op.execute("INSERT INTO alert_progress (id, last_event_id) SELECT 1, coalesce(max(id), 0) FROM report_events")

    op.add_column("report_events", sa.Column("source", sa.String(16), nullable=False, server_default="council"))
    op.add_column("report_events", sa.Column("hidden", sa.Boolean(), nullable=False, server_default="false"))
    op.add_column("report_events", sa.Column("awaiting_confirmation", sa.Boolean(), nullable=False,
                                             server_default="false"))
    op.create_check_constraint(op.f("ck_report_events_source"), "report_events", "source IN ('council', 'resident', 'questionnaire')")
    op.add_column("photos", sa.Column("event_id", sa.Integer(), sa.ForeignKey(
        "report_events.id", ondelete="CASCADE", name=op.f("fk_photos_event_id_report_events"))))
    op.create_index("ix_photos_event_id", "photos", ["event_id"], postgresql_where=sa.text("event_id IS NOT NULL"))

    op.create_table(
        "questionnaires",
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE",
                                                           name=op.f("fk_questionnaires_report_id_reports")),
                  primary_key=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("fixed", sa.Boolean()),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.CheckConstraint("answered_at IS NULL OR fixed IS NOT NULL", name=op.f("ck_questionnaires_answer")),
    )
    op.add_column("outbox", sa.Column("headers", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")))


def downgrade() -> None:
    op.drop_column("outbox", "headers")
    op.drop_table("questionnaires")
    op.drop_index("ix_photos_event_id", table_name="photos")
    op.drop_column("photos", "event_id")
    op.drop_constraint("ck_report_events_source", "report_events", type_="check")
    for column in ("awaiting_confirmation", "hidden", "source"):
        op.drop_column("report_events", column)
    op.drop_table("alert_progress")
    op.drop_table("alert_hits")
    op.drop_table("alert_categories")
    op.drop_table("alerts")
    op.drop_table("streets")
