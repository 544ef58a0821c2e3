"""Who an API request acts for: the bearer credential it sends (a key or a token), else the browser session.

The access gate (webapp/permissions.py) asks ``ApiGate`` to authenticate requests to the
API's blueprint and to word its refusals as JSON statuses instead of page redirects.
Bearer requests need no CSRF token (a browser never adds the header by itself);
cookie-authenticated calls from the app's own pages still do.
"""

import hashlib
import logging
from dataclasses import dataclass

from flask import current_app, g, request, url_for
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate

from ..database import retried_if_dropped
from ..extensions import csrf
from ..services import credentials
from ..services.credentials import KEY_PREFIX, TOKEN_PREFIX, CredentialRefused
from .envelope import failure

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REFUSED = "The API key or token is not valid: it may be mistyped, revoked or expired."
MISSING = "Send an API key or token: Authorization: Bearer <key>."


@dataclass(frozen=True)
class Credential:
    """What authenticated the request: ``key`` (an ApiKey), ``token`` or ``session``."""

    kind: str
    can_write: bool = True
    key: object = None


def bearer():
    """The bearer credential the request sends ('' for none, None for a malformed Authorization header)."""
    header = request.headers.get("Authorization")
    if header is None:
        return ""
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value and value.isascii() and value.isprintable() else None


def shown(raw):
    """What logs may say about a credential: its kind and visible prefix, never the secret."""
    if raw.startswith(KEY_PREFIX):
        return raw[: len(KEY_PREFIX) + 8]
    return raw[: len(TOKEN_PREFIX)] + "…" if raw.startswith(TOKEN_PREFIX) else "unrecognised"


def rate_limit_key():
    """Rate limits count per credential (a hash of it), else per address."""
    raw = bearer()
    if raw:
        return "credential:" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    return "address:" + (request.remote_addr or "unknown")


def _unauthorized(message):
    challenge = WWWAuthenticate("bearer", {"realm": "hyperdesk"})
    return failure(401, message, headers={"WWW-Authenticate": challenge.to_header()})


def _act_as(user):
    # Flask-Login's own hook for request-borne credentials (what a request_loader feeds it):
    # the user is set for this request only, and nothing is written to the session.
    current_app.login_manager._update_request_context_with_user(user)


class ApiGate:
    """The access gate's answers for the API: authenticate the credential, refuse with 401/403 in JSON."""

    def authenticate(self):
        """Act as the credential's owner; a refused credential or a read-only key writing is answered here."""
        raw = bearer()
        if raw == "":
            g.api_credential = Credential("session")
            if current_user.is_authenticated and request.method not in SAFE_METHODS:
                csrf.protect()  # a browser's cookie is sent by itself: the page must prove it is ours
            return None
        if raw is None:
            return _unauthorized("The Authorization header must read: Bearer <key>.")
        try:
            credential, user = retried_if_dropped(lambda: self._check(raw))
        except CredentialRefused as refused:
            log.warning("API credential refused (%s): %s", refused.reason, shown(raw))
            return _unauthorized(REFUSED)
        _act_as(user)
        g.api_credential = credential
        if not credential.can_write and request.method not in SAFE_METHODS:
            return failure(403, "This API key is read-only; create a read and write key to change data.")
        return None

    def _check(self, raw):
        if raw.startswith(KEY_PREFIX):
            key = credentials.authenticate_key(raw)
            return Credential("key", key.can_write, key), key.user
        if raw.startswith(TOKEN_PREFIX):
            user = credentials.authenticate_token(raw, current_app.secret_key)
            return Credential("token"), user
        raise CredentialRefused("unknown")

    def sign_in(self):
        """No credential at all."""
        return _unauthorized(MISSING)

    def not_approved(self):
        """A signed-in account that may not use the API yet (or any more): its status, and where to ask."""
        return not_approved(current_user)


def not_approved(user, **extra):
    """403 for an account that is not approved, saying its status and where a pending person asks for access."""
    messages = {
        "pending": "Your account is waiting for approval. Ask for access with a reason if you have not yet.",
        "rejected": "Your request for access was not approved. You may ask again after the waiting period.",
        "suspended": "Your account is suspended; an administrator must reinstate it.",
    }
    return failure(
        403,
        messages.get(str(user.status), "Your account cannot use the API."),
        code="not_approved",
        account_status=str(user.status),
        links={"request_access": url_for("api.request_access")},
        **extra,
    )
