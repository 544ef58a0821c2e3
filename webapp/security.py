"""Security headers and the content security policy sent with every response."""

import hashlib
import os
import secrets
from functools import lru_cache

from flask import current_app, g, session
from itsdangerous import Serializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

CSP_TEMPLATE = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    # Flask-Admin's widgets and htmx's swap transitions set inline styles.
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)


def assign_csp_nonce():
    """Pick this request's script nonce."""
    g.csp_nonce = secrets.token_urlsafe(16)


def csp_nonce():
    """The nonce that inline and external ``<script>`` tags must carry on this page."""
    if "csp_nonce" not in g:
        assign_csp_nonce()
    return g.csp_nonce


# Sent with every response unless a view set its own; the content security policy (per page) and
# Strict-Transport-Security (production) are added beside them.
FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    # A page this site opens (or that opens it) from another origin gets no handle on its window.
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def add_security_headers(response):
    """Forbid framing, sniffing, foreign scripts and cross-origin openers; pin HTTPS; keep signed-in pages out of caches."""
    headers = response.headers
    # One look at the names already set, rather than a scan of every header per header added.
    present = {name.lower() for name, _ in headers.items()}
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", CSP_TEMPLATE.format(nonce=csp_nonce()))
    extra = FIXED_HEADERS + (HSTS,) if current_app.config["APP_ENV"] == "production" else FIXED_HEADERS
    for name, value in extra:
        if name.lower() not in present:
            headers.add(name, value)
    if "cache-control" not in present and _is_signed_in():
        # What a signed-in person sees is theirs: no shared cache may keep it, nor the browser's
        # back-forward cache after sign-out. Files that set their own policy (static, uploads) keep it.
        headers.add("Cache-Control", "private, no-store")
    return response


def _is_signed_in():
    """Whether this request was made by a signed-in person, without loading anyone just to ask.

    Flask-Login keeps the user it loaded in ``g``; a request that never looked (``/health``,
    static files) answers nothing personal and must not touch the database here.
    """
    user = g.get("_login_user")
    return user is not None and user.is_authenticated


def safe_next(target, default):
    """``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    # One leading slash makes a path on this host: a URL has a scheme or a host only when it does
    # not start so, or starts with "//". Nothing here parses the value: urlsplit raises on "//[".
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(char) < 32 for char in target):
        return default  # browsers read "/\\evil.com" as another host
    return target


def csrf_token():
    """This request's signed CSRF token, as Flask-WTF's ``generate_csrf`` makes it (and checks it).

    The same token, built once per request from the raw one kept in the session, without
    itsdangerous's attempt at compressing it: a 40-character token never gets shorter, and the
    attempt (zlib's set-up) was 1.4% of a signed-in page.
    """
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    if field not in g:
        if field not in session:
            session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        setattr(g, field, _token_serializer(secret).dumps(session[field]))
    return g.get(field)


class _TokenSerializer(URLSafeTimedSerializer):
    """Flask-WTF's serializer ("wtf-csrf-token"), writing the payload as it does when compression does not pay."""

    def dump_payload(self, obj):
        return base64_encode(Serializer.dump_payload(self, obj))


@lru_cache(maxsize=8)
def _token_serializer(secret):
    return _TokenSerializer(secret, salt="wtf-csrf-token")
