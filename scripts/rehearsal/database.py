"""The rehearsal's PostgreSQL: fresh databases in Render's postgres:// form, the migration lock, row counts."""

import re
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from . import check

LOCK_KEY_LINE = re.compile(r"MIGRATION_LOCK_KEY = ([\d_]+)")


def render_style(url):
    """``url`` in the ``postgres://`` form Render's connectionString uses."""
    parts = urlsplit(url)
    return urlunsplit(("postgres",) + tuple(parts[1:]))


def connect(url):
    """An autocommit connection (libpq reads postgres:// URLs as they are)."""
    connection = psycopg2.connect(url, connect_timeout=5)
    connection.autocommit = True
    return connection


def fetch(url, sql, params=()):
    """All rows of one query."""
    connection = connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


class Server:
    """The PostgreSQL server the rehearsal makes its databases on."""

    def __init__(self, admin_url, cleanup):
        """Check the server answers; every database made here is dropped at clean-up."""
        self.admin_url = admin_url.replace("postgresql+psycopg2://", "postgresql://", 1)
        self.cleanup = cleanup
        fetch(self.admin_url, "SELECT 1")

    def create(self, purpose):
        """A new, empty database; returns its postgres:// URL."""
        name = f"hyperdesk_rehearsal_{purpose}_{uuid.uuid4().hex[:8]}"
        connection = connect(self.admin_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()
        self.cleanup.push(f"database {name}", lambda: self.drop(name))
        return render_style(urlunsplit(urlsplit(self.admin_url)._replace(path=f"/{name}")))

    def drop(self, name):
        """Drop a database, disconnecting whoever is still on it."""
        connection = connect(self.admin_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            connection.close()


def migration_lock_key(env_py):
    """The advisory lock key migrations/env.py takes."""
    match = LOCK_KEY_LINE.search(env_py.read_text())
    check(match is not None, f"{env_py} declares no MIGRATION_LOCK_KEY")
    return int(match.group(1))


class MigrationLock:
    """Holds the migrations' advisory lock, so starting instances must queue behind it."""

    def __init__(self, url, key):
        """Take the lock on a connection of our own."""
        self.url, self.key = url, key
        self.connection = connect(url)
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", (key,))

    def wait_for_waiters(self, count, timeout):
        """Return once ``count`` other sessions wait for the lock."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = fetch(
                self.url,
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            )
            if waiting[0][0] >= count:
                return
            time.sleep(0.1)
        check(False, f"{count} instances never queued for the migration lock within {timeout} s")

    def release(self):
        """Let the queued instances go, one at a time."""
        if self.connection.closed:
            return
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        self.connection.close()


def row_counts(url):
    """Rows per table of the public schema."""
    tables = [row[0] for row in fetch(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
    return {table: fetch(url, f'SELECT count(*) FROM "{table}"')[0][0] for table in tables}
