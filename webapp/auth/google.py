"""Google sign-in through Authlib: the client, and the checks on what Google vouches for.

Authlib (with requests and the JOSE libraries) is imported on the first sign-in, not at
start: it is a sixth of a worker's memory and most requests never need it.
"""

from flask import current_app

from ..models import User
from ..services.accounts import Identity, is_email_address

CLIENT_KEY = "hyperdesk.google_client"
HTTP_TIMEOUT_SECONDS = 10
GOOGLE_ISSUER = "https://accounts.google.com"
UNAVAILABLE_MESSAGE = "Google cannot be reached right now. Please try again in a moment."
ID_TOKEN_REFUSED = "The Google ID token is not valid for this app."
# What the users table holds; a longer claim is refused here rather than failing at the insert.
SUB_LENGTH = User.__table__.c.google_sub.type.length
EMAIL_LENGTH = User.__table__.c.email.type.length
NAME_LENGTH = User.__table__.c.name.type.length
PICTURE_LENGTH = User.__table__.c.picture_url.type.length
DOMAIN_LENGTH = 253  # the longest DNS name


def refused_errors():
    """What a refused or forged state, a provider error or an invalid ID token raises.

    An ID token whose payload nests deeper than the JSON parser goes raises RecursionError
    (the signature is checked first, so only a provider, or a stand-in for one, can send it).
    """
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    return (AuthlibBaseError, JoseError, RecursionError)


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
        raise SignInFailed(f"ID token refused: {error!r}", ID_TOKEN_REFUSED, 401, "answer_refused") from error
    except unavailable_errors() as error:
        raise SignInFailed(
            f"cannot check the ID token: {error!r}", UNAVAILABLE_MESSAGE, 502, "provider_unavailable"
        ) from error
    try:
        return verify(claims, current_app.config["GOOGLE_HOSTED_DOMAIN"])
    except SignInFailed as failed:
        if failed.kind != "invalid_claims":
            raise
        # A token with unusable claims is as invalid as one with a bad signature: 401, as those.
        raise SignInFailed(failed.reason, ID_TOKEN_REFUSED, 401, failed.kind) from None


def accepted_issuers(issuer):
    """The ``iss`` values an ID token may carry: Google signs some tokens without the scheme."""
    if issuer == GOOGLE_ISSUER:
        return [GOOGLE_ISSUER, "accounts.google.com"]
    return [issuer]


def verify(claims, hosted_domain):
    """Accept only verified e-mail addresses, from the hosted domain when one is required.

    Every claim used is checked here, for its type, length and characters, before anything
    stores or compares it: a signed token may still carry anything its issuer put in it.
    """
    email = checked_email(claims)
    if claims.get("email_verified") not in (True, "true"):
        raise SignInFailed(
            f"unverified e-mail {email}",
            "Your Google e-mail address is not verified yet.",
            kind="unverified_email",
            email=email,
        )
    sub = _text_claim(claims, "sub", SUB_LENGTH, required=True)
    if not sub.isascii():
        raise _invalid_claim("sub")
    token_domain = (_text_claim(claims, "hd", DOMAIN_LENGTH) or "").strip().lower()
    if hosted_domain and token_domain != hosted_domain:
        raise SignInFailed(
            f"hosted domain {claims.get('hd')!r} is not {hosted_domain!r}",
            f"Please sign in with your {hosted_domain} account.",
            kind="wrong_hosted_domain",
            email=email,
        )
    return Identity(
        email=email,
        sub=sub,
        name=display_name(claims),
        picture_url=checked_picture(claims),
        hosted_domain=token_domain or None,
    )


def checked_email(claims):
    """The token's e-mail address, lower case; refused when absent or not one plain address."""
    email = claims.get("email")
    if email is None or email == "":
        raise SignInFailed(
            "no e-mail address in the ID token", "Google did not share your e-mail address.", kind="no_email"
        )
    if not isinstance(email, str) or not is_email_address(email.strip()):
        raise _invalid_claim("email")
    return email.strip().lower()


def display_name(claims):
    """The token's name for display: control and formatting characters dropped, cut to the column's length."""
    name = claims.get("name")
    if name is None:
        return ""
    if not isinstance(name, str):
        raise _invalid_claim("name")
    return "".join(char for char in name if char.isprintable()).strip()[:NAME_LENGTH]


def checked_picture(claims):
    """The token's picture, an http(s) address (None when absent)."""
    picture = _text_claim(claims, "picture", PICTURE_LENGTH)
    if picture is not None and not picture.startswith(("https://", "http://")):
        raise _invalid_claim("picture")
    return picture


def _text_claim(claims, name, max_length, required=False):
    """A text claim (None when absent and optional): no other type, nothing longer, no control characters."""
    value = claims.get(name)
    if not required and (value is None or value == ""):
        return None
    if not isinstance(value, str) or not value or len(value) > max_length or not value.isprintable():
        raise _invalid_claim(name)
    return value


def _invalid_claim(name):
    # The claim's value stays out of the reason: it may be anything, of any size.
    return SignInFailed(f"the ID token's {name!r} claim is not usable", kind="invalid_claims")
