"""desk speed (issue 14 at 1,000,000 reports): stored search words, a stored due time, indexes in the queue's order

- ``reports.search_vector`` and ``report_events.note_vector``: the words of a description and of a note
  (to_tsvector 'english'), generated and stored, each with a GIN index in place of the expression index of 0018.
  Search reads the newest matches in created_at order and checks each row's stored words: computing
  to_tsvector for each row checked cost ~13 µs, 170 ms for a common word.
- ``reports.due_at``: made + the category's target hours, set by ``kerbside_set_due`` (BEFORE INSERT OR UPDATE
  OF created_at, category_id) and by ``kerbside_due_refile`` when a category's target changes. The queue's
  default order (overdue first: most urgent, then most recently overdue; then due soonest) is two partial
  indexes on the open reports (a third for "by priority"), so a page is an index scan + LIMIT instead of sorting every open report.
- The dashboard reads three narrow sets, each from one index that includes what it groups on (index-only
  scans): the open reports (``ix_reports_open_due``), those fixed lately (``ix_reports_fixed_at``, new), those
  made in the last months (``ix_reports_created_id``, rebuilt with the included columns).
  The existing reports get theirs in the same table rewrite that stores the words (one rewrite, not an UPDATE
  of every row): the categories' targets as they are now, written out as a CASE.

Revision ID: 0027
Revises: 0026
"""
from alembic import op
import sqlalchemy as sa
from alembic_utils.pg_function import PGFunction
from alembic_utils.pg_trigger import PGTrigger
from sqlalchemy.dialects import postgresql

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

#: models.status.OPEN as it is today (frozen: this file never changes when it does).
OPEN_SQL = "'assigned', 'confirmed', 'in_progress', 'investigating', 'new', 'reopened'"
#: What the staff dashboard groups and filters on, included in the indexes it reads (index-only scans).
GROUPED = ['category_id', 'ward_id', 'crew_id', 'hidden']

ENTITIES = [
    PGFunction.from_sql("""\
CREATE OR REPLACE FUNCTION public.kerbside_set_due() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    NEW.due_at := NEW.created_at
        + make_interval(hours => (SELECT c.target_hours FROM categories c WHERE c.id = NEW.category_id));
    RETURN NEW;
END $function$"""),
    PGFunction.from_sql("""\
CREATE OR REPLACE FUNCTION public.kerbside_due_refile() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    UPDATE reports SET due_at = created_at + make_interval(hours => NEW.target_hours) WHERE category_id = NEW.id;
    RETURN NULL;
END $function$"""),
    PGTrigger.from_sql("""\
CREATE TRIGGER reports_set_due BEFORE INSERT OR UPDATE OF created_at, category_id ON public.reports
FOR EACH ROW EXECUTE FUNCTION kerbside_set_due()"""),
    PGTrigger.from_sql("""\
CREATE TRIGGER categories_due_refile AFTER UPDATE OF target_hours ON public.categories FOR EACH ROW
WHEN (OLD.target_hours IS DISTINCT FROM NEW.target_hours) EXECUTE FUNCTION kerbside_due_refile()"""),
]


def upgrade() -> None:
    targets = op.get_bind().execute(sa.text("SELECT id, target_hours FROM categories ORDER BY id")).all()
    due = "created_at + make_interval(hours => CASE category_id {} END)".format(
        " ".join(f"WHEN {int(cid)} THEN {int(hours)}" for cid, hours in targets)) if targets else "created_at"
    # ADD COLUMN ... STORED rewrites the table; the USING of the same statement fills due_at in that rewrite.
    op.execute("ALTER TABLE reports ADD COLUMN due_at timestamp with time zone")
    op.execute("ALTER TABLE reports ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
               "(to_tsvector('english'::regconfig, description)) STORED, "
               f"ALTER COLUMN due_at TYPE timestamp with time zone USING ({due})")
    op.execute("ALTER TABLE reports ALTER COLUMN due_at SET NOT NULL")
    for entity in ENTITIES:
        op.create_entity(entity)
    op.drop_index('ix_reports_description_fts', table_name='reports')
    op.create_index('ix_reports_search_vector', 'reports', ['search_vector'], postgresql_using='gin')
    op.create_index('ix_reports_open_overdue_order', 'reports', ['priority', sa.text('due_at DESC'), 'id'],
                    postgresql_where=sa.text(f"status IN ({OPEN_SQL})"))
    op.create_index('ix_reports_open_priority', 'reports', ['priority', 'due_at', 'id'],
                    postgresql_where=sa.text(f"status IN ({OPEN_SQL})"))
    op.create_index('ix_reports_open_due', 'reports', ['due_at', 'id'], postgresql_include=GROUPED,
                    postgresql_where=sa.text(f"status IN ({OPEN_SQL})"))
    op.create_index('ix_reports_fixed_at', 'reports', ['fixed_at'], postgresql_include=['created_at', *GROUPED],
                    postgresql_where=sa.text("fixed_at IS NOT NULL"))
    op.drop_index('ix_reports_created_id', table_name='reports')
    op.create_index('ix_reports_created_id', 'reports', ['created_at', 'id'], postgresql_include=GROUPED)

    op.add_column('report_events', sa.Column(
        'note_vector', postgresql.TSVECTOR(),
        sa.Computed("to_tsvector('english'::regconfig, note)", persisted=True), nullable=True))
    op.drop_index('ix_report_events_note_fts', table_name='report_events')
    op.create_index('ix_report_events_note_vector', 'report_events', ['note_vector'], postgresql_using='gin',
                    postgresql_where=sa.text("note <> ''"))


def downgrade() -> None:
    op.create_index('ix_report_events_note_fts', 'report_events', [sa.text("to_tsvector('english'::regconfig, note)")],
                    postgresql_using='gin', postgresql_where=sa.text("note <> ''"))
    op.drop_index('ix_report_events_note_vector', table_name='report_events')
    op.drop_column('report_events', 'note_vector')
    op.drop_index('ix_reports_created_id', table_name='reports')
    op.create_index('ix_reports_created_id', 'reports', ['created_at', 'id'])
    op.drop_index('ix_reports_fixed_at', table_name='reports')
    op.drop_index('ix_reports_open_due', table_name='reports')
    op.drop_index('ix_reports_open_priority', table_name='reports')
    op.drop_index('ix_reports_open_overdue_order', table_name='reports')
    op.create_index('ix_reports_description_fts', 'reports',
                    [sa.text("to_tsvector('english'::regconfig, description)")], postgresql_using='gin')
    op.drop_index('ix_reports_search_vector', table_name='reports')
    for entity in reversed(ENTITIES):
        op.drop_entity(entity)
    op.drop_column('reports', 'search_vector')
    op.drop_column('reports', 'due_at')
