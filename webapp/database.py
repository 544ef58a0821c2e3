"""Database connection settings SQLAlchemy does not apply by itself (deadlines, start-up wait), and the migration tooling."""

import contextlib
import contextvars
import os
import re
import time

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError, SQLAlchemyError


def _lower(value):
    return value.lower() if isinstance(value, str) else value


# Each connection's page cache, in KiB (SQLite's default is 2,000). A worker holds one connection per
# request thread plus the outbox's, each cache filling up to its size: at 512 a worker under load stays
# ~5 MiB smaller (bench/footprint.py, 100,000 rows) for no CPU per request that bench/cpu.py can see;
# the pages it no longer keeps are still in the operating system's file cache. 256 would save ~1 MiB
# more, but a list of rows scattered through a million-row table needs ~66 pages and would then read
# 56 of them from that cache on every request, 2-3% more CPU (docs/performance.md, December 5).
SQLITE_CACHE_KIB = 512


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
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()
        # SQLite's lower() folds ASCII only; Python's folds every script, as PostgreSQL's
        # lower() and ILIKE do, so searches and e-mail checks answer alike on both.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def ping_connections_after_idle(engine, idle_seconds):
    """Check a pooled connection with a round trip before use, but only once it has sat idle ``idle_seconds``.

    A connection the server dropped (a restart, a proxy's idle timeout) has always sat in the
    pool meanwhile; under traffic connections return within milliseconds and skip the check,
    which is what ``pool_pre_ping`` would cost on every request. A dropped connection that is
    met anyway fails its first statement, and SQLAlchemy then replaces the whole pool:
    ``retried_if_dropped`` re-runs a request's first statement on a fresh connection.
    """
    if getattr(engine, "_hyperdesk_idle_ping", False):
        return
    engine._hyperdesk_idle_ping = True
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _note_return(dbapi_connection, record):
        if dbapi_connection is not None:  # None: the connection was invalidated on its way back
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        returned_at = record.info.get("returned_at")  # absent on a new connection: it just answered
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError("the database dropped this connection") from error  # the pool reconnects
            raise


def retried_if_dropped(run):
    """``run()``; once more on a fresh connection when it met a connection the database had dropped.

    Only for the first statement of a request (the session or key lookup): the rollback in
    between discards nothing, and the pool has meanwhile replaced its other old connections.
    """
    from .extensions import db

    try:
        return run()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        db.session.rollback()
        return run()


# Made by migrations with raw SQL and absent from the models: SQLite's FTS5 search tables and
# their shadow tables (create_search_index). Autogenerate must not offer to drop them.
SEARCH_TABLE = re.compile(r".+_search(_(data|idx|docsize|config|content))?$")
# Trigram indexes exist on PostgreSQL only (the models mark them with ddl_if).
POSTGRES_ONLY_INDEX_SUFFIX = "_trgm"


def autogenerate_filters(dialect_name):
    """Alembic comparison hooks for this database: skip what the models do not describe there."""

    def include_name(name, type_, parent_names):
        return not (type_ == "table" and SEARCH_TABLE.fullmatch(name))

    def include_object(obj, name, type_, reflected, compare_to):
        postgres_only = type_ == "index" and (name or "").endswith(POSTGRES_ONLY_INDEX_SUFFIX)
        return not (postgres_only and dialect_name != "postgresql")

    return {"include_name": include_name, "include_object": include_object}


def render_item(type_, obj, autogen_context):
    """How a generated revision writes the app's column types and defaults, so it runs on SQLite and PostgreSQL.

    ``UTCDateTime`` is written as the ``DateTime(timezone=True)`` it stands for, ``JSONType`` as
    JSON with PostgreSQL's JSONB, and a ``false()``/``true()`` server default stays one (not the
    ``0`` SQLite would compile it to). Used by ``flask db migrate`` and ``flask scaffold``.
    """
    from sqlalchemy.sql.elements import False_, True_

    from .models.base import JSONDocument, UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, JSONDocument):
        if autogen_context is not None:
            autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")'
    if type_ == "server_default" and isinstance(getattr(obj, "arg", None), False_ | True_):
        return "sa.true()" if isinstance(obj.arg, True_) else "sa.false()"
    return False


MIGRATIONS_DIRECTORY = os.path.join(os.path.dirname(__file__), os.pardir, "migrations")


def ensure_migrations(app):
    """Attach Flask-Migrate (Alembic) to ``app`` once, for the commands and code that migrate.

    Serving requests never needs Alembic, so workers do not import it: the CLI, start-up
    preparation and tests call this first.
    """
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        from .extensions import db

        Migrate(
            app, db, directory=MIGRATIONS_DIRECTORY, render_as_batch=True, compare_type=True, render_item=render_item
        )
    return app.extensions["migrate"]


# How many values ANALYZE keeps of each searched column (PostgreSQL's default: 100). The planner
# guesses how many rows match ``ILIKE '%word%'`` from them, and chooses by that guess between
# reading the index's every match and walking the table newest first until a page is full. With 100,
# a word in 1% of a million names was guessed rare after one ANALYZE in three, and everyone's
# search read all 10,000 matches (19-63 ms instead of 4.3); with 500 in none of six (1,000: none
# of ten), for 0.2 ms more planning per search (docs/performance.md).
SEARCH_STATISTICS = 500


def set_search_statistics(op, table, columns, target=SEARCH_STATISTICS):
    """Keep ``target`` sampled values of each searched column on PostgreSQL (-1: the server's default)."""
    if op.get_bind().dialect.name == "postgresql":
        for column in columns:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS {int(target)}')


def create_search_index(op, table, columns, scope=None):
    """Index ``columns`` of ``table`` for a declared list search (``Resource(search=…, search_index=True)``).

    PostgreSQL: a GIN trigram index per column (``ix_<table>_<column>_trgm``), which serves
    ``ILIKE '%term%'``; declare the same indexes on the model with ``ddl_if(dialect="postgresql")``.
    ``scope``, the column a person's list is narrowed by (the owner's, or the parent's), leads each
    index (``btree_gin``): one person's search then reads only their own matches, where an index on
    the text alone returned every match in the table to be intersected with their rows (4.6 ms
    against 0.6 ms at 1,000,000 projects); a search of everyone's rows uses the same index as fast.
    The columns keep ``SEARCH_STATISTICS`` sampled values, so the planner's guess of a word's matches
    holds. SQLite: an FTS5 table ``<table>_search`` with the trigram tokenizer over the columns, filled
    from the table and kept in step by three triggers. Call it from a migration's ``upgrade``
    (and again after a batch rebuild of ``table``, which drops the triggers on SQLite).
    """
    if op.get_bind().dialect.name == "postgresql":
        # Both are trusted extensions: the database's owner may create them (Render's default user can).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        if scope is not None:
            op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        set_search_statistics(op, table, columns)
        for column in columns:
            op.create_index(
                f"ix_{table}_{column}_trgm",
                table,
                [scope, column] if scope is not None else [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
                if_not_exists=True,
            )
        return
    for statement in _sqlite_search(table, columns):
        op.execute(statement)


def drop_search_index(op, table, columns):
    """Undo :func:`create_search_index` (a migration's ``downgrade``)."""
    if op.get_bind().dialect.name == "postgresql":
        for column in columns:
            op.drop_index(f"ix_{table}_{column}_trgm", table_name=table, if_exists=True)
        return
    for verb in ("update", "delete", "insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{verb}")
    op.execute(f"DROP TABLE IF EXISTS {table}_search")


def _sqlite_search(table, columns):
    # Quoted: a scaffolded ``orders`` has the table ``order``, a word SQL keeps for itself.
    fts, names = f"{table}_search", ", ".join(_quoted(c) for c in columns)
    new = ", ".join(f"new.{_quoted(c)}" for c in columns)
    old = ", ".join(f"old.{_quoted(c)}" for c in columns)
    source = _quoted(table)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id', tokenize='trigram')",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {source} BEGIN "
        f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {source} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {source} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
    ]


def _quoted(name):
    return '"' + name.replace('"', '""') + '"'


# Seconds one database round trip may take in this context (a request, a health check, the
# outbox thread); None waits as long as it takes (migrations, commands).
_round_trip_limit = contextvars.ContextVar("hyperdesk_db_round_trip_limit", default=None)
# Seconds to connect: DB_CONNECT_TIMEOUT, or less where a probe must answer sooner.
_connect_limit = contextvars.ContextVar("hyperdesk_db_connect_limit", default=None)
_default_connect_limit = [2.0]
# True inside a health probe: it must see the database as it is now, whatever the breaker says.
_probing = contextvars.ContextVar("hyperdesk_db_probing", default=False)


def set_default_connect_limit(seconds):
    """Seconds to connect where nothing asks for less (``DB_CONNECT_TIMEOUT``)."""
    _default_connect_limit[0] = seconds


def limits_in_force(connecting):
    """(seconds this round trip or connect may take or None, True inside a health probe)."""
    limit = (_connect_limit.get() or _default_connect_limit[0]) if connecting else _round_trip_limit.get()
    return limit, _probing.get()


def _set_wait_callback(callback):
    import psycopg2.extensions  # here, not at the top: an app on SQLite never loads psycopg2

    previous = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(callback)
    return previous


@contextlib.contextmanager
def round_trip_limit(seconds, connect=None):
    """Bound each database round trip made inside the block to ``seconds`` (None: no bound), and connecting to ``connect``."""
    tokens = _round_trip_limit.set(seconds), _connect_limit.set(connect)
    try:
        yield
    finally:
        _round_trip_limit.reset(tokens[0])
        _connect_limit.reset(tokens[1])


def probe(app, timeout):
    """Ask the database for ``SELECT 1`` on a fresh connection, within ``timeout`` seconds in all.

    Returns the round trip in milliseconds, or raises SQLAlchemyError. A connection of its
    own (no pool) means a pool emptied by stuck requests cannot delay the answer.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from .extensions import db

    engine = app.extensions.get("database_probe")
    if engine is None:
        with app.app_context():
            main = db.engine
        engine = main if main.dialect.name == "sqlite" else create_engine(main.url, poolclass=NullPool)
        app.extensions["database_probe"] = engine
    started = time.perf_counter()
    token = _probing.set(True)
    try:
        with round_trip_limit(timeout / 2, connect=timeout / 2), engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    finally:
        _probing.reset(token)
    return round((time.perf_counter() - started) * 1000, 1)


def limit_request_round_trips():
    """Request hook: each database round trip of this request may take ``DB_QUERY_TIMEOUT`` seconds."""
    from flask import current_app, g

    g.database_limit = _round_trip_limit.set(current_app.config["DB_QUERY_TIMEOUT"] or None)


def release_session(error=None):
    """App-context teardown: end the session, still within the request's limit, then lift the limit.

    Handing the connection back to the pool rolls its transaction back, one more round trip:
    on a database that froze after the request's last query it must give up like any other,
    not hold the worker thread until the database is back. A database that dropped the
    connection meanwhile makes that close fail; Flask-SQLAlchemy's own teardown would let
    the error escape after the response was made, and gunicorn would answer a bare 500.
    Runs first, so that one finds nothing to do.
    """
    from flask import g

    from .extensions import db

    try:
        db.session.remove()
    except SQLAlchemyError:
        db.session.remove()  # the failed connection is invalidated; the second close finds none
    finally:
        token = g.pop("database_limit", None)
        if token is not None:  # lifted, so code after it in the same thread (tests, commands) is not bound
            with contextlib.suppress(ValueError):  # set in another context: nothing to lift here
                _round_trip_limit.reset(token)


@contextlib.contextmanager
def blocking_io():
    """Plain blocking psycopg2 inside the block (COPY cannot run under a wait callback)."""
    previous = _set_wait_callback(None)
    try:
        yield
    finally:
        _set_wait_callback(previous)


def wait_for_database(engine, wait_seconds, log, first_delay=0.5, max_delay=5.0):
    """Try to connect until the database answers or ``wait_seconds`` have passed; one log line per failed try.

    Returns the number of attempts; raises the last OperationalError when time is up.
    """
    deadline = time.monotonic() + wait_seconds
    delay, attempt = first_delay, 0
    while True:
        attempt += 1
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return attempt
        except OperationalError as error:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            pause = min(delay, left)
            reason = str(error.orig).strip().splitlines()[0] if error.orig else error.__class__.__name__
            log.warning(
                "Waiting for the database (attempt %d failed: %s); next try in %.1f s, giving up in %.0f s.",
                attempt,
                reason,
                pause,
                left,
                extra={"event": "database_wait", "attempt": attempt},
            )
            time.sleep(pause)
            delay = min(delay * 2, max_delay)
