"""insight: a moved report's promise summaries follow it to its new ward; fairness figures and hotspots read
from summaries the worker keeps fresh

- ``reports_measures_track`` also fires on ``UPDATE OF geom``: the ward is set from the point by a BEFORE
  trigger, and a trigger "OF ward_id" does not fire for an UPDATE that does not name ward_id itself, so a moved
  report stayed in its old ward's promise summaries. The summaries are rebuilt once.
- ``reports.area_id``: the small area (LSOA) covering the report, set by ``kerbside_set_ward`` with the ward
  (and for every report when areas are imported), so the fairness figures join areas by id instead of looking
  up a polygon per report. Existing reports are placed once here (about 0.1 ms a report).
- ``fairness_figures`` (per ward and per deprivation decile) and ``fairness_refresh`` (one row: when, and the
  days covered): the fairness page's figures as last computed, so a page view does not look up the small area
  of a year of reports. Written when areas are imported and by the worker.
- ``hotspot_cache``: the borough-wide hotspots of a category and window as computed (clustering 90 days of
  reports is too slow for every view); ``reports_hotspot_forget`` drops a list when a report in it stops being
  public, moves, or changes category or date.

Revision ID: 0023
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

MEASURES_TRACK = ("CREATE TRIGGER reports_measures_track AFTER INSERT OR DELETE OR UPDATE OF status, fixed_at, "
                  "created_at, ward_id, category_id, {columns} ON public.reports "
                  "FOR EACH ROW EXECUTE FUNCTION kerbside_measures_track()")

HOTSPOT_FORGET = """
CREATE OR REPLACE FUNCTION public.kerbside_hotspot_forget() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    IF kerbside_report_is_public(OLD.status, OLD.hidden) AND (TG_OP = 'DELETE'
            OR NOT kerbside_report_is_public(NEW.status, NEW.hidden) OR NEW.geom IS DISTINCT FROM OLD.geom
            OR NEW.category_id <> OLD.category_id OR NEW.created_at <> OLD.created_at) THEN
        DELETE FROM hotspot_cache
        WHERE since <= OLD.created_at AND until > OLD.created_at AND category_id IN (0, OLD.category_id);
    END IF;
    RETURN NULL;
END $function$
"""

SET_WARD = """
CREATE OR REPLACE FUNCTION public.kerbside_set_ward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.ward_id := (SELECT w.id FROM wards w WHERE ST_Covers(w.geom, NEW.geom) ORDER BY w.id LIMIT 1);
    NEW.geom_bng := ST_Transform(NEW.geom, 27700);{area}
    RETURN NEW;
END
$$
"""
SET_AREA = """
    NEW.area_id := (SELECT p.area_id FROM area_parts p WHERE ST_Covers(p.geom, NEW.geom) ORDER BY p.area_id LIMIT 1);"""


def upgrade() -> None:
    op.execute("DROP TRIGGER reports_measures_track ON public.reports")
    op.execute(MEASURES_TRACK.format(columns="geom, hidden"))
    op.execute("SELECT kerbside_measures_rebuild()")
    op.add_column("reports", sa.Column("area_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_reports_area_id_areas"), "reports", "areas", ["area_id"], ["id"],
                          ondelete="SET NULL")
    op.create_index("ix_reports_area_id", "reports", ["area_id"], postgresql_where=sa.text("area_id IS NOT NULL"))
    op.execute(SET_WARD.format(area=SET_AREA))
    op.execute("UPDATE reports r SET area_id = (SELECT p.area_id FROM area_parts p WHERE ST_Covers(p.geom, r.geom) "
               "ORDER BY p.area_id LIMIT 1) WHERE EXISTS (SELECT 1 FROM area_parts)")
    op.create_table(
        "fairness_figures",
        sa.Column("kind", sa.String(6), nullable=False),
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("reported", sa.Integer(), nullable=False),
        sa.Column("fixed", sa.Integer(), nullable=False),
        sa.Column("fixed_within", sa.Integer(), nullable=False),
        sa.Column("median_hours", sa.Float(), nullable=True),
        sa.CheckConstraint("kind IN ('ward', 'decile')", name=op.f("ck_fairness_figures_kind_known")),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_fairness_figures")),
    )
    op.create_table(
        "fairness_refresh",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_fairness_refresh_one_row")),
        sa.CheckConstraint("first_day <= last_day", name=op.f("ck_fairness_refresh_days_in_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairness_refresh")),
    )
    op.create_table(
        "hotspot_cache",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spots", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("category_id", "since", "until", name=op.f("pk_hotspot_cache")),
    )
    op.execute(HOTSPOT_FORGET)
    op.execute("CREATE TRIGGER reports_hotspot_forget AFTER DELETE OR UPDATE OF status, hidden, geom, category_id, "
               "created_at ON public.reports FOR EACH ROW EXECUTE FUNCTION kerbside_hotspot_forget()")


def downgrade() -> None:
    op.execute("DROP TRIGGER reports_hotspot_forget ON public.reports")
    op.execute("DROP FUNCTION kerbside_hotspot_forget()")
    op.drop_table("hotspot_cache")
    op.drop_table("fairness_refresh")
    op.drop_table("fairness_figures")
    op.execute(SET_WARD.format(area=""))
    op.drop_index("ix_reports_area_id", table_name="reports")
    op.drop_constraint(op.f("fk_reports_area_id_areas"), "reports", type_="foreignkey")
    op.drop_column("reports", "area_id")
    op.execute("DROP TRIGGER reports_measures_track ON public.reports")
    op.execute(MEASURES_TRACK.format(columns="hidden"))
