"""Command line, grouped by noun: `flask db upgrade`, `flask wards import FILE`, `flask demo load`, ..."""
from __future__ import annotations

import json
import time
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text

from gis.importers import ImportFailed, import_postcodes, import_wards, read_wards
from models import Role

from . import db
from .config import INSTANCE
from .services import accounts, apikeys, backup, demo, user_admin
from .services.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS_FILE = INSTANCE / "demo_accounts.json"


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def register(app: Flask) -> None:
    from .councillors.cli import councillors_cli
    from .outbox_cli import outbox_cli, photos_cli, updates_cli
    from .dashboard_cli import dashboard_cli
    from .bodies_cli import bodies_cli
    for group in (db_cli, wards_cli, postcodes_cli, streets_cli, demo_cli, users_cli, apikeys_cli, outbox_cli,
                  photos_cli, updates_cli, councillors_cli, areas_cli, dashboard_cli, bodies_cli):
        app.cli.add_command(group)


@click.group("db", help="Database schema.", cls=AppGroup)
def db_cli():
    pass


@db_cli.command("upgrade", help="Apply every migration (alembic upgrade head).")
def db_upgrade():
    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), "heads")


@db_cli.command("backup", help="Back up the database (pg_dump) and the photo store into a new folder.")
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), default=INSTANCE / "backups",
              show_default=True)
def db_backup(target: Path):
    try:
        out = backup.backup(current_app.config["DATABASE_URL"], current_app.config["PHOTO_DIR"], target)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Backup written to {out}")


@db_cli.command("restore", help="Restore a backup folder made by `flask db backup` (replaces current data).")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_restore(folder: Path, yes: bool):
    if not yes:
        click.confirm("This replaces the current database and photos. Continue?", abort=True)
    try:
        backup.restore(folder, current_app.config["DATABASE_URL"], current_app.config["PHOTO_DIR"])
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Restored {folder}")


@click.group("wards", help="Ward boundaries (the council's service area).", cls=AppGroup)
def wards_cli():
    pass


@wards_cli.command("import", help="Create or update wards from a GeoJSON file (any declared CRS).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code-property", help="Feature property holding the ward code (default: detected).")
@click.option("--name-property", help="Feature property holding the ward name (default: detected).")
def wards_import(file: Path, code_property: str | None, name_property: str | None):
    started = time.monotonic()
    try:
        total = sum(1 for _ in read_wards(file, code_property, name_property))
        with click.progressbar(length=total, label="Importing wards") as bar:
            summary = import_wards(db.new_session(), file, code_property, name_property, progress=bar.update)
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wards: {summary} in {time.monotonic() - started:.1f} s")


@click.group("postcodes", help="Postcode centroids for postcode search.", cls=AppGroup)
def postcodes_cli():
    pass


@postcodes_cli.command("import", help="Create or update postcode centroids from a CSV file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def postcodes_import(file: Path):
    started = time.monotonic()
    try:
        with click.progressbar(length=sum(1 for _ in open(file)) - 1, label="Importing postcodes") as bar:
            summary = import_postcodes(db.new_session(), file, progress=bar.update)
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Postcodes: {summary} in {time.monotonic() - started:.1f} s")


@click.group("streets", help="Street names for street search.", cls=AppGroup)
def streets_cli():
    pass


@streets_cli.command("import", help="Add street names from a CSV file (name, lat/lon or easting/northing; "
                                    "optional osm_highway, inside_borough). Rows already present are kept.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--if-empty", is_flag=True, help="Do nothing if street names are loaded already.")
def streets_import(file: Path, if_empty: bool = False):
    from gis.streets import import_streets
    started = time.monotonic()
    session = db.new_session()
    if if_empty and session.execute(text("SELECT EXISTS (SELECT 1 FROM streets)")).scalar():
        session.close()
        click.echo("Streets: already loaded, nothing imported.")
        return
    with open(file, encoding="utf-8", errors="replace") as lines:
        rows = max(0, sum(1 for _ in lines) - 1)
    try:
        with click.progressbar(length=rows, label="Importing streets") as bar:
            summary = import_streets(session, file, progress=bar.update)
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        session.close()
    click.echo(f"Streets: {summary.created} added in {time.monotonic() - started:.1f} s")


@click.group("areas", help="Small areas (LSOAs) with deprivation and population, for the fairness page.",
             cls=AppGroup)
def areas_cli():
    pass


@areas_cli.command("import", help="Create or update small areas from a boundary GeoJSON and deprivation, "
                                   "population and (optional) area-to-ward lookup CSVs. With no options: the "
                                   "Lewisham files shipped for the demo.")
@click.option("--boundaries", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=demo.AREA_FILES["boundaries"], show_default=True)
@click.option("--deprivation", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=demo.AREA_FILES["deprivation"], show_default=True)
@click.option("--population", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=demo.AREA_FILES["population"], show_default=True)
@click.option("--lookup", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=demo.AREA_FILES["lookup"], show_default=True)
@click.option("--no-lookup", is_flag=True, help="Place each area in the ward holding its point on surface.")
@click.option("--code-property", help="Boundary feature property holding the area code (default: detected).")
@click.option("--name-property", help="Boundary feature property holding the area name (default: detected).")
@click.option("--if-empty", is_flag=True, help="Do nothing if areas are loaded already.")
def areas_import(boundaries: Path, deprivation: Path, population: Path, lookup: Path, no_lookup: bool,
                 code_property: str | None, name_property: str | None, if_empty: bool):
    from gis.areas import import_areas
    session = db.new_session()
    if if_empty and session.execute(text("SELECT EXISTS (SELECT 1 FROM areas)")).scalar():
        click.echo("Areas: already loaded, nothing imported.")
        return
    started = time.monotonic()
    try:
        with click.progressbar(length=len(json.loads(boundaries.read_text(encoding="utf-8-sig")).get("features") or []),
                               label="Importing areas") as bar:
            summary = import_areas(session, boundaries, deprivation, population, None if no_lookup else lookup,
                                   code_property, name_property, progress=bar.update)
    except (ImportFailed, ValueError, AttributeError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Areas: {summary} in {time.monotonic() - started:.1f} s")


@areas_cli.command("refresh", help="Recompute the fairness page's figures now (the mail worker does every "
                                    "few minutes; importing areas does too). For cron when no worker runs.")
def areas_refresh():
    from .services.fairness import refresh_fairness
    session = db.new_session()
    started = time.monotonic()
    try:
        at = refresh_fairness(session)
    finally:
        session.close()
    click.echo(f"Fairness figures computed at {at:%Y-%m-%d %H:%M} UTC in {time.monotonic() - started:.1f} s")


@click.group("demo", help="Demo data: Lewisham wards, postcodes, categories, accounts and real history.", cls=AppGroup)
def demo_cli():
    pass


@demo_cli.command("load", help="Load the demo data (idempotent).")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database is empty.")
def demo_load(if_empty: bool):
    session = db.new_session()
    if if_empty and not demo.is_empty(session):
        click.echo("Demo data: database already has data, nothing loaded.")
        return
    started = time.monotonic()
    demo.load_demo(session, PASSWORDS_FILE, say=lambda m: click.echo(f"  {m}"))
    click.echo(f"Demo data loaded in {time.monotonic() - started:.1f} s")


@demo_cli.command("accounts", help="Print the demo accounts and their passwords.")
def demo_accounts():
    known = json.loads(PASSWORDS_FILE.read_text()) if PASSWORDS_FILE.exists() else {}
    click.echo("Demo accounts (email / password / role):")
    for email, name, role in demo.DEMO_ACCOUNTS:
        click.echo(f"  {email:<26} {known.get(email, '(set elsewhere)'):<14} {role.value}")
    click.echo("Staff and admin accounts set up two-factor sign-in (an authenticator app) at their first login.")


@demo_cli.command("prepare", help="What `make run` needs in one process: migrate, load the demo if empty, "
                                   "print the accounts.")
@click.pass_context
def demo_prepare(ctx: click.Context):
    ctx.invoke(db_upgrade)
    ctx.invoke(demo_load, if_empty=True)
    # What later versions of the demo added arrives in a database made before them, too (street search found
    # nothing in one made before street names were shipped).
    ctx.invoke(streets_import, file=demo.STREETS_FILE, if_empty=True)
    ctx.invoke(areas_import, if_empty=True, no_lookup=False, code_property=None, name_property=None,
               **demo.AREA_FILES)
    ctx.invoke(demo_accounts)


@click.group("users", help="User accounts.", cls=AppGroup)
def users_cli():
    pass


@users_cli.command("create", help="Create an account (e.g. the first admin).")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.RESIDENT.value)
@click.password_option()
def users_create(email: str, name: str, role: str, password: str):
    try:
        user = accounts.register_user(db.new_session(), email=email, password=password, display_name=name,
                                      role=Role(role))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {user.email} ({user.role.value})")


@users_cli.command("reset-2fa", help="Reset an account's two-factor sign-in (it sets it up again at its next "
                                      "sign-in), e.g. when no administrator can sign in.")
@click.argument("email")
def users_reset_2fa(email: str):
    session = db.new_session()
    user = accounts.user_by_email(session, email)
    if user is None:
        raise click.ClickException(f"No account has the address {email}.")
    try:
        user_admin.reset_two_factor(session, user, actor=None)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Two-factor sign-in of {user.email} is reset; every session of it has ended.")


@users_cli.command("anonymise-inactive", help="Delete resident accounts inactive for --days (reports stay, anonymous).")
@click.option("--days", type=click.IntRange(min=30), default=None, help="Default: INACTIVE_DAYS (730).")
def users_anonymise_inactive(days: int | None):
    count = accounts.anonymise_inactive(db.new_session(), days or current_app.config["INACTIVE_DAYS"])
    click.echo(f"Anonymised {count} inactive account(s).")


@click.group("apikeys", help="API keys for Open311 clients.")
def apikeys_cli():
    pass


@apikeys_cli.command("create", help="Issue a key to NAME (shown once; only its hash is stored).")
@click.argument("name")
@click.option("--updates", is_flag=True, help="Allow posting status updates (council back-office systems).")
def apikeys_create(name: str, updates: bool):
    try:
        _key, raw = apikeys.create_key(db.new_session(), name, may_update=updates)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"API key for {name}{' (may post updates)' if updates else ''}: {raw}")
    click.echo("Give it to the client now: it cannot be shown again.")


@apikeys_cli.command("revoke", help="Revoke the key issued to NAME (idempotent).")
@click.argument("name")
def apikeys_revoke(name: str):
    try:
        key = apikeys.revoke_key(db.new_session(), name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Revoked the key of {key.name} at {key.revoked_at:%Y-%m-%d %H:%M} UTC.")


@apikeys_cli.command("list", help="List keys (names and dates; never the keys).")
def apikeys_list():
    for key in apikeys.all_keys(db.new_session()):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"  {key.name:<30} created {key.created_at:%Y-%m-%d}  {state}"
                   f"{'  updates' if key.may_update else ''}")
