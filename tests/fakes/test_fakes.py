"""Self-tests: the fake Google and Cloudinary servers must satisfy the real Authlib and cloudinary clients."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import secrets
import time
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import cloudinary
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils
import pytest
import requests
from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Flask, jsonify, url_for
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError
from joserfc.jwk import KeySet
from PIL import Image

from .cloudinary import FakeCloudinary
from .oidc import KID, FakeOIDCIssuer

REDIRECT_URI = "http://localhost/callback"


# --- OpenID Connect ---------------------------------------------------------------------------


@pytest.fixture
def issuer():
    """A running issuer, fresh per test so queued logins never leak between tests."""
    with FakeOIDCIssuer() as fake:
        yield fake


def make_app(issuer: FakeOIDCIssuer, strict: bool = True, pkce: bool = False) -> Flask:
    """Build the smallest Flask app that signs in with Google the way Hyperdesk will."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", TESTING=True)
    client_kwargs = {"scope": "openid email profile"}
    if pkce:
        client_kwargs["code_challenge_method"] = "S256"
    oauth = OAuth(app)
    oauth.register(
        "google",
        client_id=issuer.client_id,
        client_secret=issuer.client_secret,
        server_metadata_url=issuer.discovery_url,
        client_kwargs=client_kwargs,
    )
    # Authlib checks only iss by default; aud has to be asked for (see test_authlib_default_ignores_aud).
    claims_options = (
        {
            "iss": {"essential": True, "values": [issuer.issuer]},
            "aud": {"essential": True, "values": [issuer.client_id]},
        }
        if strict
        else None
    )

    @app.get("/login")
    def login():
        return oauth.google.authorize_redirect(url_for("callback", _external=True), nonce=secrets.token_urlsafe(16))

    @app.get("/callback")
    def callback():
        return jsonify(oauth.google.authorize_access_token(claims_options=claims_options))

    return app


def sign_in(app: Flask) -> tuple[dict, object]:
    """Play the browser: app -> provider -> app; return the authorize params and the callback response."""
    client = app.test_client()
    start = client.get("/login")
    assert start.status_code == 302
    sent = {key: values[0] for key, values in parse_qs(urlsplit(start.location).query).items()}
    provider = requests.get(start.location, allow_redirects=False, timeout=5)
    assert provider.status_code == 302, provider.text
    back = urlsplit(provider.headers["Location"])
    assert (back.netloc, back.path) == ("localhost", "/callback")
    assert parse_qs(back.query)["state"] == [sent["state"]]
    return sent, client.get(back.path, query_string=back.query)


def authorize(issuer: FakeOIDCIssuer, **overrides) -> requests.Response:
    """Call /authorize directly with valid parameters, changed or dropped (None) by overrides."""
    params = {
        "client_id": issuer.client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid email",
        "state": "st4te",
        "nonce": "n0nce",
        **overrides,
    }
    return requests.get(
        issuer.issuer + "/authorize",
        allow_redirects=False,
        timeout=5,
        params={key: value for key, value in params.items() if value is not None},
    )


def issue_code(issuer: FakeOIDCIssuer, **overrides) -> str:
    """Queue a login and return the code /authorize hands back for it."""
    issuer.queue_login("ada@example.org")
    response = authorize(issuer, **overrides)
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


def exchange(issuer: FakeOIDCIssuer, code: str, auth=None, **form) -> requests.Response:
    """POST a code to the token endpoint."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, **form}
    return requests.post(issuer.issuer + "/token", data=data, auth=auth, timeout=5)


def test_code_flow_signs_in_the_queued_identity(issuer):
    expected = issuer.queue_login(
        "ada@example.org", name="Ada Lovelace", picture="https://example.org/ada.png", hd="example.org"
    )
    sent, response = sign_in(make_app(issuer))

    assert response.status_code == 200
    token = response.get_json()
    assert (token["token_type"], token["expires_in"]) == ("Bearer", 3600)
    userinfo = token["userinfo"]
    assert {key: userinfo[key] for key in expected} == expected
    assert userinfo["nonce"] == sent["nonce"]
    assert (userinfo["iss"], userinfo["aud"], userinfo["azp"]) == (issuer.issuer,) + (issuer.client_id,) * 2
    assert userinfo["exp"] - userinfo["iat"] == 3600
    assert issuer.requests == [
        ("GET", "/.well-known/openid-configuration"),
        ("GET", "/authorize"),
        ("POST", "/token"),
        ("GET", "/jwks"),
    ]
    assert issuer.token_requests == 1

    # Check the signature independently of Authlib, straight against the published JWKS.
    keys = KeySet.import_key_set(requests.get(issuer.issuer + "/jwks", timeout=5).json())
    assert jwt.decode(token["id_token"], keys, algorithms=["RS256"]).header["kid"] == KID

    bearer = {"Authorization": "Bearer " + token["access_token"]}
    assert requests.get(issuer.issuer + "/userinfo", headers=bearer, timeout=5).json() == expected
    unknown = requests.get(issuer.issuer + "/userinfo", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert unknown.status_code == 401


def test_sub_is_stable_per_email_and_overridable(issuer):
    first = issuer.queue_login("Ada@example.org")["sub"]
    assert issuer.queue_login("ada@example.org")["sub"] == first
    assert first.isdigit() and len(first) == 21
    assert issuer.queue_login("ada@example.org", sub="42")["sub"] == "42"


def test_pkce_s256_flow_succeeds(issuer):
    issuer.queue_login("ada@example.org")
    sent, response = sign_in(make_app(issuer, pkce=True))
    assert sent["code_challenge_method"] == "S256"
    assert response.status_code == 200


@pytest.mark.parametrize(
    "fault, error, claim",
    [
        ({"nonce": "replayed"}, InvalidClaimError, "nonce"),
        ({"aud": "another-client"}, InvalidClaimError, "aud"),
        ({"iss": "https://accounts.example.com"}, InvalidClaimError, "iss"),
        ({"expired": True}, ExpiredTokenError, "exp"),
        ({"foreign_key": True}, BadSignatureError, None),
    ],
)
def test_id_token_faults_fail_validation(issuer, fault, error, claim):
    issuer.queue_login("ada@example.org", **fault)
    with pytest.raises(error) as caught:
        sign_in(make_app(issuer))
    assert getattr(caught.value, "claim", None) == claim


def test_authlib_default_ignores_aud(issuer):
    """Why the app must pass claims_options with aud: by default Authlib accepts a foreign audience."""
    issuer.queue_login("ada@example.org", aud="another-client")
    _, response = sign_in(make_app(issuer, strict=False))
    assert response.get_json()["userinfo"]["aud"] == "another-client"


def test_cancelled_login_returns_access_denied(issuer):
    issuer.queue_login("ada@example.org", error="access_denied")
    with pytest.raises(OAuthError) as caught:
        sign_in(make_app(issuer))
    assert caught.value.error == "access_denied"
    assert issuer.token_requests == 0


def test_token_endpoint_failure_reaches_the_client(issuer):
    issuer.queue_login("ada@example.org", token_status=500)
    # Authlib raises requests' HTTPError for a 5xx token response, not OAuthError.
    with pytest.raises(requests.HTTPError) as caught:
        sign_in(make_app(issuer))
    assert caught.value.response.status_code == 500


def test_authorize_rejects_bad_requests(issuer):
    assert authorize(issuer, client_id="intruder").status_code == 400
    assert authorize(issuer, redirect_uri=None).status_code == 400
    nobody = authorize(issuer)
    assert nobody.status_code == 400 and "queue_login" in nobody.text

    issuer.queue_login("ada@example.org")
    wrong_type = parse_qs(urlsplit(authorize(issuer, response_type="token").headers["Location"]).query)
    assert (wrong_type["error"], wrong_type["state"]) == (["unsupported_response_type"], ["st4te"])
    no_openid = parse_qs(urlsplit(authorize(issuer, scope="email").headers["Location"]).query)
    assert no_openid["error"] == ["invalid_scope"]
    with pytest.raises(TypeError, match="bogus"):
        issuer.queue_login("ada@example.org", bogus=True)


def test_token_endpoint_authenticates_client_and_burns_codes(issuer):
    good_basic = (issuer.client_id, issuer.client_secret)
    good_post = {"client_id": issuer.client_id, "client_secret": issuer.client_secret}

    code = issue_code(issuer)
    assert exchange(issuer, code, auth=(issuer.client_id, "wrong")).json() == {"error": "invalid_client"}
    assert exchange(issuer, code).status_code == 401
    wrong_grant = exchange(issuer, code, auth=good_basic, grant_type="password")
    assert wrong_grant.json()["error"] == "unsupported_grant_type"
    ok = exchange(issuer, code, **good_post)
    assert ok.status_code == 200 and ok.headers["Cache-Control"] == "no-store"
    assert exchange(issuer, code, **good_post).json()["error"] == "invalid_grant"

    mismatch = exchange(issuer, issue_code(issuer), auth=good_basic, redirect_uri="http://localhost/other")
    assert (mismatch.status_code, mismatch.json()["error"]) == (400, "invalid_grant")
    assert exchange(issuer, issue_code(issuer), auth=good_basic).status_code == 200

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
    wrong = exchange(issuer, issue_code(issuer, **pkce), auth=good_basic, code_verifier="guess")
    assert wrong.json()["error"] == "invalid_grant"
    right = exchange(issuer, issue_code(issuer, **pkce), auth=good_basic, code_verifier=verifier)
    assert right.status_code == 200


def test_stopped_issuer_refuses_connections():
    issuer = FakeOIDCIssuer().start()
    app = make_app(issuer)
    issuer.stop()
    issuer.stop()  # idempotent, so fixtures may stop an issuer a test already stopped
    with pytest.raises(requests.ConnectionError):
        requests.get(issuer.discovery_url, timeout=5)
    with pytest.raises(requests.ConnectionError):
        app.test_client().get("/login")


# --- Cloudinary -------------------------------------------------------------------------------


def image_bytes(size=(32, 24), fmt="PNG") -> bytes:
    """Encode a small solid image."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def cloud():
    """A running fake with the SDK configured through CLOUDINARY_URL; SDK config restored afterwards."""
    with FakeCloudinary() as fake:
        with mock.patch.dict(os.environ, {"CLOUDINARY_URL": fake.cloudinary_url()}):
            # CLOUDINARY_CLOUD_NAME and friends would override the URL, so hide them.
            for key in [key for key in os.environ if key.startswith("CLOUDINARY_")]:
                if key != "CLOUDINARY_URL":
                    del os.environ[key]
            cloudinary.reset_config()
            yield fake
        cloudinary.reset_config()


def test_upload_answers_like_cloudinary_and_serves_the_image(cloud):
    png = image_bytes()
    result = cloudinary.uploader.upload(io.BytesIO(png), folder="test", tags=["avatar", "user"])

    assert (result["width"], result["height"], result["format"], result["bytes"]) == (32, 24, "png", len(png))
    assert result["public_id"].startswith("test/") and result["resource_type"] == "image"
    assert result["tags"] == ["avatar", "user"] and result["type"] == "upload"
    assert result["placeholder"] is False and result["created_at"].endswith("Z")
    expected_url = "%s/demo/image/upload/v%d/%s.png" % (cloud.url, result["version"], result["public_id"])
    assert result["secure_url"] == result["url"] == expected_url
    record = cloud.uploads[result["public_id"]]
    assert (record.bytes, record.width, record.height, record.format) == (png, 32, 24, "png")
    assert record.params["folder"] == "test"

    served = requests.get(result["secure_url"], timeout=5)
    assert (served.status_code, served.headers["Content-Type"], served.content) == (200, "image/png", png)
    # URLs built by the SDK carry transformations and "v1"; they must still resolve.
    built, _ = cloudinary.utils.cloudinary_url(result["public_id"], format="png", width=50, crop="fill")
    assert built.startswith(cloud.url + "/demo/image/upload/c_fill,w_50/")
    assert requests.get(built, timeout=5).content == png
    assert requests.get(cloud.url + "/demo/image/upload/v1/test/missing.png", timeout=5).status_code == 404


def test_upload_naming_options(cloud):
    jpeg = image_bytes(fmt="JPEG")
    named = cloudinary.uploader.upload(io.BytesIO(jpeg), public_id="avatar", folder="users/7")
    assert (named["public_id"], named["format"]) == ("users/7/avatar", "jpg")

    kept = cloudinary.uploader.upload(io.BytesIO(image_bytes()), public_id="avatar", folder="users/7", overwrite=False)
    assert kept["existing"] is True and kept["format"] == "jpg"
    replaced = cloudinary.uploader.upload(io.BytesIO(image_bytes()), public_id="users/7/avatar")
    assert replaced["format"] == "png" and replaced["version"] > named["version"]

    by_name = cloudinary.uploader.upload(
        io.BytesIO(jpeg), filename="My photo.jpg", use_filename=True, unique_filename=False
    )
    assert (by_name["public_id"], by_name["original_filename"]) == ("My_photo", "My photo")
    unique = cloudinary.uploader.upload(io.BytesIO(jpeg), filename="me.jpg", use_filename=True)
    assert unique["public_id"].startswith("me_") and len(unique["public_id"]) == len("me_") + 6


def test_destroy_removes_and_records(cloud):
    result = cloudinary.uploader.upload(io.BytesIO(image_bytes()), folder="test")
    assert cloudinary.uploader.destroy(result["public_id"]) == {"result": "ok"}
    assert cloudinary.uploader.destroy(result["public_id"]) == {"result": "not found"}
    assert cloud.destroyed == [result["public_id"]] and cloud.uploads == {}
    assert requests.get(result["secure_url"], timeout=5).status_code == 404


def test_bad_credentials_are_rejected(cloud):
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired, match="Invalid Signature"):
        cloudinary.uploader.upload(io.BytesIO(image_bytes()), api_secret="wrong")
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired, match="Unknown API key"):
        cloudinary.uploader.destroy("anything", api_key="999")
    assert cloud.uploads == {} and cloud.destroyed == []


def test_stale_timestamp_is_rejected(cloud):
    two_hours_ago = str(int(time.time()) - 7200)
    with (
        mock.patch("cloudinary.utils.now", return_value=two_hours_ago),
        pytest.raises(cloudinary.exceptions.BadRequest, match="Stale request"),
    ):
        cloudinary.uploader.upload(io.BytesIO(image_bytes()))


def test_signing_covers_sha256_lists_and_ampersands(cloud):
    cloudinary.config(signature_algorithm="sha256")
    # List params travel as repeated k[] fields and "&" is escaped in signature version 2.
    result = cloudinary.uploader.upload(io.BytesIO(image_bytes()), public_id="a&b", categorization=["x", "y"])
    assert cloud.uploads[result["public_id"]].params["categorization"] == "x,y"


def test_injected_failures_then_recovery(cloud):
    cloud.fail_next(500, times=2)
    for _ in range(2):
        with pytest.raises(cloudinary.exceptions.GeneralError, match="Injected failure"):
            cloudinary.uploader.upload(io.BytesIO(image_bytes()))
    cloud.fail_next(429)
    with pytest.raises(cloudinary.exceptions.RateLimited):
        cloudinary.uploader.destroy("anything")
    assert cloudinary.uploader.upload(io.BytesIO(image_bytes()))["format"] == "png"


def test_non_image_is_rejected(cloud):
    with pytest.raises(cloudinary.exceptions.BadRequest, match="Invalid image file"):
        cloudinary.uploader.upload(io.BytesIO(b"%PDF-1.4 definitely not an image"))
    with pytest.raises(cloudinary.exceptions.BadRequest, match="Invalid image file"):
        cloudinary.uploader.upload(io.BytesIO(image_bytes()[:40]))  # truncated PNG
    assert cloud.uploads == {}


def test_data_uri_upload(cloud):
    png = image_bytes()
    result = cloudinary.uploader.upload("data:image/png;base64," + base64.b64encode(png).decode())
    assert cloud.uploads[result["public_id"]].bytes == png


def test_reset_clears_state(cloud):
    cloudinary.uploader.upload(io.BytesIO(image_bytes()))
    cloud.fail_next(500)
    cloud.reset()
    assert (cloud.uploads, cloud.destroyed, cloud.requests) == ({}, [], [])
    assert cloudinary.uploader.upload(io.BytesIO(image_bytes()))["format"] == "png"


def test_stopped_server_raises_connection_error(cloud):
    cloud.stop()
    with pytest.raises(cloudinary.exceptions.Error, match="Connection refused") as caught:
        cloudinary.uploader.upload(io.BytesIO(image_bytes()))
    # The SDK wraps urllib3's MaxRetryError in its base Error, not in a status-specific subclass.
    assert type(caught.value) is cloudinary.exceptions.Error
