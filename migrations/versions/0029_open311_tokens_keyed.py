"""Open311 content tokens stored before they were keyed are replaced

A request's idempotency token (``reports.client_token``, ``o311-<digest>-<minute>``) was a plain SHA-256 of
the API key's id and the request's content: mostly public, but for the reporter's email address. Since
``tokens/{token}`` resolves a token, anyone could test a guess of that address. New tokens are an HMAC under the
app's secret (``content_token``); this replaces the stored ones with random values of the same shape. A token
only matters for a minute (a repeat of the same request); none was ever handed to a client.

Revision ID: 0029
Revises: 0028
"""
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        UPDATE reports
           SET client_token = 'o311-' || left(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 40)
                              || '-' || split_part(client_token, '-', 3)
         WHERE client_token LIKE 'o311-%'
    """)


def downgrade() -> None:
    pass        # the old digests cannot be made again, and are not wanted
