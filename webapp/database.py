"""Database connection settings SQLAlchemy does not apply by itself, and the migration tooling."""

import os

from sqlalchemy import event


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def enable_sqlite_foreign_keys(engine):
    """Make every SQLite connection enforce foreign keys, tolerate concurrent writers and fold case fully."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_hyperdesk_pragmas", False):
        return
    engine._hyperdesk_pragmas = True

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets gunicorn workers read while one writes; busy_timeout waits instead of failing.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's lower() folds ASCII only; Python's folds every script, as PostgreSQL's
        # lower() and ILIKE do, so searches and e-mail checks answer alike on both.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


# Made by migrations with raw SQL and absent from the models: SQLite's FTS5 search table and
# its shadow tables (revision 0003). Autogenerate must not offer to drop them.
UNMODELLED_TABLE_PREFIXES = ("project_search",)
# Trigram indexes exist on PostgreSQL only (the models mark them with ddl_if).
POSTGRES_ONLY_INDEX_SUFFIX = "_trgm"


def autogenerate_filters(dialect_name):
    """Alembic comparison hooks for this database: skip what the models do not describe there."""

    def include_name(name, type_, parent_names):
        return not (type_ == "table" and name.startswith(UNMODELLED_TABLE_PREFIXES))

    def include_object(obj, name, type_, reflected, compare_to):
        postgres_only = type_ == "index" and (name or "").endswith(POSTGRES_ONLY_INDEX_SUFFIX)
        return not (postgres_only and dialect_name != "postgresql")

    return {"include_name": include_name, "include_object": include_object}


MIGRATIONS_DIRECTORY = os.path.join(os.path.dirname(__file__), os.pardir, "migrations")


def ensure_migrations(app):
    """Attach Flask-Migrate (Alembic) to ``app`` once, for the commands and code that migrate.

    Serving requests never needs Alembic, so workers do not import it: the CLI, start-up
    preparation and tests call this first.
    """
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        from .extensions import db

        Migrate(app, db, directory=MIGRATIONS_DIRECTORY, render_as_batch=True, compare_type=True)
    return app.extensions["migrate"]
