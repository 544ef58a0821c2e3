"""/metrics: token-protected Prometheus text with request, database, outbox and rate-limit figures, all workers added up."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import app_overrides
from webapp import create_app

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "metrics-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def value(text, name, **labels):
    """The value of one sample in Prometheus text, or None."""
    wanted = ",".join(f'{key}="{val}"' for key, val in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else r"(?:\{\})?") + r" (\S+)"
    found = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


@pytest.fixture
def metrics_on(app):
    app.config["METRICS_TOKEN"] = TOKEN
    return app


def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_refuse_a_wrong_token(metrics_on, client):
    response = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_requests_are_counted_by_route_template_and_status(metrics_on, client, make, approved_user, sign_in):
    labels = {"method": "GET", "route": "/projects/<id:record_id>", "status": "404"}
    before = value(
        client.get("/metrics", headers=AUTH).get_data(as_text=True), "request_duration_seconds_count", **labels
    )
    sign_in.as_user(approved_user)
    client.get("/projects/999999")
    text = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    assert value(text, "request_duration_seconds_count", **labels) == (before or 0) + 1
    assert value(text, "request_duration_seconds_sum", **labels) > 0


def test_database_figures_are_read_at_scrape_time(metrics_on, client, make, pending_user):
    make.access_request(pending_user)
    text = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    assert value(text, "database_up") == 1
    assert value(text, "access_requests_pending") == 1
    assert value(text, "outbox_backlog") == 0 and value(text, "outbox_oldest_age_seconds") == 0
    assert value(text, "active_users_total", window="1d") is not None
    assert 0 <= value(text, "cache_hit_ratio", cache="sqlalchemy_statements") <= 1
    assert value(text, "database_connections_active") is not None


def test_rate_limit_rejections_are_counted(app_config):
    app = create_app(
        {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_SIGN_IN": "1 per minute", "METRICS_TOKEN": TOKEN}
    )
    client = app.test_client()
    route = "/auth/google"
    before_text = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    before = value(before_text, "rate_limit_rejections_total", route=route) or 0
    statuses = [client.get(route).status_code for _ in range(3)]
    assert 429 in statuses
    text = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    assert value(text, "rate_limit_rejections_total", route=route) == before + statuses.count(429)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read().decode()


def test_metrics_add_up_the_requests_of_both_gunicorn_workers(tmp_path):
    database = tmp_path / "metrics.db"
    overrides = app_overrides(f"sqlite:///{database}", UPLOAD_FOLDER=str(tmp_path / "uploads"))
    from tests.conftest import migrate_to_head

    migrate_to_head(overrides["SQLALCHEMY_DATABASE_URI"], tmp_path)
    metrics_dir = tmp_path / "metrics"
    port = _free_port()
    env = dict(
        os.environ,
        APP_ENV="testing",
        DATABASE_URL=overrides["SQLALCHEMY_DATABASE_URI"],
        METRICS_TOKEN=TOKEN,
        PORT=str(port),
        GUNICORN_HOST="127.0.0.1",
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        HOME=str(tmp_path),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "webapp:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        sent, worker_files = 0, set()
        while time.monotonic() < deadline and len(worker_files) < 2:
            try:
                _get(base + "/health")
                sent += 1
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
                continue
            worker_files = {path.name for path in metrics_dir.glob("histogram_*.db")}
        assert len(worker_files) >= 2, "both workers should have served /health"
        text = _get(base + "/metrics", AUTH)
        assert value(text, "request_duration_seconds_count", method="GET", route="/health", status="200") == sent
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
