"""The app under test: gunicorn as shipped (production settings) on 127.0.0.1, its data, and signed-in sessions."""

import hashlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
from itsdangerous import URLSafeTimedSerializer

from .services import _children, free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = secrets.token_urlsafe(48)
PEOPLE = 64
PENDING = 40


class AppServer:
    """One gunicorn instance of the app, started with gunicorn.conf.py like render.yaml's start command."""

    def __init__(self, database_url, redis_url, smtp_port, issuer, logs, **extra):
        self.port = free_port()
        self.logs = logs
        self.env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "HOME", "VIRTUAL_ENV")},
            "APP_ENV": "production",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "PORT": str(self.port),
            "GUNICORN_HOST": "127.0.0.1",
            "WEB_CONCURRENCY": "2",
            "PUBLIC_URL": "https://hyperdesk.example.org",
            "GOOGLE_CLIENT_ID": issuer.client_id,
            "GOOGLE_CLIENT_SECRET": issuer.client_secret,
            "GOOGLE_DISCOVERY_URL": issuer.discovery_url,
            "CLOUDINARY_URL": "cloudinary://123456789012345:reliability-secret@hyperdesk",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "MAIL_USE_TLS": "0",
            "MAIL_TIMEOUT": "3",
            "OUTBOX_POLL_SECONDS": "2",
            "OUTBOX_RETRY_BASE_SECONDS": "2",
            "OUTBOX_RETRY_MAX_SECONDS": "5",
            "OUTBOX_MAX_ATTEMPTS": "100",
            "OUTBOX_LEASE_SECONDS": "20",
            "RATELIMIT_SIGN_IN": "100000 per minute",
            "METRICS_TOKEN": "reliability-metrics-token",
            "LOG_FORMAT": "json",
            **extra,
        }
        self.process = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        """Start gunicorn and wait for /health (the master migrates first)."""
        log = open(self.logs / f"app-{self.port}.log", "a")  # noqa: SIM115  (kept open for the server's life)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "webapp:create_app()"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited {self.process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(self.base_url + "/health", timeout=1) as answer:
                    if answer.status == 200 and len(self.workers()) >= 2:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError("the app did not become healthy")

    def workers(self):
        """The pids of gunicorn's workers."""
        return _children(self.process.pid) if self.process else []

    def kill_worker(self):
        """SIGKILL one worker, as the platform's out-of-memory killer would; the master starts another."""
        workers = self.workers()
        if workers:
            os.kill(workers[0], signal.SIGKILL)
        return workers[0] if workers else None

    def stop(self, timeout=40):
        """SIGTERM, as a deploy or a restart does; returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(10)


def session_cookie(session_token):
    """A signed session cookie carrying ``session_token`` (from ``seed``) and the CSRF header that goes with it."""
    from flask import Flask

    flask_app = Flask("reliability")
    flask_app.secret_key = SECRET_KEY
    raw = hashlib.sha1(os.urandom(64)).hexdigest()
    serializer = flask_app.session_interface.get_signing_serializer(flask_app)
    cookie = serializer.dumps({"_user_id": session_token, "_fresh": True, "csrf_token": raw})
    token = URLSafeTimedSerializer(SECRET_KEY, salt="wtf-csrf-token").dumps(raw)
    return {"Cookie": f"hyperdesk_session={cookie}", "X-CSRFToken": token}


def seed(database_url):
    """People (one administrator, approved users each with a project, a specification and items, pending newcomers).

    Returns the administrator's session token, the people (each with a session token) and the requests.
    """
    connection = psycopg2.connect(database_url)
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO users (email, name, role, status) VALUES ('admin@example.org', 'Admin', 'admin', 'approved')"
            " RETURNING id"
        )
        admin = cursor.fetchone()[0]
        people = []
        for number in range(PEOPLE):
            cursor.execute(
                "INSERT INTO users (email, name, status) VALUES (%s, %s, 'approved') RETURNING id",
                (f"person{number}@example.org", f"Person {number}"),
            )
            user = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO project (owner_id, name) VALUES (%s, %s) RETURNING id", (user, f"Seed project {number}")
            )
            project = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO specification (project_id, title) VALUES (%s, 'Seed spec') RETURNING id", (project,)
            )
            spec = cursor.fetchone()[0]
            items = []
            for position in range(6):
                cursor.execute(
                    "INSERT INTO bullet_item (specification_id, text, position) VALUES (%s, %s, %s) RETURNING id",
                    (spec, f"seed {position}", position),
                )
                items.append(cursor.fetchone()[0])
            people.append({"user": user, "project": project, "spec": spec, "items": items})
        requests = []
        for number in range(PENDING):
            cursor.execute(
                "INSERT INTO users (email, name, status) VALUES (%s, %s, 'pending') RETURNING id",
                (f"newcomer{number}@example.org", f"Newcomer {number}"),
            )
            cursor.execute(
                "INSERT INTO access_request (user_id, reason) VALUES (%s, 'I need to read the specifications.')"
                " RETURNING id",
                (cursor.fetchone()[0],),
            )
            requests.append(cursor.fetchone()[0])
    connection.close()
    # A signed-in person is a live server-side session: rows made the way the app makes them.
    from webapp.services.sessions import open_session_in

    for person in people:
        person["session"] = open_session_in(database_url, person["user"], "Reliability drill")
    return open_session_in(database_url, admin, "Reliability drill"), people, requests
