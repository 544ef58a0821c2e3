"""What recording metrics costs per request, measured in-process: ``python -m bench.metrics_cost``.

Runs in prometheus_client's multiprocess mode (as under gunicorn), times the request hook
on its own, then whole requests to /health with and without it, and prints the figures.
"""

import os
import statistics
import tempfile
import time

os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hyperdesk-metrics-cost-")
os.environ.setdefault("APP_ENV", "testing")

from flask import g  # noqa: E402

from webapp import create_app, metrics  # noqa: E402

ROUNDS, REPEATS = 5000, 7


def _per_call(function, rounds=ROUNDS):
    best = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(rounds):
            function()
        best.append((time.perf_counter() - started) / rounds)
    return statistics.median(best) * 1e6


def main():
    """Print microseconds per request for the hook alone, and for /health with and without it."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/cost.db",
                "SECRET_KEY": "c" * 40,
                "RATELIMIT_ENABLED": False,
            }
        )
        response = app.response_class("ok")
        with app.test_request_context("/projects/1"):
            g.request_started = time.perf_counter()
            hook = _per_call(lambda: metrics.record_request(response))
        client = app.test_client()
        with_metrics = _per_call(lambda: client.get("/health"), rounds=1000)
        funcs = app.after_request_funcs[None]
        funcs.remove(metrics.record_request)
        without = _per_call(lambda: client.get("/health"), rounds=1000)
    print(f"metrics request hook alone: {hook:.1f} µs per request (multiprocess mode)")
    print(f"GET /health through the test client: {with_metrics:.0f} µs with metrics, {without:.0f} µs without")
    print(f"difference: {with_metrics - without:.1f} µs per request")


if __name__ == "__main__":
    main()
