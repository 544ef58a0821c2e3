"""gunicorn.conf.py: real gunicorn settings with Render's values, and a start that refuses bad configuration."""

import json
import os
import runpy
import socket
import subprocess
import sys
import tempfile
import types
from pathlib import Path

from gunicorn.config import Config as GunicornConfig

ROOT = Path(__file__).resolve().parent.parent
START_COMMAND = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "webapp:create_app()"]
GOOD_SECRET = "k3Jx9-production-secret-that-is-long-enough-0123456789"


def load_settings(monkeypatch, **env):
    """gunicorn.conf.py read the way gunicorn reads it, with ``env`` set; returns (names, config)."""
    for key in (
        "PORT",
        "GUNICORN_HOST",
        "WEB_CONCURRENCY",
        "FORWARDED_ALLOW_IPS",
        "GUNICORN_THREADS",
        "GUNICORN_WORKER_CLASS",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # gunicorn.conf.py empties the metrics directory it is given: give it one of its own.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="hyperdesk-test-metrics-"))
    namespace = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    names = {
        name
        for name, value in namespace.items()
        if name.islower() and not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    config = GunicornConfig()
    for name in names & set(config.settings):
        config.set(name, namespace[name])
    return names, config


def test_every_name_in_the_config_file_is_a_gunicorn_setting(monkeypatch):
    # gunicorn silently ignores unknown names, so a typo would quietly fall back to a default.
    names, config = load_settings(monkeypatch)
    assert names - set(config.settings) == set()


def test_render_defaults_bind_every_interface_on_port_10000_with_two_workers(monkeypatch):
    _, config = load_settings(monkeypatch)
    assert (config.bind, config.workers) == (["0.0.0.0:10000"], 2)


def test_port_and_web_concurrency_come_from_the_environment(monkeypatch):
    _, config = load_settings(monkeypatch, PORT="12345", WEB_CONCURRENCY="3")
    assert (config.bind, config.workers) == (["0.0.0.0:12345"], 3)


def test_the_shipped_workers_are_gthread_with_four_threads(monkeypatch):
    # Chosen by measurement on two cores: docs/performance.md#worker-configuration.
    _, config = load_settings(monkeypatch)
    assert (config.worker_class_str, config.threads) == ("gthread", 4)


def test_sync_workers_chosen_by_the_environment_run_one_request_at_a_time(monkeypatch):
    # gunicorn would quietly run gthread for "sync" with more than one thread.
    _, config = load_settings(monkeypatch, GUNICORN_WORKER_CLASS="sync", GUNICORN_THREADS="4")
    assert (config.worker_class_str, config.threads) == ("sync", 1)


def test_serving_settings_suit_render(monkeypatch):
    _, config = load_settings(monkeypatch)
    assert config.preload_app and config.control_socket_disable
    assert config.accesslog is None
    assert config.forwarded_allow_ips == ["*"]
    # Render kills the process 30 s after SIGTERM: requests in flight must finish first.
    assert config.graceful_timeout < 30 <= config.timeout


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(tmp_path, **env):
    base = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DATABASE_URL")}
    base.update(APP_ENV="production", GUNICORN_HOST="127.0.0.1", PORT=str(_free_port()), HOME=str(tmp_path))
    base.update(env)
    return subprocess.run(START_COMMAND, cwd=ROOT, env=base, capture_output=True, text=True, timeout=60)


def test_start_without_a_secret_key_exits_1_naming_the_problem(tmp_path):
    result = _start(tmp_path)
    assert result.returncode == 1
    assert "Hyperdesk cannot start with this configuration:\n  - SECRET_KEY is not set" in result.stderr


def test_start_with_check_deploy_errors_exits_1_before_opening_the_port(tmp_path):
    result = _start(tmp_path, SECRET_KEY=GOOD_SECRET, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert lines[-1]["level"] == "CRITICAL"
    assert lines[-1]["message"].startswith("Refusing to start: 4 configuration error(s)")
    assert not any(line["message"].startswith("Listening at") for line in lines)
    assert not (tmp_path / "db.sqlite").exists()
