"""`flask dashboard notify-overdue` and `flask dashboard digest`: run them from cron (e.g. every 15 minutes and
once each morning). Both are idempotent: a report is told of once, a digest sent once per lead and day."""
from __future__ import annotations

from datetime import date

import click

from . import db
from .services import dashboard


@click.group("dashboard", help="Overdue notices and the daily digest to the leads.")
def dashboard_cli():
    pass


@dashboard_cli.command("notify-overdue", help="Email the leads once about each report that has become overdue.")
def notify_overdue():
    session = db.new_session()
    try:
        told = dashboard.notify_overdue(session)
    finally:
        session.close()
    click.echo(f"dashboard: {told} newly overdue report{'s' if told != 1 else ''} told to the leads")


@dashboard_cli.command("digest", help="Queue today's digest for each lead (once a day, however often it runs).")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day the digest is for (YYYY-MM-DD) [today, UTC].")
def digest(day):
    session = db.new_session()
    try:
        queued = dashboard.send_digest(session, day.date() if day is not None else None)
    finally:
        session.close()
    click.echo(f"dashboard: {queued} digest{'s' if queued != 1 else ''} queued")
