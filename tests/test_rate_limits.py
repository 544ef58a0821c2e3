"""Rate limits on starting sign-in and on access requests: per IP and per user, in memory or in Redis."""

import os
import secrets
import shutil
import signal
import subprocess
import time

import pytest
import redis

from tests.fakes.smtp import closed_port
from tests.plugins.accounts import SignIn
from tests.plugins.google import google_settings
from webapp import create_app
from webapp.extensions import limiter

REDIS_DB = 14
REASON = "I coordinate the warehouse move and need the specifications."


@pytest.fixture
def app_config(app_config, issuer):
    """Google through the local issuer, and limits on: two tries per minute."""
    app_config.update(google_settings(issuer))
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="2 per minute", RATELIMIT_ACCESS_REQUEST="2 per minute")
    return app_config


def an_ip():
    """A client address no other test (or test run on this machine) uses, so counters never mix."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def start_sign_in(client, ip):
    return client.get("/auth/google", environ_base={"REMOTE_ADDR": ip})


def ask(client, ip, reason=REASON):
    return client.post("/access/request", data={"reason": reason}, environ_base={"REMOTE_ADDR": ip})


def test_starting_sign_in_too_often_from_one_address_gets_the_429_page(client):
    ip = an_ip()
    assert [start_sign_in(client, ip).status_code for _ in range(2)] == [302, 302]
    refused = start_sign_in(client, ip)
    assert refused.status_code == 429
    assert "You are doing that too often" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    assert start_sign_in(client, an_ip()).status_code == 302  # another address is not affected


def test_the_callback_is_limited_per_address_too(client):
    ip = an_ip()
    statuses = [
        client.get("/auth/google/callback?error=access_denied", environ_base={"REMOTE_ADDR": ip}).status_code
        for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_behind_a_proxy_each_client_is_counted_by_its_own_address(app_config):
    app_config["PROXY_FIX_HOPS"] = 1
    client = create_app(app_config).test_client()
    proxy = an_ip()

    def start(forwarded_for):
        return client.get(
            "/auth/google", headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": proxy}
        )

    first, second = an_ip(), an_ip()
    assert [start(first).status_code for _ in range(3)] == [302, 302, 429]
    assert start(second).status_code == 302


def test_access_requests_are_limited_per_address(app, make):
    ip = an_ip()
    statuses = []
    for _ in range(3):
        client = app.test_client()
        SignIn(client).as_user(make.user(status="pending"))
        statuses.append(ask(client, ip).status_code)
    assert statuses == [302, 302, 429]


def test_access_requests_are_limited_per_person_whatever_their_address(client, sign_in, pending_user):
    sign_in.as_user(pending_user)
    # Mistakes count too: the limit caps how often a person can make the server work.
    statuses = [ask(client, an_ip(), reason="short").status_code for _ in range(2)]
    refused = ask(client, an_ip())
    assert statuses == [422, 422] and refused.status_code == 429
    assert "too often" in refused.get_data(as_text=True)


def test_an_htmx_request_over_the_limit_gets_a_toast(client, sign_in, pending_user):
    sign_in.as_user(pending_user)
    ip = an_ip()
    for _ in range(2):
        ask(client, ip, reason="short")
    refused = client.post(
        "/access/request", data={"reason": REASON}, headers={"HX-Request": "true"}, environ_base={"REMOTE_ADDR": ip}
    )
    assert refused.status_code == 429 and "too often" in refused.headers["HX-Trigger"]


@pytest.fixture
def redis_url():
    """A Redis database for shared counters; the keys this test made are removed afterwards."""
    url = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{REDIS_DB}")
    store = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        store.ping()
    except redis.RedisError as error:
        if os.environ.get("REQUIRE_REDIS", "").strip() in ("1", "true", "yes"):
            pytest.fail(f"Redis is not reachable at {url}: {error} (REQUIRE_REDIS=1)", pytrace=False)
        pytest.skip(f"Redis is not reachable at {url}: {error}")
    yield url, store
    store.close()


def test_instances_share_counters_through_redis(app, app_config, redis_url, monkeypatch):
    url, store = redis_url
    monkeypatch.setenv("REDIS_URL", url)
    ip = an_ip()
    try:
        first = create_app(app_config).test_client()
        assert [start_sign_in(first, ip).status_code for _ in range(2)] == [302, 302]
        assert any(ip in key.decode() for key in store.scan_iter(match="*", count=1000))
        # A fresh instance (another worker, another server) sees the same counts.
        second = create_app(app_config).test_client()
        assert start_sign_in(second, ip).status_code == 429
    finally:
        for key in store.scan_iter(match=f"*{ip}*"):
            store.delete(key)


def test_memory_counters_belong_to_one_instance(app, app_config):
    ip = an_ip()
    first = create_app(app_config).test_client()
    assert [start_sign_in(first, ip).status_code for _ in range(3)] == [302, 302, 429]
    assert start_sign_in(create_app(app_config).test_client(), ip).status_code == 302


def test_the_limiter_checks_only_the_endpoints_a_limit_is_declared_for(app):
    with app.test_request_context():
        declared = {endpoint for endpoint in app.view_functions if limiter._declares_limits(app, endpoint)}
    assert {"auth.google_start", "auth.google_callback", "auth.dev_login", "access.submit_request"} <= declared
    assert {"uploads.upload_image", "api.projects_index", "api.me", "api.google_token"} <= declared
    assert not declared & {"main.home", "projects.index", "projects.create", "admin.index", "access.queue"}


def test_a_default_limit_reaches_every_page(app_config):
    app_config.update(RATELIMIT_DEFAULT="2 per minute")
    try:
        client = create_app(app_config).test_client()
        ip = an_ip()
        statuses = [client.get("/", environ_base={"REMOTE_ADDR": ip}).status_code for _ in range(3)]
    finally:
        limiter.limit_manager.set_default_limits([])  # the Limiter outlives the app: later apps set none
    assert statuses[2] == 429 and statuses[:2] != [429, 429]


@pytest.fixture
def limiter_recovers():
    """Forget the dead storage afterwards.

    Flask-Limiter keeps "storage is down" on its Limiter object, which lives as long as
    the process: harmless with one app per process, but later tests build new apps.
    """
    yield
    limiter._storage_dead = False


def test_unreachable_redis_falls_back_to_counting_in_memory(app, app_config, monkeypatch, caplog, limiter_recovers):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
    client = create_app(app_config).test_client()
    ip = an_ip()
    assert [start_sign_in(client, ip).status_code for _ in range(3)] == [302, 302, 429]
    assert "falling back to in-memory storage" in caplog.text


@pytest.fixture
def own_redis(tmp_path):
    """A throwaway redis-server of this test's own (never the shared one), stopped and removed afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = closed_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    store = redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=1)
    try:
        for _ in range(100):
            try:
                store.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield process, f"redis://127.0.0.1:{port}/0", store
    finally:
        store.close()
        process.send_signal(signal.SIGCONT)
        process.terminate()
        process.wait(timeout=10)


# Issue 16: a Redis that accepts connections and never answers stalled every rate-limited request for 5-10 s.
def test_a_frozen_redis_costs_one_short_wait_then_limits_count_in_memory(
    app_config, own_redis, monkeypatch, caplog, limiter_recovers
):
    process, url, store = own_redis
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("REDIS_TIMEOUT", "0.3")
    client = create_app(app_config).test_client()
    ip = an_ip()
    assert start_sign_in(client, ip).status_code == 302
    assert any(ip in key.decode() for key in store.scan_iter(match="*"))  # counted in Redis while it answers
    process.send_signal(signal.SIGSTOP)
    started = time.monotonic()
    statuses = [start_sign_in(client, an_ip()).status_code for _ in range(3)]
    elapsed = time.monotonic() - started
    assert statuses == [302, 302, 302]
    assert elapsed < 2.5, f"three requests took {elapsed:.1f} s with Redis frozen"
    assert "falling back to in-memory storage" in caplog.text
    # The limits still hold, counted in this process's memory.
    ip = an_ip()
    assert [start_sign_in(client, ip).status_code for _ in range(3)] == [302, 302, 429]
