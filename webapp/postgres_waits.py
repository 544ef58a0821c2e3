"""psycopg2's wait callback with deadlines, installed by ``install_deadlines`` for PostgreSQL only.

Kept apart so that an app on SQLite never loads psycopg2 (about 6 MiB per worker).
"""

import select
import time

import psycopg2.extensions

from .breaker import BREAKER
from .database import limits_in_force, set_default_connect_limit


class DatabaseTimeout(psycopg2.OperationalError):
    """The database did not answer in time; psycopg2 closes the connection, so the pool discards it."""


def wait_with_deadline(connection):
    """psycopg2 wait callback: like blocking I/O, but never longer than the limit in force.

    libpq's own timeouts cannot see a server that accepted the connection and then went
    silent (a frozen host, a hung network): the kernel still acknowledges every packet.
    Waiting here, with ``select`` and a deadline, turns that into an error within seconds;
    the breaker (webapp/breaker.py) then spares the other requests the same wait.
    """
    connecting = connection.status == psycopg2.extensions.STATUS_SETUP
    limit, probing = limits_in_force(connecting)
    if limit is not None and not probing and not BREAKER.admit():
        raise DatabaseTimeout("the database stopped answering a moment ago; not waiting for it")
    try:
        _poll_until(connection, connecting, limit, probing)
    except DatabaseTimeout:
        if not probing:
            BREAKER.timed_out(connecting)
        raise
    except psycopg2.Error:
        BREAKER.failed()
        raise
    BREAKER.answered()


def _poll_until(connection, connecting, limit, probing):
    started = time.monotonic()
    deadline = None if limit is None else started + limit
    while True:
        state = connection.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            what = "accept a connection" if connecting else "answer"
            raise DatabaseTimeout(f"the database did not {what} within {limit:g} s")
        if deadline is not None and not probing and BREAKER.opened_since(started):
            raise DatabaseTimeout("the database stopped answering other requests too; gave up waiting")
        # Short slices, so a wait notices when the breaker opens meanwhile.
        slice_ = None if remaining is None else min(remaining, 0.25)
        if state == psycopg2.extensions.POLL_READ:
            select.select([connection.fileno()], [], [], slice_)
        elif state == psycopg2.extensions.POLL_WRITE:
            select.select([], [connection.fileno()], [], slice_)
        else:
            raise psycopg2.OperationalError(f"unexpected state from the database connection: {state}")


def install_deadlines(config):
    """Bound every PostgreSQL connect (``DB_CONNECT_TIMEOUT``) and, inside requests, every round trip."""
    set_default_connect_limit(float(config["DB_CONNECT_TIMEOUT"]))
    psycopg2.extensions.set_wait_callback(wait_with_deadline)
