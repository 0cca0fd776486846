"""`flask outbox send`: the mail worker (run by `make run` beside the web server). Hourly it also deletes old
sent mail, pending photos of reports never sent (`flask photos purge` on demand), and updates and follows asked
for by email whose link expired unused (`flask updates purge` on demand). Every few minutes it recomputes the
fairness page's figures (`flask areas refresh` on demand) and the stored borough-wide hotspot lists."""
from __future__ import annotations

import time
from datetime import timedelta

import click
from flask import current_app
from sqlalchemy.exc import OperationalError

from . import db
from .services.alerts import match_new_events, send_alert_emails
from .services.fairness import REFRESH_MINUTES, refresh_fairness
from .services.hotspots import REFRESH_EVERY as HOTSPOTS_EVERY, refresh_hotspots
from .bodies_cli import FETCH_EVERY, fetch_round, send_round
from .services.outbox import MailSettings, purge_finished, send_due
from .services.questionnaire import send_questionnaires
from .services import flags
from .services.flags import purge_handled as purge_handled_flags
from .services.links import purge_used_links
from .services.photos import PhotoStore
from .services.unconfirmed import purge_unconfirmed

#: The worker deletes old sent mail, and pending photos, this often.
PURGE_EVERY = 3600.0
#: ... and asks "has it been fixed?" of reports that reached four weeks this often.
QUESTIONNAIRE_EVERY = 600.0


@click.group("outbox", help="Outgoing email.")
def outbox_cli():
    pass


def mail_settings() -> MailSettings:
    cfg = current_app.config
    return MailSettings(host=cfg["MAIL_HOST"], port=cfg["MAIL_PORT"], sender=cfg["MAIL_FROM"])


@outbox_cli.command("send", help="Send due emails; keep polling unless --once.")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Seconds between polls.")
def outbox_send(once: bool, interval: float):
    settings = mail_settings()
    try:
        _loop(settings, once, interval)
    except KeyboardInterrupt:  # Ctrl-C on `make run`: stop quietly; unsent mail waits in the outbox
        click.echo("outbox: stopped")


@outbox_cli.command("purge", help="Delete emails sent (or refused) more than --days ago; the worker does "
                                   "this hourly with OUTBOX_KEEP_DAYS.")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Keep this many days [OUTBOX_KEEP_DAYS].")
def outbox_purge(days: int | None):
    session = db.new_session()
    try:
        gone = purge_finished(session, _keep(days))
    finally:
        session.close()
    click.echo(f"outbox: deleted {gone} finished emails")


def _keep(days: int | None) -> timedelta:
    return timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"] if days is None else days)


@outbox_cli.command("status", help="Count emails waiting, sent and refused for good.")
def outbox_status():
    from sqlalchemy import func, select

    from models import OutboxMessage
    session = db.new_session()
    try:
        row = session.execute(select(
            func.count().filter(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)),
            func.count().filter(OutboxMessage.sent_at.is_not(None)),
            func.count().filter(OutboxMessage.failed_at.is_not(None)),
            func.min(OutboxMessage.created_at).filter(OutboxMessage.sent_at.is_(None),
                                                      OutboxMessage.failed_at.is_(None)))).one()
    finally:
        session.close()
    click.echo(f"waiting {row[0]}, sent {row[1]}, refused {row[2]}"
               + (f"; oldest waiting since {row[3]:%Y-%m-%d %H:%M} UTC" if row[3] else ""))


@click.group("photos", help="The photo store.")
def photos_cli():
    pass


@photos_cli.command("purge", help="Delete pending photos (uploaded with a report never sent) older than "
                                  "--hours; the worker does this hourly with PHOTO_PENDING_HOURS.")
@click.option("--hours", type=click.IntRange(min=0), default=None,
              help="Keep this many hours [PHOTO_PENDING_HOURS].")
def photos_purge(hours: int | None):
    click.echo(f"photos: deleted {_purge_pending(_pending_keep(hours))} pending photos")


def _pending_keep(hours: int | None) -> timedelta:
    return timedelta(hours=current_app.config["PHOTO_PENDING_HOURS"] if hours is None else hours)


def _purge_pending(keep: timedelta) -> int:
    return PhotoStore(current_app.config["PHOTO_DIR"]).purge_pending(keep)


def _worker_purge_pending(keep: timedelta) -> None:
    try:
        gone = _purge_pending(keep)
    except OSError as exc:   # the store is unreadable for now: the mail must still go
        click.echo(f"photos: could not purge pending photos ({exc})", err=True)
        return
    if gone:
        click.echo(f"photos: deleted {gone} pending photos older than {keep / timedelta(hours=1):g} hours")


@click.group("updates", help="Updates, follows and flags from residents.")
def updates_cli():
    pass


@updates_cli.command("purge", help="Delete reports, updates, follows and alerts asked for by email whose link "
                                   "expired unused (with their photos and the email-only person nothing else "
                                   "refers to), and flags from residents dealt with over 90 days ago; the worker does "
                                   "this hourly.")
def updates_purge():
    session = db.new_session()
    try:
        done = purge_unconfirmed(session, PhotoStore(current_app.config["PHOTO_DIR"]))
        flags_gone = purge_handled_flags(session)
    finally:
        session.close()
    click.echo(f"updates: deleted {done.reports} unconfirmed reports, {done.updates} unconfirmed updates "
               f"({done.photos} photos), {done.alerts} unconfirmed alerts and {done.people} email-only people "
               f"they left behind; {flags_gone} flags dealt with over {flags.KEEP_HANDLED.days} days ago")


def _loop(settings: MailSettings, once: bool, interval: float) -> None:
    keep, purged_at = _keep(None), float("-inf")
    pending_keep, photos_purged_at = _pending_keep(None), float("-inf")
    asked_at = fairness_at = hotspots_at = updates_at = float("-inf")
    while True:
        if time.monotonic() - photos_purged_at >= PURGE_EVERY:   # needs no database: done even while it is away
            _worker_purge_pending(pending_keep)
            photos_purged_at = time.monotonic()
        session = db.new_session()
        try:
            # Alerts first, so that what they write goes out in this round's batch.
            hits, written = match_new_events(session), send_alert_emails(session)
            if hits or written:
                click.echo(f"alerts: {hits} matches, {written} emails")
            if time.monotonic() - asked_at >= QUESTIONNAIRE_EVERY:
                asked = send_questionnaires(session)
                asked_at = time.monotonic()
                if asked:
                    click.echo(f"questionnaires: {asked} sent")
            summary = send_due(session, settings)
            if summary.sent or summary.deferred or summary.failed:
                click.echo(f"outbox: sent {summary.sent}, deferred {summary.deferred}, failed {summary.failed}")
            if time.monotonic() - purged_at >= PURGE_EVERY:
                gone = purge_finished(session, keep)
                purged_at = time.monotonic()
                if gone:
                    click.echo(f"outbox: deleted {gone} emails finished over {keep.days} days ago")
                purge_used_links(session)      # records of used links, once the links have expired anyway
                purge_handled_flags(session)   # flags dealt with long ago, with the address and note they came with
                done = purge_unconfirmed(session, PhotoStore(current_app.config["PHOTO_DIR"]))
                if done.reports or done.updates or done.alerts or done.people:
                    click.echo(f"updates: deleted {done.reports} unconfirmed reports, {done.updates} unconfirmed "
                               f"updates, {done.alerts} unconfirmed alerts and {done.people} email-only people "
                               "whose links expired")
            if time.monotonic() - fairness_at >= REFRESH_MINUTES * 60:
                refresh_fairness(session)
                fairness_at = time.monotonic()
            if time.monotonic() - hotspots_at >= HOTSPOTS_EVERY.total_seconds():
                refresh_hotspots(session)
                hotspots_at = time.monotonic()
        except OperationalError as exc:  # the database is away: try again next round
            click.echo(f"outbox: database unavailable ({exc.orig})", err=True)
        finally:
            session.close()
        try:
            send_round()           # reports for other bodies, by Open311 (flask bodies send)
            if time.monotonic() - updates_at >= FETCH_EVERY:
                updates_at = time.monotonic()
                fetch_round()      # and what they did with them (flask bodies fetch-updates)
        except OperationalError as exc:
            click.echo(f"bodies: database unavailable ({exc.orig})", err=True)
        if once:
            return
        time.sleep(interval)
