"""What the health endpoints report: each dependency checked within its own time limit, never a secret."""

import hmac
import re
import time
from functools import cache
from pathlib import Path

from flask import current_app, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..database import MIGRATIONS_DIRECTORY, probe
from ..extensions import db
from ..services import outbox

STARTED_AT = time.time()  # gunicorn preloads the app in its master: this is when the instance started
DATABASE_PROBE_SECONDS = 1.8  # /health/db must say 503 within 2 s
_REVISION = re.compile(r'^revision\s*=\s*"([^"]+)"', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision\s*=\s*"([^"]+)"', re.MULTILINE)


def has_metrics_token():
    """True when the request bears ``Authorization: Bearer <METRICS_TOKEN>`` and a token is configured."""
    token = current_app.config["METRICS_TOKEN"]
    sent = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(sent.encode(errors="replace"), f"Bearer {token}".encode())


def database(app):
    """{'status': 'ok', 'latency_ms': …} or {'status': 'unreachable', 'error': <class name>}."""
    try:
        return {"status": "ok", "latency_ms": probe(app, DATABASE_PROBE_SECONDS)}
    except SQLAlchemyError as error:
        return {"status": "unreachable", "error": (getattr(error, "orig", None) or error).__class__.__name__}


def redis(app):
    """{'status': 'ok'|'unreachable'|'not configured', …}, answered within REDIS_HEALTH_TIMEOUT seconds."""
    url = app.config["REDIS_URL"]
    if not url:
        return {"status": "not configured"}
    import redis as redis_client
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = app.extensions.get("health_redis")
    if client is None:
        timeout = app.config["REDIS_HEALTH_TIMEOUT"]
        client = redis_client.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
        app.extensions["health_redis"] = client
    started = time.perf_counter()
    try:
        client.ping()
    except (redis_client.RedisError, OSError) as error:
        return {"status": "unreachable", "error": error.__class__.__name__}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


@cache
def migration_head():
    """The newest revision in migrations/versions, read from the files (serving workers never import Alembic)."""
    revisions, parents = set(), set()
    for path in Path(MIGRATIONS_DIRECTORY).glob("versions/*.py"):
        source = path.read_text()
        found = _REVISION.search(source)
        if found:
            revisions.add(found.group(1))
            parents.update(_DOWN_REVISION.findall(source))
    heads = sorted(revisions - parents)
    return heads[0] if len(heads) == 1 else ",".join(heads)


def migration():
    """The database's revision against the code's newest one."""
    current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    current = ",".join(sorted(current)) or None
    return {"current": current, "head": migration_head(), "up_to_date": current == migration_head()}


def outbox_figures():
    """Mail not sent yet, and how long the oldest of it has waited."""
    count, oldest = outbox.backlog()
    age = round(time.time() - oldest.timestamp(), 1) if oldest is not None else 0.0
    return {"backlog": count, "oldest_age_seconds": age}


def detailed(app):
    """Everything an operator checks first; dependencies that are down are reported, not raised."""
    report = {
        "status": "ok",
        "version": app.config["VERSION"],
        "uptime_seconds": round(time.time() - STARTED_AT, 1),
        "database": database(app),
        "redis": redis(app),
        "mail": {"configured": bool(app.config["MAIL_SERVER"])},
        "storage": {"backend": "cloudinary" if app.config["CLOUDINARY_URL"] else "local"},
    }
    if report["database"]["status"] == "ok":
        try:
            report["database"]["migration"] = migration()
            report["outbox"] = outbox_figures()
        except SQLAlchemyError as error:
            db.session.rollback()
            report["database"] = {"status": "unreachable", "error": error.__class__.__name__}
    if report["database"]["status"] != "ok" or report["redis"]["status"] == "unreachable":
        report["status"] = "degraded"
    return report
