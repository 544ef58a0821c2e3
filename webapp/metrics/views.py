"""/metrics: Prometheus text for all of this instance's workers, plus figures read from the database at scrape time."""

from datetime import timedelta

from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import csrf, db, limiter
from ..health import checks
from ..models import AccountStatus, User, utcnow
from ..permissions import public
from ..services import access
from . import MULTIPROCESS

bp = Blueprint("metrics", __name__)
csrf.exempt(bp)
limiter.exempt(bp)
ACTIVE_WINDOWS = {"1d": 1, "30d": 30}


class _Families:
    """Already collected metric families, in the shape generate_latest reads."""

    def __init__(self, families):
        self.families = families

    def collect(self):
        return self.families


def _worker_families():
    """What every worker recorded: added up from the shared files under gunicorn, else this process's own."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return list(registry.collect())
    return list(REGISTRY.collect())


def _gauge(name, documentation, value, labels=None):
    family = GaugeMetricFamily(name, documentation, labels=list(labels or {}))
    family.add_metric(list((labels or {}).values()), value)
    return family


def _cache_hit_ratio(families):
    """Hits / lookups of SQLAlchemy's compiled statement cache since start (the one cache the app has)."""
    counts = {"hit": 0.0, "miss": 0.0}
    for family in families:
        if family.name == "sqlalchemy_statement_cache":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    counts[sample.labels["result"]] += sample.value
    lookups = counts["hit"] + counts["miss"]
    ratio = counts["hit"] / lookups if lookups else 1.0
    return _gauge("cache_hit_ratio", "Share of cache lookups that hit.", ratio, {"cache": "sqlalchemy_statements"})


def _database_families():
    """Figures that live in the database, read now; ``database_up`` says whether that worked."""
    try:
        pending = access.pending_count()
        figures = checks.outbox_figures()
        active = {}
        for label, days in ACTIVE_WINDOWS.items():
            since = utcnow() - timedelta(days=days)
            active[label] = db.session.scalar(
                select(func.count())
                .select_from(User)
                .where(User.status == AccountStatus.approved, User.last_login_at >= since)
            )
    except SQLAlchemyError:
        db.session.rollback()
        return [_gauge("database_up", "1 when the database answered this scrape.", 0)]
    active_family = GaugeMetricFamily(
        "active_users_total", "Approved accounts that signed in within the window.", labels=["window"]
    )
    for label, count in active.items():
        active_family.add_metric([label], count)
    return [
        _gauge("database_up", "1 when the database answered this scrape.", 1),
        _gauge("access_requests_pending", "Access requests waiting for a decision.", pending),
        _gauge("outbox_backlog", "E-mails not sent yet (waiting for a retry, or given up on).", figures["backlog"]),
        _gauge("outbox_oldest_age_seconds", "Age of the oldest e-mail not sent yet.", figures["oldest_age_seconds"]),
        active_family,
    ]


@bp.get("/metrics")
@public
def metrics():
    """Prometheus text format; needs ``Authorization: Bearer <METRICS_TOKEN>`` (404 while no token is set)."""
    if not current_app.config["METRICS_TOKEN"]:
        return jsonify(error="Metrics are off: set METRICS_TOKEN to turn them on."), 404
    if not checks.has_metrics_token():
        return (
            jsonify(error="Send the metrics token: Authorization: Bearer <METRICS_TOKEN>."),
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    families = _worker_families()
    families += [_cache_hit_ratio(families), *_database_families()]
    return Response(generate_latest(_Families(families)), mimetype=CONTENT_TYPE_LATEST)
