"""Database connection settings that SQLAlchemy does not apply by itself."""

from sqlalchemy import event


def enable_sqlite_foreign_keys(engine):
    """Make every SQLite connection enforce foreign keys and tolerate concurrent writers."""
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
