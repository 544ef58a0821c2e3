"""Health checks for Render and load balancers: /health (alive) and /health/db (ready)."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import csrf, db, limiter
from ..permissions import public

bp = Blueprint("health", __name__)
csrf.exempt(bp)
limiter.exempt(bp)


@bp.get("")
@public
def liveness():
    """Answer 200 while the process can serve requests; touches nothing else."""
    return jsonify(status="ok", version=current_app.config["VERSION"])


@bp.get("/db")
@public
def readiness():
    """Answer 200 when the database answers a query, else 503 (bounded by the connect timeout)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("Database health check failed: %s", error.__class__.__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
