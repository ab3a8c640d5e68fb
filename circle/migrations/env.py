"""Alembic's environment for Kring: migrate the database of the current Flask app.

Run through Flask-Migrate: `flask --app circle db upgrade`, `db migrate -m "..."`.
"""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

# Autogenerate leaves the full-text search index alone: it is not in the models (circle/read/search_index.py).
from circle.read.search_index import include_name

config = context.config

# Log what migrations do when run from the command line; under tests, leave logging alone.
if config.config_file_name is not None and not current_app.testing:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def render_item(type_, obj, autogen_context):
    """Write Kring's enums as what they are in every database: short plain strings."""
    if type_ == "type" and isinstance(obj, sa.Enum) and not obj.native_enum:
        return f"sa.String(length={obj.length})"
    return False


def process_revision_directives(context, revision, directives):
    """Write no empty revision when the models did not change."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def run_migrations_offline():
    """Write the SQL of the migrations instead of running them (`db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on the app's database."""
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("include_name", include_name)
    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table on SQLite (copy, drop, rename): with foreign keys
            # enforced, dropping a table other rows point at fails. Off for the migration (the pragma
            # only changes outside a transaction), then every reference is checked before it counts.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        # All the migrations of one command in one transaction, on SQLite too, whose DDL is transactional
        # though Alembic and Python's sqlite3 treat it as if it were not (sqlite3 opens no transaction
        # before DDL): a migration that fails, a refused downgrade further down the chain, say, leaves
        # the schema as it found it.
        context.configure(connection=connection, target_metadata=target_db.metadata,
                          **({"transactional_ddl": True} if sqlite else {}), **conf_args)
        with context.begin_transaction():
            if sqlite:
                connection.exec_driver_sql("BEGIN")
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
