"""Cross-cutting behaviour: health checks, page vs partial, error pages, request ids, security headers."""

import json
import logging
import socket
import sys
import threading
import time
from urllib.parse import quote

import pytest
from flask import abort

from tests.conftest import app_overrides
from webapp import create_app
from webapp.logs import TextFormatter
from webapp.permissions import public

HX = {"HX-Request": "true"}


def test_liveness_reports_status_and_version(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "version": client.application.config["VERSION"]}


def test_readiness_is_ok_with_the_database_up(client):
    response = client.get("/health/db")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


@pytest.fixture
def silent_port():
    """A TCP port that accepts connections and never answers, like a hung database server."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_readiness_is_503_quickly_when_the_database_is_unreachable(kind, silent_port, tmp_path):
    port = silent_port if kind == "silent" else 1
    app = create_app(app_overrides(f"postgresql://postgres@127.0.0.1:{port}/hyperdesk", UPLOAD_FOLDER=str(tmp_path)))
    started = time.monotonic()
    response = app.test_client().get("/health/db")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
    # The probe gives itself 1.8 s in all; the margin absorbs a busy machine.
    assert elapsed < 2.5


def test_page_request_gets_the_full_page(client, sign_in, admin):
    sign_in.as_user(admin)
    response = client.get("/access/queue")
    assert response.status_code == 200
    assert b"<html" in response.data and b'id="access-queue"' in response.data
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_request_gets_only_the_fragment(client, sign_in, admin):
    sign_in.as_user(admin)
    response = client.get("/access/queue", headers=HX)
    assert response.status_code == 200
    assert b"<html" not in response.data
    assert response.data.lstrip().startswith(b'<div id="access-queue"')
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("extra", [{"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}])
def test_boosted_and_history_restore_requests_get_the_full_page(client, sign_in, admin, extra):
    sign_in.as_user(admin)
    response = client.get("/access/queue", headers={**HX, **extra})
    assert b"<html" in response.data


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"<html" in response.data and b"There is nothing here" in response.data


def test_unknown_page_for_htmx_is_a_small_partial_with_a_toast(client):
    response = client.get("/no/such/page", headers=HX)
    assert response.status_code == 404
    assert b"<html" not in response.data and b"alert" in response.data
    assert '"toast"' in response.headers["HX-Trigger"]


def test_wrong_method_is_405_with_allow_header(client):
    response = client.delete("/health")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_missing_csrf_token_is_400_with_an_explanation(client):
    response = client.post("/auth/logout", csrf=False)
    assert response.status_code == 400
    assert b"expired" in response.data


def test_forbidden_page_is_403(client, sign_in, approved_user):
    sign_in.as_user(approved_user)
    response = client.get("/access/queue")
    assert response.status_code == 403
    assert b"You do not have permission" in response.data


def test_too_large_request_is_413(app_config, database_url):
    app_config["MAX_CONTENT_LENGTH"] = 1024
    app = create_app(app_config)
    response = app.test_client().post("/auth/dev-login", data={"email": "x" * 4096})
    assert response.status_code == 413
    assert b"too large" in response.data


def test_rate_limited_request_is_429(app_config):
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="2 per minute", DEV_LOGIN=True)
    app = create_app(app_config)
    client = app.test_client()
    statuses = [client.get("/auth/google").status_code for _ in range(3)]
    assert statuses[-1] == 429
    assert b"too often" in client.get("/auth/google").data


def test_unexpected_error_is_a_500_page_without_a_trace(app, caplog):
    @public
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # behave as in production, not as TESTING does
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/explode")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    assert b"secret internals" not in response.data and b"Traceback" not in response.data
    assert any("secret internals" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_abort_inside_a_public_view_uses_the_error_page(app):
    @public
    def gone():
        abort(404)

    app.add_url_rule("/gone", "gone", gone)
    assert b"There is nothing here" in app.test_client().get("/gone").data


def test_request_id_is_echoed_and_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="webapp.request"):
        response = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    line = next(r for r in caplog.records if r.name == "webapp.request")
    assert line.request_id == "abc-123"
    assert (line.method, line.path, line.status) == ("GET", "/health", 200)
    assert line.duration_ms >= 0


def written_line(record):
    """``record`` as the app's own handler writes it (the text format outside production)."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, TextFormatter))
    return handler.format(record)


# Finding F5: a path with encoded line breaks wrote a forged "ERROR ... Exception on" line and a
# "Traceback" line into the text log.
def test_a_client_cannot_forge_a_line_of_the_text_log(client, caplog):
    forged = "2026-12-05 14:00:00,000 ERROR [x] webapp: Exception on /api/v1/projects [POST]"
    with caplog.at_level(logging.INFO, logger="webapp.request"):
        client.get("/api/v1/me%0a" + quote(forged) + "%0d%0aTraceback%20(most%20recent%20call%20last):%1b[2J")
    line = written_line(next(r for r in caplog.records if r.name == "webapp.request"))
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert f"GET /api/v1/me\\n{forged}\\r\\nTraceback (most recent call last):\\x1b[2J 404" in line


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("\x00\x1b[31m\x7f\x85", "\\x00\\x1b[31m\\x7f\\x85"),
        ("line\u2028separator\u2029", "line\\u2028separator\\u2029"),
        ("Zoë\u00a0Ünal — café", "Zoë\u00a0Ünal — café"),  # printable text, and a no-break space, stay as they are
    ],
)
def test_the_text_log_writes_control_characters_as_escapes(text, written):
    record = logging.makeLogRecord({"name": "webapp", "msg": "Sign-in failed: %s", "args": (text,), "request_id": "-"})
    assert TextFormatter().format(record).endswith(f"webapp: Sign-in failed: {written}")


def test_an_exceptions_message_stays_on_its_line_in_a_traceback():
    try:
        try:
            raise KeyError("first")
        except KeyError as error:
            raise ValueError("bad input\n1999-12-31 14:00:00,000 ERROR [x] webapp: forged") from error
    except ValueError:
        record = logging.makeLogRecord(
            {"name": "webapp", "msg": "Exception on /", "exc_info": sys.exc_info(), "request_id": "-"}
        )
    lines = TextFormatter().format(record).splitlines()
    assert not any(line.startswith("1999-12-31") for line in lines)
    assert "ValueError: bad input\\n1999-12-31 14:00:00,000 ERROR [x] webapp: forged" in lines
    assert "Traceback (most recent call last):" in lines and "KeyError: 'first'" in lines


def test_the_json_log_keeps_the_message_as_it_was(app):
    from webapp.logs import JSONFormatter

    record = logging.makeLogRecord({"name": "webapp.request", "msg": "GET %s 404", "args": ("/a\nb",)})
    line = JSONFormatter().format(record)
    assert "\n" not in line and json.loads(line)["message"] == "GET /a\nb 404"


def test_malformed_request_id_is_replaced(client):
    response = client.get("/health", headers={"X-Request-ID": "bad id <script>"})
    assert response.headers["X-Request-ID"] != "bad id <script>"
    assert len(response.headers["X-Request-ID"]) == 32


def test_json_log_lines_in_production_format(app, capsys):
    import json

    from webapp.logs import JSONFormatter, RequestIdFilter

    record = logging.makeLogRecord({"name": "webapp.request", "msg": "GET / 200", "levelname": "INFO", "status": 200})
    RequestIdFilter().filter(record)
    entry = json.loads(JSONFormatter().format(record))
    assert entry["message"] == "GET / 200" and entry["status"] == 200 and entry["request_id"] == "-"


def test_security_headers_on_every_response(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"'.encode() in response.data


def test_every_script_tag_carries_the_nonce(client):
    html = client.get("/").data.decode()
    assert html.count("<script") == html.count('nonce="')


def test_anonymous_form_post_signs_in_without_a_return_to_the_post_url(client):
    response = client.post("/projects/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"


def test_anonymous_page_request_comes_back_after_sign_in(client):
    response = client.get("/projects/?q=quartz")
    assert response.headers["Location"] == "/auth/login?next=/projects/?q%3Dquartz"


@pytest.mark.parametrize(("host", "status"), [("desk.example.org", 200), ("evil.example", 400)])
def test_trusted_hosts_answer_other_host_names_400(app_config, host, status):
    # Issue 16: where TRUSTED_HOSTS is set, a request for any other host name is refused, not served.
    app_config["TRUSTED_HOSTS"] = ["desk.example.org"]
    response = create_app(app_config).test_client().get("/health", base_url=f"http://{host}")
    assert response.status_code == status


# A Host header that is not a host name ("a..b": IDNA refuses the empty label) left no URL adapter,
# so the error page's navigation failed and the answer was Werkzeug's bare 500.
@pytest.mark.parametrize("path", ["/", "/health", "/projects/1"])
def test_a_host_header_that_is_not_a_host_name_is_a_plain_400(client, path):
    response = client.get(path, headers={"Host": "a..b"})
    assert response.status_code == 400 and "does not answer for that host name" in response.get_data(as_text=True)


def test_an_api_request_for_a_malformed_host_is_a_json_400(client):
    response = client.get("/api/v1/projects", headers={"Host": "a..b"})
    assert response.status_code == 400 and response.get_json()["success"] is False


def test_the_session_cookie_is_flasks_own_both_ways(app):
    """The interface that keeps its serializer signs and reads exactly the cookies Flask's own does."""
    from flask.sessions import SecureCookieSessionInterface

    ours, flasks = app.session_interface.get_signing_serializer(app), SecureCookieSessionInterface()
    theirs = flasks.get_signing_serializer(app)
    payload = {"_user_id": "token", "csrf_token": "abc"}
    assert theirs.loads(ours.dumps(payload)) == payload
    assert ours.loads(theirs.dumps(payload)) == payload
    assert app.session_interface.get_signing_serializer(app) is ours  # built once per secret


def test_a_session_cookie_signed_with_another_secret_is_not_read(app, app_config):
    from itsdangerous import BadSignature

    ours = app.session_interface.get_signing_serializer(app)
    other = create_app({**app_config, "SECRET_KEY": "another-secret-" + "x" * 40})
    forged = other.session_interface.get_signing_serializer(other).dumps({"_user_id": "token"})
    with pytest.raises(BadSignature):
        ours.loads(forged)


def test_a_rotated_secret_still_reads_cookies_signed_with_the_old_one(app, app_config):
    old = app.session_interface.get_signing_serializer(app).dumps({"_user_id": "token"})
    rotated = create_app({**app_config, "SECRET_KEY": "a-new-secret-" + "y" * 40})
    rotated.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    assert rotated.session_interface.get_signing_serializer(rotated).loads(old) == {"_user_id": "token"}


def test_whether_a_function_is_async_is_asked_once_per_function(app, monkeypatch):
    import flask

    asked = []
    original = flask.Flask.ensure_sync
    monkeypatch.setattr(flask.Flask, "ensure_sync", lambda self, func: asked.append(func) or original(self, func))

    def view():
        return "ok"

    assert app.ensure_sync(view) is app.ensure_sync(view) is view
    bound = {}.get
    app.ensure_sync(bound)
    app.ensure_sync(bound)
    assert asked == [view, bound, bound]  # a bound method may be made per request: not kept


def test_the_csrf_token_is_flask_wtfs_own(app, monkeypatch):
    """Made without itsdangerous's compression attempt, the token is byte for byte Flask-WTF's and passes its check."""
    from flask import g, session
    from flask_wtf.csrf import generate_csrf, validate_csrf

    from webapp.security import csrf_token

    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: 1_800_000_000)
    with app.test_request_context("/"):
        ours = csrf_token()
        raw = session["csrf_token"]
        assert csrf_token() is ours  # once per request
        del g.csrf_token
        assert generate_csrf() == ours and session["csrf_token"] == raw
        validate_csrf(ours)


def test_a_page_posts_back_with_the_token_it_was_given(client, sign_in, approved_user):
    import re

    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Project

    sign_in.as_user(approved_user)
    page = client.get("/projects/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    created = client.post("/projects/", data={"csrf_token": token, "name": "Posted back", "status": "draft"})
    assert created.status_code == 303, created.status_code
    refused = client.post("/projects/", data={"csrf_token": token[:-2] + "xx", "name": "Forged", "status": "draft"})
    assert refused.status_code == 400
    assert [p.name for p in db.session.scalars(select(Project))] == ["Posted back"]
