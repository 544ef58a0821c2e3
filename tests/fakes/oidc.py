"""A Google-like OpenID Connect provider on 127.0.0.1 that signs in identities queued by tests."""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import hmac
import secrets
import time
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from . import LocalServer, json_response, text_response

KID = "fake-oidc-key-1"
CODE_TTL = 300
TOKEN_TTL = 3600
FAULTS = frozenset({"nonce", "aud", "iss", "expired", "foreign_key", "token_status"})


class FakeOIDCIssuer(LocalServer):
    """Authorization-code OpenID Connect provider imitating accounts.google.com."""

    def __init__(self, client_id: str = "test-client", client_secret: str = "test-secret"):
        """Create the issuer and its signing key; call start() or use it as a context manager."""
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self._key = _new_key()
        self._foreign_key: RSAKey | None = None
        self._logins: collections.deque = collections.deque()
        self._codes: dict[str, dict] = {}
        self._access_tokens: dict[str, tuple[dict, float]] = {}

    @property
    def issuer(self) -> str:
        """Issuer URL, as published in discovery and the ID token's iss claim."""
        return self.base_url

    @property
    def discovery_url(self) -> str:
        """URL of the OpenID Connect discovery document."""
        return self.issuer + "/.well-known/openid-configuration"

    @property
    def token_requests(self) -> int:
        """How many times the token endpoint was called."""
        with self._lock:
            return self.requests.count(("POST", "/token"))

    def queue_login(
        self,
        email: str,
        sub: str | None = None,
        email_verified: bool = True,
        name: str | None = None,
        picture: str | None = None,
        hd: str | None = None,
        error: str | None = None,
        **faults,
    ) -> dict:
        """Queue the identity the next /authorize call signs in (FIFO) and return its user claims."""
        unknown = set(faults) - FAULTS
        if unknown:
            raise TypeError("unknown fault option(s): %s" % ", ".join(sorted(unknown)))
        claims = {"sub": sub or _stable_sub(email), "email": email, "email_verified": email_verified}
        optional = {"name": name, "picture": picture, "hd": hd}
        claims.update({key: value for key, value in optional.items() if value is not None})
        with self._lock:
            self._logins.append({"claims": claims, "error": error, "faults": faults})
        return dict(claims)

    def mint_id_token(
        self,
        email: str,
        email_verified: bool = True,
        aud: str | None = None,
        expired: bool = False,
        foreign_key: bool = False,
        **claims,
    ) -> str:
        """Sign an ID token as a mobile app gets it from Google's own sign-in (its own nonce, no code exchange)."""
        now = int(time.time()) - (2 * TOKEN_TTL if expired else 0)
        payload = {
            "iss": self.issuer,
            "azp": self.client_id,
            "aud": aud or self.client_id,
            "sub": _stable_sub(email),
            "email": email,
            "email_verified": email_verified,
            "nonce": secrets.token_urlsafe(8),
            "iat": now,
            "exp": now + TOKEN_TTL,
            **claims,
        }
        key = self._foreign() if foreign_key else self._key
        return jwt.encode({"alg": "RS256", "kid": KID, "typ": "JWT"}, payload, key)

    def _route(self, method: str, path: str, query: dict, headers, body: bytes):
        """Dispatch to the endpoint for method and path."""
        route = {
            ("GET", "/.well-known/openid-configuration"): self._discovery,
            ("GET", "/authorize"): self._authorize,
            ("POST", "/token"): self._token,
            ("GET", "/jwks"): self._jwks,
            ("GET", "/userinfo"): self._userinfo,
        }.get((method, path))
        if route is None:
            return text_response(404, "not found: %s %s" % (method, path))
        return route(query, headers, body)

    def _discovery(self, query, headers, body):
        """Serve the provider metadata Authlib loads via server_metadata_url."""
        base = self.issuer
        return json_response(
            200,
            {
                "issuer": base,
                "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + "/token",
                "userinfo_endpoint": base + "/userinfo",
                "jwks_uri": base + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "claims_supported": [
                    "aud",
                    "azp",
                    "at_hash",
                    "email",
                    "email_verified",
                    "exp",
                    "hd",
                    "iat",
                    "iss",
                    "name",
                    "nonce",
                    "picture",
                    "sub",
                ],
                "code_challenge_methods_supported": ["plain", "S256"],
                "grant_types_supported": ["authorization_code"],
            },
        )

    def _authorize(self, query, headers, body):
        """Sign in the next queued identity and send the browser back with a code or an error."""
        if query.get("client_id") != self.client_id:
            return text_response(400, "invalid_client: unknown client_id %r" % query.get("client_id"))
        redirect_uri = query.get("redirect_uri", "")
        if urlsplit(redirect_uri).scheme not in ("http", "https"):
            return text_response(400, "invalid_request: redirect_uri is missing or not an absolute URL")
        state = query.get("state")
        # Once the redirect target is known, errors go back to the client (RFC 6749 §4.1.2.1).
        if query.get("response_type") != "code":
            return _redirect(redirect_uri, error="unsupported_response_type", state=state)
        if "openid" not in query.get("scope", "").split():
            return _redirect(
                redirect_uri, error="invalid_scope", error_description="scope must include openid", state=state
            )
        with self._lock:
            login = self._logins.popleft() if self._logins else None
        if login is None:
            return text_response(400, "no login queued: call FakeOIDCIssuer.queue_login() before /authorize")
        if login["error"]:
            description = "The user denied access" if login["error"] == "access_denied" else login["error"]
            return _redirect(redirect_uri, error=login["error"], error_description=description, state=state)
        code = secrets.token_urlsafe(32)
        grant = {
            "redirect_uri": redirect_uri,
            "nonce": query.get("nonce"),
            "scope": query["scope"],
            "code_challenge": query.get("code_challenge"),
            "code_challenge_method": query.get("code_challenge_method", "plain"),
            "login": login,
            "expires_at": time.time() + CODE_TTL,
        }
        with self._lock:
            self._codes[code] = grant
        return _redirect(redirect_uri, code=code, scope=query["scope"], state=state)

    def _token(self, query, headers, body):
        """Exchange a one-time code for an access token and a signed ID token."""
        form = dict(parse_qsl(body.decode("utf-8")))
        client_id, client_secret = _client_credentials(headers, form)
        if client_id != self.client_id or not hmac.compare_digest(
            (client_secret or "").encode(), self.client_secret.encode()
        ):
            return json_response(401, {"error": "invalid_client"}, **{"WWW-Authenticate": 'Basic realm="fake-oidc"'})
        if form.get("grant_type") != "authorization_code":
            return json_response(400, {"error": "unsupported_grant_type"})
        with self._lock:
            # pop() makes every code single-use, even when the exchange below fails.
            grant = self._codes.pop(form.get("code", ""), None)
        problem = _grant_problem(grant, form)
        if problem:
            return json_response(400, {"error": "invalid_grant", "error_description": problem})
        status = grant["login"]["faults"].get("token_status")
        if status:
            return json_response(status, {"error": "server_error", "error_description": "injected failure"})
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._access_tokens[access_token] = (dict(grant["login"]["claims"]), time.time() + TOKEN_TTL)
        return json_response(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_TTL,
                "scope": grant["scope"],
                "id_token": self._mint_id_token(grant, access_token),
            },
            **{"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _mint_id_token(self, grant: dict, access_token: str) -> str:
        """Sign the ID token, bending only the claim or key a queued fault asks for."""
        faults = grant["login"]["faults"]
        now = int(time.time())
        if faults.get("expired"):
            # exp ends up an hour in the past, far beyond any client's clock-skew leeway.
            now -= 2 * TOKEN_TTL
        claims = {
            "iss": faults.get("iss", self.issuer),
            "azp": self.client_id,
            "aud": faults.get("aud", self.client_id),
            **grant["login"]["claims"],
            "at_hash": _half_hash(access_token),
            "iat": now,
            "exp": now + TOKEN_TTL,
        }
        nonce = faults.get("nonce", grant["nonce"])
        if nonce is not None:
            claims["nonce"] = nonce
        key = self._foreign() if faults.get("foreign_key") else self._key
        return jwt.encode({"alg": "RS256", "kid": KID, "typ": "JWT"}, claims, key)

    def _foreign(self) -> RSAKey:
        """Return a second key sharing our kid, so clients pick it up and the signature fails."""
        with self._lock:
            if self._foreign_key is None:
                self._foreign_key = _new_key()
            return self._foreign_key

    def _jwks(self, query, headers, body):
        """Publish the public signing key."""
        return json_response(200, {"keys": [self._key.as_dict(private=False)]})

    def _userinfo(self, query, headers, body):
        """Return the signed-in user's claims for a valid Bearer access token."""
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        with self._lock:
            entry = self._access_tokens.get(token) if scheme.lower() == "bearer" else None
        if entry is None or entry[1] < time.time():
            return json_response(
                401, {"error": "invalid_token"}, **{"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )
        return json_response(200, entry[0])


def _new_key() -> RSAKey:
    """Generate an RS256 signing key carrying our fixed kid."""
    return RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})


def _stable_sub(email: str) -> str:
    """Derive a Google-style 21-digit subject, the same for the same address in every run."""
    return str(int(hashlib.sha256(email.lower().encode()).hexdigest(), 16))[:21]


def _half_hash(value: str) -> str:
    """Compute an OIDC at_hash: base64url of the left half of SHA-256 (the RS256 hash)."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def _client_credentials(headers, form: dict) -> tuple[str | None, str | None]:
    """Read client_secret_basic credentials, falling back to client_secret_post."""
    scheme, _, encoded = headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return form.get("client_id"), form.get("client_secret")
    try:
        client_id, _, secret = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    # RFC 6749 §2.3.1 form-encodes both halves before base64.
    return unquote_plus(client_id), unquote_plus(secret)


def _grant_problem(grant: dict | None, form: dict) -> str | None:
    """Explain why a code cannot be exchanged, or return None when it can."""
    if grant is None:
        return "unknown or already used code"
    if grant["expires_at"] < time.time():
        return "code expired"
    if form.get("redirect_uri") != grant["redirect_uri"]:
        return "redirect_uri does not match the authorization request"
    challenge = grant["code_challenge"]
    if challenge:
        verifier = form.get("code_verifier", "")
        if grant["code_challenge_method"] == "S256":
            digest = hashlib.sha256(verifier.encode()).digest()
            verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        if not hmac.compare_digest(verifier.encode(), challenge.encode()):
            return "code_verifier does not match code_challenge"
    return None


def _redirect(uri: str, **params):
    """Redirect to uri with params appended to its query, leaving out None values."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(key, value) for key, value in params.items() if value is not None]
    return 302, {"Location": parts._replace(query=urlencode(query)).geturl()}, b""
