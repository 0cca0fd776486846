"""Alembic environment: the only way the schema changes. GeoAlchemy2's helpers keep autogenerate sane;
alembic_utils compares the functions and triggers declared in models/sql with the database's."""
from logging.config import fileConfig

from alembic import context
from alembic_utils.pg_function import PGFunction
from alembic_utils.pg_trigger import PGTrigger
from alembic_utils.replaceable_entity import register_entities
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

import models
import models.sql
from portal.config import database_url

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = models.Base.metadata
register_entities(models.sql.ENTITIES, entity_types=[PGFunction, PGTrigger])


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or database_url()
    if not url:
        raise SystemExit("No database: run `make run` (or set DATABASE_URL).")
    return url


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=alembic_helpers.include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
