"""`flask bodies send`: reports routed to other bodies go to their Open311 endpoints (the mail worker's loop
does the same each round); `flask bodies fetch-updates`: what the bodies did with them comes back (the mail
worker asks every FETCH_EVERY seconds); `flask bodies status` counts them."""
from __future__ import annotations

import time

import click
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from models import BodySend

from . import db
from .services.body_sender import send_due
from .services.body_updates import FetchSummary, fetch_updates

#: How often the mail worker asks the bodies for their updates (each time for everything since the last).
FETCH_EVERY = 300.0


@click.group("bodies", help="Other bodies: sending them their reports by Open311.")
def bodies_cli():
    pass


def send_round() -> None:
    """One round: send what is due, say what happened (nothing when nothing was due)."""
    with db.new_session() as session:
        summary = send_due(session)
    if summary.sent or summary.deferred or summary.waiting_for_id:
        click.echo(f"bodies: sent {summary.sent}, waiting for their id {summary.waiting_for_id}, "
                   f"to retry {summary.deferred}")


def fetch_round() -> FetchSummary:
    """Ask the bodies for their updates; say what came (nothing when nothing did)."""
    with db.new_session() as session:
        fetched = fetch_updates(session)
    if fetched.made or fetched.failed:
        click.echo(f"bodies: {fetched.made} updates from {fetched.bodies} bodies"
                   + (f"; {fetched.failed} did not answer (asked again next time)" if fetched.failed else ""))
    return fetched


@bodies_cli.command("fetch-updates", help="Ask every active body for its updates since the last time and put "
                                          "them on our reports' timelines (each update once).")
def bodies_fetch_updates():
    fetched = fetch_round()
    click.echo(f"bodies: asked {fetched.bodies}, {fetched.made} updates made, {fetched.failed} did not answer")


@bodies_cli.command("send", help="Send due reports to their bodies; keep polling unless --once. Safe to run "
                                 "again or beside another: each report is sent once it is answered.")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Seconds between polls.")
def bodies_send(once: bool, interval: float):
    try:
        while True:
            try:
                send_round()
            except OperationalError as exc:     # the database is away: try again next round
                click.echo(f"bodies: database unavailable ({exc.orig})", err=True)
            if once:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("bodies: stopped")


@bodies_cli.command("status", help="Count reports waiting for, and sent to, other bodies.")
def bodies_status():
    session = db.new_session()
    try:
        waiting, sent, oldest = session.execute(select(
            func.count().filter(BodySend.sent_at.is_(None)), func.count().filter(BodySend.sent_at.is_not(None)),
            func.min(BodySend.created_at).filter(BodySend.sent_at.is_(None)))).one()
    finally:
        session.close()
    click.echo(f"waiting {waiting}, sent {sent}" + (f"; oldest waiting since {oldest:%Y-%m-%d %H:%M} UTC"
                                                     if oldest else ""))
