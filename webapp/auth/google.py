"""Google sign-in through Authlib: the client, and the checks on what Google vouches for."""

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from joserfc.errors import JoseError

from ..services.accounts import Identity

log = logging.getLogger(__name__)
EXTENSION_KEY = "authlib.integrations.flask_client"
HTTP_TIMEOUT_SECONDS = 10

# Everything that can go wrong between the redirect and a verified identity: a refused or
# forged state, provider errors, an invalid token, or the provider being unreachable.
SIGN_IN_FAILURES = (AuthlibBaseError, JoseError, requests.RequestException)


class SignInFailed(Exception):
    """The provider's answer cannot be trusted or used; ``reason`` is for the log, ``message`` for the person."""

    def __init__(self, reason, message="Google sign-in did not complete."):
        super().__init__(reason)
        self.reason = reason
        self.message = message


def init_oauth(app):
    """Register the Google client on this app only.

    One OAuth object per app: Authlib caches the provider metadata and keys on the
    registered client, so a shared object would keep a previous app's provider.
    """
    oauth = OAuth(app)
    oauth.register(
        name="google",
        client_id=app.config["GOOGLE_CLIENT_ID"],
        client_secret=app.config["GOOGLE_CLIENT_SECRET"],
        server_metadata_url=app.config["GOOGLE_DISCOVERY_URL"],
        client_kwargs={"scope": "openid email profile", "default_timeout": HTTP_TIMEOUT_SECONDS},
    )
    return oauth


def is_configured(app):
    """True when Google credentials are set."""
    return bool(app.config["GOOGLE_CLIENT_ID"] and app.config["GOOGLE_CLIENT_SECRET"])


def client():
    """The Google client registered on the current app."""
    return current_app.extensions[EXTENSION_KEY].google


def authorize_redirect(redirect_uri):
    """The redirect that sends the browser to Google, with fresh ``state`` and ``nonce``."""
    extra = {}
    if current_app.config["GOOGLE_HOSTED_DOMAIN"]:
        extra["hd"] = current_app.config["GOOGLE_HOSTED_DOMAIN"]  # a hint only; enforced in verify()
    try:
        return client().authorize_redirect(redirect_uri, prompt="select_account", **extra)
    except SIGN_IN_FAILURES as error:
        raise SignInFailed(f"cannot start sign-in: {error!r}", "Google cannot be reached right now.") from error


def finish_sign_in():
    """Exchange the code, validate the ID token, and return the verified Identity."""
    google = client()
    try:
        issuer = google.load_server_metadata().get("issuer")
        # Authlib drops its own issuer check when given claims options, and skips the
        # audience check when azp names the client: state both explicitly.
        token = google.authorize_access_token(
            claims_options={
                "iss": {"essential": True, "values": [issuer]},
                "aud": {"essential": True, "value": google.client_id},
            }
        )
    except SIGN_IN_FAILURES as error:
        raise SignInFailed(f"token exchange or validation failed: {error!r}") from error
    claims = token.get("userinfo")
    if not claims:
        raise SignInFailed("the provider returned no ID token")
    return verify(claims, current_app.config["GOOGLE_HOSTED_DOMAIN"])


def verify(claims, hosted_domain):
    """Accept only verified e-mail addresses, from the hosted domain when one is required."""
    email = (claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        raise SignInFailed("no e-mail address in the ID token", "Google did not share your e-mail address.")
    if claims.get("email_verified") not in (True, "true"):
        raise SignInFailed(
            f"unverified e-mail {email}", "Your Google e-mail address is not verified yet."
        )
    if hosted_domain and (claims.get("hd") or "").lower() != hosted_domain:
        raise SignInFailed(
            f"hosted domain {claims.get('hd')!r} is not {hosted_domain!r}",
            f"Please sign in with your {hosted_domain} account.",
        )
    return Identity(
        email=email,
        sub=str(claims["sub"]),
        name=(claims.get("name") or "").strip()[:200],
        picture_url=claims.get("picture"),
    )
