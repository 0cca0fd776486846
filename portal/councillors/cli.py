"""`flask councillors digest`: queue this week's digest for every councillor (idempotent per week), for cron or
the worker to run, e.g. every Monday morning."""
from __future__ import annotations

from datetime import datetime, timezone

import click
from flask.cli import AppGroup

from .. import db
from ..services.councillors import queue_weekly_digests


@click.group("councillors", help="Councillors' wards and weekly digests.", cls=AppGroup)
def councillors_cli():
    pass


@councillors_cli.command("digest", help="Queue the weekly digest of each councillor's wards (once per week; "
                                         "the outbox worker sends it).")
def digest():
    summary = queue_weekly_digests(db.new_session(), datetime.now(timezone.utc).date())
    click.echo(f"Weekly digests: {summary.queued} queued, {summary.already} already queued this week.")
