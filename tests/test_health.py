"""The operator's health endpoints: each answers within its limit when its dependency is down, and leaks no secret."""

import socket
import time

import pytest

from tests.fakes.smtp import closed_port

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def silent_redis():
    """A port that accepts connections and never answers, like a hung Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def test_database_is_an_alias_of_db(client):
    response = client.get("/health/database")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_redis_not_configured_is_healthy(client):
    response = client.get("/health/redis")
    assert response.status_code == 200 and response.json["redis"] == "not configured"


@pytest.mark.parametrize("kind", ["refused", "hung"])
def test_redis_down_is_a_503_within_its_timeout(app, client, kind, silent_redis):
    port = closed_port() if kind == "refused" else silent_redis
    app.config.update(REDIS_URL=f"redis://127.0.0.1:{port}/0", REDIS_HEALTH_TIMEOUT=0.5)
    started = time.monotonic()
    response = client.get("/health/redis")
    assert response.status_code == 503 and response.json["redis"] == "unreachable"
    assert time.monotonic() - started < 1.5


def test_detailed_health_asks_anonymous_visitors_to_authenticate(client):
    assert client.get("/health/detailed").status_code == 401


def test_detailed_health_is_refused_to_people_who_are_not_administrators(client, sign_in, approved_user):
    sign_in.as_user(approved_user)
    assert client.get("/health/detailed").status_code == 403


def test_detailed_health_reports_every_dependency_to_administrators(app, client, sign_in, admin):
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_PASSWORD="mail-secret-value")
    sign_in.as_user(admin)
    response = client.get("/health/detailed")
    assert response.status_code == 200
    report = response.json
    assert report["status"] == "ok" and report["version"] == app.config["VERSION"]
    assert report["database"]["status"] == "ok" and report["database"]["latency_ms"] >= 0
    assert report["database"]["migration"]["up_to_date"] is True
    assert report["redis"] == {"status": "not configured"}
    assert report["mail"] == {"configured": True} and report["storage"] == {"backend": "local"}
    assert report["outbox"] == {"backlog": 0, "oldest_age_seconds": 0.0}
    body = response.get_data(as_text=True)
    assert "mail-secret-value" not in body and app.config["SECRET_KEY"] not in body


def test_detailed_health_answers_the_metrics_token_without_a_session(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    response = client.get("/health/detailed", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.json["status"] == "ok"


def test_detailed_health_is_degraded_when_redis_is_down(app, client):
    app.config.update(METRICS_TOKEN=TOKEN, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    response = client.get("/health/detailed", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 503
    assert response.json["status"] == "degraded" and response.json["redis"]["status"] == "unreachable"
