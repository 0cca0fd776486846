"""trust: per-account session version, single-use links, ASCII-only email addresses

- ``users.session_version``: part of every session's and remember cookie's identity; raising it (password
  reset or change, email or role change, disabling, "log out everywhere") ends every session opened before.
- ``used_links``: a digest of each emailed link that granted something, so it works once; rows are kept until
  the link would have expired anyway.
- Email addresses are printable ASCII without spaces (what SMTP without SMTPUTF8 can deliver, and what
  Python's and PostgreSQL's lower() fold the same way). NOT VALID: old rows are not rechecked by the
  migration, every new or changed row is.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

from models.status import PUBLIC

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

ASCII_EMAIL = "~ '^[!-~]+@[!-~]+$'"
CHECKS = [("users", "email", f"email {ASCII_EMAIL}"),
          ("report_contacts", "email", f"email = '' OR email {ASCII_EMAIL}"),
          ("outbox", "to_addr", f"to_addr {ASCII_EMAIL}")]


def public_function_sql(public=PUBLIC) -> str:
    """``kerbside_report_is_public``: models.PUBLIC and "not hidden by a moderator", the same rule as
    portal.services.visibility, for SQL (hotspots, summary triggers). LANGUAGE sql and STABLE, so the
    planner inlines it and a status index still serves."""
    statuses = ", ".join(f"'{s.value}'" for s in sorted(public, key=lambda s: s.value))
    return ("CREATE OR REPLACE FUNCTION kerbside_report_is_public(status report_status, hidden boolean) "
            "RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS "
            f"$$ SELECT status = ANY (ARRAY[{statuses}]::report_status[]) AND NOT hidden $$")


def upgrade() -> None:
    op.execute(public_function_sql())
    op.add_column('users', sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    op.create_table(
        'used_links',
        sa.Column('digest', sa.String(64), nullable=False),
        sa.Column('purpose', sa.String(40), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('digest', name=op.f('pk_used_links')),
    )
    op.create_index('ix_used_links_expires_at', 'used_links', ['expires_at'])
    # A public name is only ever one the person typed: email-only reporters were named by their address's
    # local part, which then showed on public pages.
    op.execute("UPDATE users SET display_name = '' WHERE password_hash IS NULL "
               "AND display_name = left(split_part(email, '@', 1), 80)")
    for table, column, condition in CHECKS:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{column}_ascii CHECK ({condition}) NOT VALID")


def downgrade() -> None:
    op.execute("DROP FUNCTION kerbside_report_is_public(report_status, boolean)")
    for table, column, _condition in CHECKS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_{column}_ascii")
    op.drop_index('ix_used_links_expires_at', table_name='used_links')
    op.drop_table('used_links')
    op.drop_column('users', 'session_version')
