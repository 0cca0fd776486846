"""desk: staff search (full text and trigrams), people (the CRM record), overdue notices and the daily digest

- ``pg_trgm``; GIN indexes: words of descriptions and of timeline notes (to_tsvector 'english'), any part of a
  description (trigrams: a street name typed in it); lower(to_addr) of the outbox (a person's emails).
- ``people``: one record per person across channels (name, email, phone and its digits, preferred contact,
  needs); ``reports.person_id``. Filled in from what is known: every reporting account, then the contact
  details Open311 clients gave (by email, else by phone).
- ``reports.overdue_notified_at`` (the lead is told once), ``users.notify_overdue`` (who leads: told of each
  overdue report and sent the digest), ``digests_sent`` (one digest a day per person).

Revision ID: 0018
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

#: models.status.OPEN as it is today (frozen: this file never changes when it does).
OPEN_SQL = "'assigned', 'confirmed', 'in_progress', 'investigating', 'new', 'reopened'"


def digits_of(column: str) -> str:
    """The phone matching key of portal/services/people.py phone_digits(), in SQL, for the backfill."""
    d = f"regexp_replace({column}, '[^0-9]', '', 'g')"
    return (f"left(CASE WHEN {d} LIKE '0044%' THEN '0' || substr({d}, 5) "
            f"WHEN {d} LIKE '44%' AND length({d}) = 12 THEN '0' || substr({d}, 3) ELSE {d} END, 15)")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index('ix_reports_description_fts', 'reports', [sa.text("to_tsvector('english'::regconfig, description)")],
                    postgresql_using='gin')
    op.create_index('ix_reports_description_trgm', 'reports', ['description'], postgresql_using='gin',
                    postgresql_ops={'description': 'gin_trgm_ops'})
    op.create_index('ix_report_events_note_fts', 'report_events', [sa.text("to_tsvector('english'::regconfig, note)")],
                    postgresql_using='gin', postgresql_where=sa.text("note <> ''"))
    op.create_index('ix_outbox_to_addr_lower', 'outbox', [sa.text('lower(to_addr)')])

    op.create_table(
        'people',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(100), server_default='', nullable=False),
        sa.Column('email', sa.String(254), server_default='', nullable=False),
        sa.Column('phone', sa.String(40), server_default='', nullable=False),
        sa.Column('phone_digits', sa.String(15), server_default='', nullable=False),
        sa.Column('preferred_contact', sa.String(10), server_default='email', nullable=False),
        sa.Column('needs', postgresql.ARRAY(sa.String(20)), server_default='{}', nullable=False),
        sa.Column('needs_note', sa.Text(), server_default='', nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email = '' OR email ~ '^[!-~]+@[!-~]+$'", name=op.f('ck_people_email_ascii')),
        sa.CheckConstraint("preferred_contact IN ('email', 'phone', 'letter', 'none')",
                           name=op.f('ck_people_preference_known')),
        sa.CheckConstraint("phone_digits ~ '^[0-9]{0,15}$'", name=op.f('ck_people_phone_digits_only')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_people_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
        sa.UniqueConstraint('user_id', name=op.f('uq_people_user_id')),
    )
    op.create_index('uq_people_email_lower', 'people', [sa.text('lower(email)')], unique=True,
                    postgresql_where=sa.text("email <> ''"))
    op.create_index('ix_people_phone_digits', 'people', ['phone_digits'], postgresql_where=sa.text("phone_digits <> ''"))

    op.add_column('reports', sa.Column('person_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_reports_person_id_people'), 'reports', 'people', ['person_id'], ['id'],
                          ondelete='SET NULL')
    op.add_column('reports', sa.Column('overdue_notified_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('users', sa.Column('notify_overdue', sa.Boolean(), server_default='false', nullable=False))
    op.create_table(
        'digests_sent',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digests_sent_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('day', 'user_id', name=op.f('pk_digests_sent')),
    )
    op.create_index('ix_digests_sent_user_id', 'digests_sent', ['user_id'])

    # People from what is known: each reporting account, then Open311 contacts (by email, else by phone).
    op.execute("""
        INSERT INTO people (name, email, user_id, preferred_contact, created_at, updated_at)
        SELECT u.display_name, u.email, u.id, CASE WHEN u.contact_preference = 'none' THEN 'none' ELSE 'email' END,
               now(), now()
        FROM users u WHERE EXISTS (SELECT 1 FROM reports r WHERE r.reporter_id = u.id)""")
    op.execute("UPDATE reports r SET person_id = p.id FROM people p WHERE p.user_id = r.reporter_id")
    op.execute(f"""
        INSERT INTO people (name, email, phone, phone_digits, preferred_contact, created_at, updated_at)
        SELECT DISTINCT ON (lower(c.email)) left(trim(c.first_name || ' ' || c.last_name), 100), c.email, c.phone,
               {digits_of('c.phone')}, 'email', now(), now()
        FROM report_contacts c JOIN reports r ON r.id = c.report_id
        WHERE c.email <> '' AND r.person_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM people p WHERE lower(p.email) = lower(c.email))
        ORDER BY lower(c.email), c.created_at""")
    op.execute("""
        UPDATE reports r SET person_id = p.id FROM report_contacts c, people p
        WHERE c.report_id = r.id AND r.person_id IS NULL AND c.email <> '' AND lower(p.email) = lower(c.email)""")
    op.execute(f"""
        WITH c AS (SELECT c.report_id, c.phone, c.first_name, c.last_name, c.created_at,
                          {digits_of('c.phone')} AS digits
                   FROM report_contacts c JOIN reports r ON r.id = c.report_id
                   WHERE r.person_id IS NULL AND c.email = '' AND c.phone <> '')
        INSERT INTO people (name, phone, phone_digits, preferred_contact, created_at, updated_at)
        SELECT DISTINCT ON (digits) left(trim(first_name || ' ' || last_name), 100), phone, digits, 'phone', now(), now()
        FROM c WHERE digits <> '' ORDER BY digits, created_at""")
    op.execute(f"""
        UPDATE reports r SET person_id = p.id FROM report_contacts c, people p
        WHERE c.report_id = r.id AND r.person_id IS NULL AND c.email = '' AND p.email = '' AND p.phone_digits <> ''
          AND p.phone_digits = {digits_of('c.phone')}""")
    op.create_index('ix_reports_person_id', 'reports', ['person_id'], postgresql_where=sa.text('person_id IS NOT NULL'))
    op.create_index('ix_reports_overdue_pending', 'reports', ['created_at'],
                    postgresql_where=sa.text(f"overdue_notified_at IS NULL AND status IN ({OPEN_SQL})"))


def downgrade() -> None:
    op.drop_index('ix_reports_overdue_pending', table_name='reports')
    op.drop_index('ix_reports_person_id', table_name='reports')
    op.drop_table('digests_sent')
    op.drop_column('users', 'notify_overdue')
    op.drop_column('reports', 'overdue_notified_at')
    op.drop_constraint(op.f('fk_reports_person_id_people'), 'reports', type_='foreignkey')
    op.drop_column('reports', 'person_id')
    op.drop_table('people')
    op.drop_index('ix_outbox_to_addr_lower', table_name='outbox')
    op.drop_index('ix_report_events_note_fts', table_name='report_events')
    op.drop_index('ix_reports_description_trgm', table_name='reports')
    op.drop_index('ix_reports_description_fts', table_name='reports')
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
