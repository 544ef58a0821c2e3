"""API credentials: personal keys (created, listed, revoked, checked) and the short-lived sign-in tokens.

A key is ``hdk_<prefix>_<secret>``: only its SHA-256 is stored, and its first characters stay
visible. A token is ``hdt_<signed user id and session version>``, valid for 24 hours and
revoked by anything that bumps the owner's session version (sign-out everywhere,
suspension, demotion). Both are checked against the database at every request, so a
revocation applies at once on every instance.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..exceptions import Conflict, Forbidden, InvalidInput
from ..extensions import db
from ..models import AccountStatus, ApiKey, KeyScope, User, utcnow
from ..text import has_control_characters
from . import audit

KEY_PREFIX = "hdk_"
TOKEN_PREFIX = "hdt_"
NAME_MAX = 100
# Offered lifetimes in days; None: until revoked.
EXPIRY_CHOICES = (30, 90, 365, None)
TOKEN_LIFETIME = timedelta(hours=24)
# Writing the last use on every request would double the cost of reads; a minute is precise enough.
LAST_USE_PRECISION = timedelta(minutes=1)
_TOKEN_SALT = "hyperdesk-api-token"


class CredentialRefused(Exception):
    """The credential cannot be used: ``reason`` says why (unknown, revoked, expired, owner)."""

    def __init__(self, reason, key=None):
        super().__init__(reason)
        self.reason = reason
        self.key = key


@dataclass(frozen=True)
class NewKey:
    """A key just made: the row, and the whole key, which is shown once and never again."""

    key: ApiKey
    secret: str


def hash_key(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def validate(name, scope, expires_in):
    """The key's name, scope and lifetime as they will be stored, or InvalidInput naming each problem."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the key a name, so you can tell it apart later."
    elif len(name) > NAME_MAX or has_control_characters(name):
        errors["name"] = f"Use at most {NAME_MAX} printable characters."
    if scope not in KeyScope.__members__:
        errors["scope"] = "Choose read or read and write."
    days = None if expires_in in ("", "never", None) else expires_in
    if days is not None:
        days = int(days) if str(days).isascii() and str(days).isdecimal() else -1
    if days not in EXPIRY_CHOICES:
        errors["expires_in"] = "Choose one of the offered lifetimes."
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", errors)
    return name, KeyScope(scope), days


def create_key(user, name, scope, expires_in):
    """Make a key for ``user`` (approved); returns the row and the whole key, to show once."""
    name, scope, days = validate(name, scope, expires_in)
    if not user.is_approved:
        raise Forbidden("Only approved accounts can have API keys.")
    prefix = KEY_PREFIX + secrets.token_hex(4)
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    now = utcnow()
    key = ApiKey(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=hash_key(secret),
        scope=scope,
        expires_at=now + timedelta(days=days) if days else None,
    )
    db.session.add(key)
    audit.record("api_key.created", actor=user, target=key, details={"prefix": prefix, "scope": str(scope)})
    db.session.commit()
    return NewKey(key, secret)


def keys_of(user):
    """The user's keys, newest first, revoked ones included (they say when they stopped working)."""
    return db.session.scalars(select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id.desc())).all()


def owned_key(user, key_id):
    """The user's key with this id, or None."""
    key = db.session.get(ApiKey, key_id) if key_id else None
    return key if key is not None and key.user_id == user.id else None


def revoke(key, by):
    """Stop ``key`` working from its next use; its owner or an administrator may."""
    if by.id != key.user_id and not by.is_admin:
        raise Forbidden("Only the key's owner or an administrator can revoke it.")
    if key.revoked_at is not None:
        raise Conflict("This key is already revoked.")
    key.revoked_at = utcnow()
    audit.record("api_key.revoked", actor=by, target=key, details={"prefix": key.prefix, "owner": key.user.email})
    db.session.commit()
    return key


def authenticate_key(raw):
    """The key ``raw`` spells, with its owner (one statement), or CredentialRefused."""
    key = db.session.scalar(select(ApiKey).options(joinedload(ApiKey.user)).where(ApiKey.key_hash == hash_key(raw)))
    if key is None:
        raise CredentialRefused("unknown")
    now = utcnow()
    if key.revoked_at is not None:
        reason = "revoked"
    elif key.is_expired(now):
        reason = "expired"
    elif key.user.status != AccountStatus.approved:
        reason = f"owner {key.user.status}"
    else:
        _note_use(key, now)
        return key
    audit.record("api_key.refused", target=key, details={"prefix": key.prefix, "reason": reason})
    db.session.commit()
    raise CredentialRefused(reason, key)


def _note_use(key, now):
    """Record the key's use, at most once a minute, in a transaction of its own.

    The request's session keeps its loaded rows (a commit there would expire them and cost
    the list that follows more statements), and the note survives whatever the request does.
    """
    if key.last_used_at is None or now - key.last_used_at >= LAST_USE_PRECISION:
        with db.engine.begin() as connection:
            connection.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        set_committed_value(key, "last_used_at", now)  # as stored: nothing left for the session to flush


def _serializer(secret_key):
    return URLSafeTimedSerializer(secret_key, salt=_TOKEN_SALT)


def issue_token(user, secret_key):
    """A bearer token acting as ``user`` for 24 hours, until their session version moves on."""
    return TOKEN_PREFIX + _serializer(secret_key).dumps({"u": user.id, "v": user.session_version})


def grant_token(user, secret_key, method):
    """A bearer token for ``user`` (``issue_token``), its grant written to the audit log as a sign-in; commits."""
    audit.record("auth.signed_in", actor=user, target=user, details={"method": method, "credential": "token"})
    db.session.commit()
    return issue_token(user, secret_key)


def authenticate_token(raw, secret_key):
    """The user a token names, or CredentialRefused (bad signature, over 24 hours old, session version moved)."""
    try:
        claims = _serializer(secret_key).loads(raw[len(TOKEN_PREFIX) :], max_age=TOKEN_LIFETIME.total_seconds())
        user_id, version = int(claims["u"]), int(claims["v"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise CredentialRefused("unknown") from None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version:
        raise CredentialRefused("revoked")
    if user.status == AccountStatus.suspended:
        raise CredentialRefused("owner suspended")
    return user
