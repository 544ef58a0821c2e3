"""Alembic environment: runs migrations for the app's database, safely on SQLite and PostgreSQL."""

import logging

from alembic import context
from flask import current_app
from sqlalchemy import text

from webapp.database import autogenerate_filters

log = logging.getLogger("alembic.env")
config = context.config
migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata

# Any fixed 64-bit number will do, as long as every Hyperdesk instance uses the same one.
MIGRATION_LOCK_KEY = 4_815_162_342


def skip_empty_autogenerate(context_, revision, directives):
    """Write no revision file when autogenerate finds nothing to change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def run_migrations_offline():
    """Print the SQL instead of running it (``flask db upgrade --sql``)."""
    context.configure(
        url=migrate_ext.db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        **migrate_ext.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on one connection, one transaction, one instance at a time."""
    configure_args = dict(migrate_ext.configure_args)
    configure_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    engine = migrate_ext.db.engine
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table by copy-and-drop; with foreign keys on,
            # dropping a parent would cascade-delete every child row. The pragma only
            # takes effect outside a transaction, so commit the implicit one first.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        configure_args.update(autogenerate_filters(connection.dialect.name))
        context.configure(connection=connection, target_metadata=target_metadata, **configure_args)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Two instances starting at once take turns; the second then finds nothing to do.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"Migration left rows with broken foreign keys: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
