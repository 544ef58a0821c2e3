"""Google sign-in through Authlib: the client, and the checks on what Google vouches for.

Authlib (with requests and the JOSE libraries) is imported on the first sign-in, not at
start: it is a sixth of a worker's memory and most requests never need it.
"""

from flask import current_app

from ..services.accounts import Identity

CLIENT_KEY = "hyperdesk.google_client"
HTTP_TIMEOUT_SECONDS = 10
GOOGLE_ISSUER = "https://accounts.google.com"
UNAVAILABLE_MESSAGE = "Google cannot be reached right now. Please try again in a moment."


def refused_errors():
    """What a refused or forged state, a provider error or an invalid ID token raises."""
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    return (AuthlibBaseError, JoseError)


def unavailable_errors():
    """What the provider being unreachable or failing raises (network errors, 4xx/5xx, non-JSON)."""
    import requests

    return (requests.RequestException,)


class SignInFailed(Exception):
    """The provider's answer cannot be used: ``reason`` goes to the log, ``message`` to the person.

    ``kind`` is a fixed word for the audit log, where the reason's free text (which may quote the
    provider's answer) never goes; ``email`` is the address when Google named one.
    """

    def __init__(self, reason, message="Google sign-in did not complete.", status=400, kind="refused", email=None):
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status
        self.kind = kind
        self.email = email


def register_client(app):
    """Register the Google client on this app only.

    One OAuth object per app: Authlib caches the provider metadata and keys on the
    registered client, so a shared object would keep a previous app's provider.
    """
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    return oauth.register(
        name="google",
        client_id=app.config["GOOGLE_CLIENT_ID"],
        client_secret=app.config["GOOGLE_CLIENT_SECRET"],
        server_metadata_url=app.config["GOOGLE_DISCOVERY_URL"],
        client_kwargs={"scope": "openid email profile", "default_timeout": HTTP_TIMEOUT_SECONDS},
    )


def is_configured(app):
    """True when Google credentials are set."""
    return bool(app.config["GOOGLE_CLIENT_ID"] and app.config["GOOGLE_CLIENT_SECRET"])


def client():
    """The Google client of the current app, registered on first use."""
    app = current_app._get_current_object()
    if CLIENT_KEY not in app.extensions:
        # Two threads may both register; each app keeps one client either way.
        app.extensions.setdefault(CLIENT_KEY, register_client(app))
    return app.extensions[CLIENT_KEY]


def authorize_redirect(redirect_uri):
    """The redirect that sends the browser to Google, with fresh ``state`` and ``nonce``."""
    extra = {}
    if current_app.config["GOOGLE_HOSTED_DOMAIN"]:
        extra["hd"] = current_app.config["GOOGLE_HOSTED_DOMAIN"]  # a hint only; enforced in verify()
    try:
        return client().authorize_redirect(redirect_uri, prompt="select_account", **extra)
    except unavailable_errors() as error:
        raise SignInFailed(
            f"cannot start sign-in: {error!r}", UNAVAILABLE_MESSAGE, 502, "provider_unavailable"
        ) from error


def finish_sign_in():
    """Exchange the code, validate the ID token, and return the verified Identity."""
    google = client()
    try:
        issuer = google.load_server_metadata().get("issuer")
        # Authlib drops its own issuer check when given claims options, and skips the
        # audience check when azp names the client: state both explicitly.
        token = google.authorize_access_token(
            claims_options={
                "iss": {"essential": True, "values": accepted_issuers(issuer)},
                "aud": {"essential": True, "value": google.client_id},
            }
        )
    except refused_errors() as error:
        raise SignInFailed(f"answer refused: {error!r}", kind="answer_refused") from error
    except unavailable_errors() as error:
        raise SignInFailed(
            f"token exchange failed: {error!r}", UNAVAILABLE_MESSAGE, 502, "provider_unavailable"
        ) from error
    claims = token.get("userinfo")
    if not claims:
        raise SignInFailed("the provider returned no ID token", kind="no_id_token")
    return verify(claims, current_app.config["GOOGLE_HOSTED_DOMAIN"])


def verify_id_token(id_token):
    """The Identity in an ID token an app got from Google itself (a mobile sign-in), checked like the web sign-in's.

    There is no nonce of ours to compare (the app chose its own); signature, issuer,
    audience (this app's client id) and expiry are checked, then ``verify``'s rules.
    """
    from authlib.oidc.core import CodeIDToken

    google = client()
    try:
        issuer = google.load_server_metadata().get("issuer")
        claims = google.parse_id_token(
            {"id_token": id_token},
            nonce=None,
            claims_options={
                "iss": {"essential": True, "values": accepted_issuers(issuer)},
                "aud": {"essential": True, "value": google.client_id},
            },
            claims_cls=CodeIDToken,
        )
    except refused_errors() as error:
        raise SignInFailed(
            f"ID token refused: {error!r}", "The Google ID token is not valid for this app.", 401, "answer_refused"
        ) from error
    except unavailable_errors() as error:
        raise SignInFailed(
            f"cannot check the ID token: {error!r}", UNAVAILABLE_MESSAGE, 502, "provider_unavailable"
        ) from error
    return verify(claims, current_app.config["GOOGLE_HOSTED_DOMAIN"])


def accepted_issuers(issuer):
    """The ``iss`` values an ID token may carry: Google signs some tokens without the scheme."""
    if issuer == GOOGLE_ISSUER:
        return [GOOGLE_ISSUER, "accounts.google.com"]
    return [issuer]


def verify(claims, hosted_domain):
    """Accept only verified e-mail addresses, from the hosted domain when one is required."""
    email = (claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        raise SignInFailed(
            "no e-mail address in the ID token", "Google did not share your e-mail address.", kind="no_email"
        )
    if claims.get("email_verified") not in (True, "true"):
        raise SignInFailed(
            f"unverified e-mail {email}",
            "Your Google e-mail address is not verified yet.",
            kind="unverified_email",
            email=email,
        )
    if hosted_domain and (claims.get("hd") or "").lower() != hosted_domain:
        raise SignInFailed(
            f"hosted domain {claims.get('hd')!r} is not {hosted_domain!r}",
            f"Please sign in with your {hosted_domain} account.",
            kind="wrong_hosted_domain",
            email=email,
        )
    return Identity(
        email=email,
        sub=str(claims["sub"]),
        name=(claims.get("name") or "").strip()[:200],
        picture_url=claims.get("picture"),
        hosted_domain=(claims.get("hd") or "").strip().lower() or None,
    )
