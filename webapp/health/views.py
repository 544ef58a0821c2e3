"""Health checks: /health (alive), /health/db and /health/database (ready), /health/redis, /health/detailed."""

from flask import Blueprint, current_app, jsonify
from flask_login import current_user

from ..extensions import csrf, limiter
from ..permissions import public
from . import checks

bp = Blueprint("health", __name__)
csrf.exempt(bp)
limiter.exempt(bp)


@bp.get("")
@public
def liveness():
    """Answer 200 while the process can serve requests; touches nothing else (no database, no Redis)."""
    return jsonify(status="ok", version=current_app.config["VERSION"])


@bp.get("/db")
@public
def readiness():
    """Answer 200 when the database answers a query, else 503, within 2 s in every case."""
    result = checks.database(current_app)
    if result["status"] != "ok":
        current_app.logger.warning("Database health check failed: %s", result["error"])
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok", latency_ms=result["latency_ms"])


@bp.get("/database")
@public
def database():
    """The same as /health/db, under the name some monitors expect."""
    return readiness()


@bp.get("/redis")
@public
def redis():
    """200 when Redis answers or is not configured; 503 when it is configured and does not answer in time."""
    result = checks.redis(current_app)
    status = 503 if result["status"] == "unreachable" else 200
    return jsonify(status="unavailable" if status == 503 else "ok", redis=result["status"]), status


@bp.get("/detailed")
@public
def detailed():
    """Every dependency's state, latency and versions: for administrators or a bearer of the metrics token."""
    if not (checks.has_metrics_token() or (current_user.is_authenticated and current_user.is_admin)):
        status = 403 if current_user.is_authenticated else 401
        return jsonify(status="refused", error="Administrators or the metrics token only."), status
    report = checks.detailed(current_app)
    return jsonify(report), (200 if report["status"] == "ok" else 503)
