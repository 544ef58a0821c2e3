"""Signed-in sessions kept on the server: start, find, end one or all others, list; and the sign-in audit entries.

The cookie holds a random token; the row holds its SHA-256. A session counts while it has not
ended, has been used within the idle timeout, is younger than the absolute lifetime, and the
account's session version has not moved on since it started.
"""

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, create_engine, delete, insert, or_, select, update

from ..config import normalise_database_url
from ..extensions import db
from ..models import User, UserSession, utcnow
from . import audit

TOKEN_BYTES = 32
TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)
TOKEN_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_")
# last_seen_at moves at most this often per session: a page view does not write a row each time.
LAST_SEEN_PRECISION = timedelta(minutes=1)
# Built once: every signed-in request runs it, and a built statement keeps its cache key. The user
# is loaded as a model (the request works with it), the session as values: a second model per
# request cost more than the statement (its row is loaded only where a page needs it).
SESSION_AND_USER = (
    select(
        UserSession.id,
        UserSession.session_version,
        UserSession.ended_at,
        UserSession.last_seen_at,
        UserSession.created_at,
        User,
    )
    .join(User, UserSession.user_id == User.id)
    .where(UserSession.token_hash == bindparam("token_hash"))
)


@dataclass(frozen=True)
class LiveSession:
    """A browser's session found live: its row's id and the person signed in."""

    id: int
    user: User


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lasts: without being used (idle), and at most (lifetime)."""

    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_config(cls, config):
        return cls(timedelta(hours=config["SESSION_IDLE_HOURS"]), timedelta(days=config["SESSION_LIFETIME_DAYS"]))

    def live_since(self, now):
        """The conditions, in SQL, of a session still live at ``now`` (version aside)."""
        return (
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at > now - self.idle,
            UserSession.created_at > now - self.lifetime,
        )


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def is_token_shaped(value):
    """True when ``value`` could be a token we issued: anything else is refused without a query."""
    return isinstance(value, str) and len(value) == TOKEN_LENGTH and set(value) <= TOKEN_ALPHABET


def open_session(user, policy, device="", network=None):
    """Add a session row for ``user`` (the caller commits) and return its token, the cookie's value.

    The person's sessions that can no longer be used are deleted on the way, so the table holds
    about one row per browser in use.
    """
    now = utcnow()
    dead = or_(
        UserSession.ended_at.is_not(None),
        UserSession.last_seen_at <= now - policy.idle,
        UserSession.created_at <= now - policy.lifetime,
        UserSession.session_version != user.session_version,
    )
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id, dead))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = UserSession(
        user_id=user.id,
        token_hash=hash_token(token),
        session_version=user.session_version,
        created_at=now,
        last_seen_at=now,
        device=device[:60],
        network=network,
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def open_session_in(database_url, user_id, device="Script"):
    """Add a session row for ``user_id`` straight into the database at ``database_url``; return its token.

    For benchmarks and fault drills that run the app in other processes and only share its database
    (``webapp.auth.session.session_value_for`` is the same thing inside an app). Commits.
    """
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.begin() as connection:
            version = connection.scalar(select(User.session_version).where(User.id == user_id))
            if version is None:
                raise LookupError(f"no user {user_id}")
            token, now = secrets.token_urlsafe(TOKEN_BYTES), utcnow()
            connection.execute(
                insert(UserSession).values(
                    user_id=user_id,
                    token_hash=hash_token(token),
                    session_version=version,
                    created_at=now,
                    last_seen_at=now,
                    device=device[:60],
                )
            )
    finally:
        engine.dispose()
    return token


def sign_in(user, policy, method, device="", network=None):
    """Start ``user``'s session after a successful sign-in, write it to the audit log, commit; return the token."""
    token, row = open_session(user, policy, device, network)
    audit.record("auth.signed_in", actor=user, target=user, details={"method": method, "session": row.id})
    db.session.commit()
    return token


def record_failure(reason, method, email=None):
    """Write a refused sign-in to the audit log and commit: why (a fixed code, never the provider's words) and who."""
    details = {"reason": reason, "method": method}
    if email:
        details["email"] = email
    audit.record("auth.sign_in_failed", details=details)
    db.session.commit()


def find(token, policy):
    """The live session behind ``token`` (a ``LiveSession``, its user loaded; one statement), or None.

    Its last use is noted at most once a minute, in a transaction of its own: the request's
    session keeps its loaded rows, and nothing is left for it to flush.
    """
    if not is_token_shaped(token):
        return None
    found = db.session.execute(SESSION_AND_USER, {"token_hash": hash_token(token)}).first()
    if found is None:
        return None
    session_id, version, ended_at, last_seen_at, created_at, user = found
    now = utcnow()
    live = UserSession.is_live_with(ended_at, last_seen_at, created_at, now, policy.idle, policy.lifetime)
    if not live or version != user.session_version:
        return None
    if now - last_seen_at >= LAST_SEEN_PRECISION:
        with db.engine.begin() as connection:
            connection.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    return LiveSession(session_id, user)


def end_quietly(row):
    """End ``row`` without an audit entry (the caller commits): the browser is starting another session."""
    if row.ended_at is None:
        row.ended_at = utcnow()


def sign_out(user, row):
    """End ``row``, this browser's session, and write the sign-out to the audit log; commit."""
    row.ended_at = utcnow()
    audit.record("auth.signed_out", actor=user, target=user, details={"session": row.id})
    db.session.commit()


def sign_out_everywhere_else(user, keep):
    """End every session of ``user`` but ``keep`` (this browser's) and every API token issued to them; audit; commit.

    Bumping the session version is what reaches everything at once (cookies and the 24-hour API
    tokens both carry it); ``keep`` moves to the new version, and the other rows are ended too,
    so nothing lists them as open. Returns how many sessions ended.
    """
    ended = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.id != keep.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    ).rowcount
    user.session_version += 1
    keep.session_version = user.session_version
    audit.record("auth.signed_out_everywhere", actor=user, target=user, details={"sessions": ended})
    db.session.commit()
    return ended


def live_sessions(user, policy):
    """``user``'s sessions still usable, the most recently used first."""
    now = utcnow()
    return db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.session_version == user.session_version)
        .where(*policy.live_since(now))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()
