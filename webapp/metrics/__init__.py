"""Prometheus metrics: what each request, the connection pool and the statement cache record, per process.

Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` (set by gunicorn.conf.py before anything imports
prometheus_client) makes every worker write its figures to shared files that ``/metrics``
adds up, so one scrape covers all workers. The recording side is kept to a few dictionary
look-ups and memory-mapped writes per request (docs/operations.md has the measured cost).
"""

import os
import time

from flask import g, request
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

# Decided once, when prometheus_client is first imported (it reads the same variable then).
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LABELS = ("method", "route", "status")

# Its _count series is the request count by route template and status: no separate counter to update.
REQUEST_DURATION = Histogram(
    "request_duration_seconds",
    "Time to serve a request, by route template and status.",
    LABELS,
    buckets=REQUEST_BUCKETS,
)
RATE_LIMITED = Counter("rate_limit_rejections", "Requests refused by a rate limit (429).", ("route",))
DB_CONNECTIONS_ACTIVE = Gauge(
    "database_connections_active",
    "Database connections checked out of the pools (in use by a request or the outbox), all workers.",
    multiprocess_mode="livesum",
)
STATEMENT_CACHE = Counter(
    "sqlalchemy_statement_cache", "SQL statements compiled (miss) or taken from the compiled cache (hit).", ("result",)
)
OUTBOX_DELIVERIES = Counter("outbox_deliveries", "Outbox delivery attempts, by outcome.", ("outcome",))

_instrumented = set()


def init_app(app):
    """Record every request of ``app``, and its engine's pool and statement cache."""
    app.after_request(record_request)
    _instrument_engine(app)


def _route():
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


_series = {}  # (method, route, status) -> its histogram child: labels() costs more than the update itself
_cache_series = {}  # CacheStats.CACHE_HIT / CACHE_MISS -> its counter child, for the same reason


def record_request(response):
    """Count the request and its duration under its route template (never the raw path: ids would explode)."""
    started = g.get("request_started")
    if started is None:
        return response
    key = (request.method, _route(), response.status_code)
    series = _series.get(key)
    if series is None:
        series = _series[key] = REQUEST_DURATION.labels(key[0], key[1], str(key[2]))
    series.observe(time.perf_counter() - started)
    if response.status_code == 429:
        RATE_LIMITED.labels(key[1]).inc()
    return response


def _instrument_engine(app):
    from ..extensions import db

    with app.app_context():
        engine = db.engine
    if id(engine) in _instrumented:
        return
    _instrumented.add(id(engine))
    event.listen(engine.pool, "checkout", lambda *args: DB_CONNECTIONS_ACTIVE.inc())
    event.listen(engine.pool, "checkin", lambda *args: DB_CONNECTIONS_ACTIVE.dec())
    event.listen(engine, "after_cursor_execute", _count_statement_cache)


def _count_statement_cache(conn, cursor, statement, parameters, context, executemany):
    hit = getattr(context, "cache_hit", None)
    if hit is CacheStats.CACHE_HIT or hit is CacheStats.CACHE_MISS:
        series = _cache_series.get(hit)
        if series is None:  # made on first use, in the worker, as the request series are
            series = _cache_series[hit] = STATEMENT_CACHE.labels("hit" if hit is CacheStats.CACHE_HIT else "miss")
        series.inc()


def record_delivery(outcome):
    """Count one outbox delivery attempt ('sent', 'retrying' or 'failed')."""
    OUTBOX_DELIVERIES.labels(outcome).inc()
