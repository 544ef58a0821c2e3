"""Google sign-in in tests: the local OpenID Connect issuer, and a browser-like round trip through it."""

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from tests.fakes.oidc import FakeOIDCIssuer


def google_settings(issuer):
    """App overrides that send Google sign-in to ``issuer`` (the app finds it only by discovery)."""
    return {
        "GOOGLE_CLIENT_ID": issuer.client_id,
        "GOOGLE_CLIENT_SECRET": issuer.client_secret,
        "GOOGLE_DISCOVERY_URL": issuer.discovery_url,
    }


@pytest.fixture
def issuer():
    """A running stand-in for Google's OpenID Connect provider on 127.0.0.1."""
    with FakeOIDCIssuer() as fake:
        yield fake


class GoogleRoundTrip:
    """Plays the browser in a Google sign-in: the app's redirect, the provider, the callback.

    The test client keeps the cookie jar, so the callback carries the session that holds
    the ``state`` and ``nonce``, as a real browser's would.
    """

    def __init__(self, client, issuer):
        self.client = client
        self.issuer = issuer

    def start(self, **query):
        """GET /auth/google; a working start answers with a redirect to the provider."""
        return self.client.get("/auth/google", query_string=query)

    def visit_provider(self, start):
        """Follow the redirect to the provider; return the callback URL it sends the browser to."""
        assert start.status_code == 302, start.status_code
        assert start.location.startswith(self.issuer.issuer + "/authorize?"), start.location
        answer = requests.get(start.location, allow_redirects=False, timeout=5)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    def finish(self, callback_url, **replace):
        """GET the callback with the test client; ``replace`` changes (or, with None, drops) parameters."""
        parts = urlsplit(callback_url)
        query = dict(parse_qsl(parts.query))
        query.update(replace)
        query = {key: value for key, value in query.items() if value is not None}
        return self.client.get(parts.path, query_string=urlencode(query))

    def sign_in(self, email, next=None, **claims):
        """The whole round trip for ``email`` (claims and faults as FakeOIDCIssuer.queue_login takes them)."""
        self.issuer.queue_login(email, **claims)
        start = self.start(**({"next": next} if next is not None else {}))
        return self.finish(self.visit_provider(start))


@pytest.fixture
def google(client, issuer):
    """``google.sign_in(email, **claims)`` signs the test client in through the local issuer.

    The app must be configured for the issuer: override ``app_config`` in the test module
    with ``google_settings(issuer)``.
    """
    assert client.application.config["GOOGLE_DISCOVERY_URL"] == issuer.discovery_url, (
        "configure the app for the issuer: app_config.update(google_settings(issuer))"
    )
    return GoogleRoundTrip(client, issuer)
