"""Choose gunicorn's worker configuration by measurement: ``python -m bench.workers`` (``make bench-workers``).

One seeded database; the app started the way production starts it (gunicorn.conf.py, production
settings, 2 workers), once per configuration and round, varying only the worker class and threads.
While wrk reads a mix of pages, Google sign-ins (through a slowed OpenID Connect stand-in) and cover
uploads (through a slowed Cloudinary stand-in) arrive at a fixed rate. Rounds are interleaved and
compared by ratios within a round. See docs/performance.md#worker-configuration.
"""

import argparse
import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from . import mix
from . import seed as seeding
from . import workers_report as report
from .load import (
    GUNICORN,
    ROOT,
    RUN_DIR,
    SERVING_KEYS,
    Server,
    cpu_spent,
    fetch,
    free_port,
    run_wrk,
    shipped_configuration,
)
from .report import RESULTS_DIR
from .run import WORK, prepare_database, session_cookie

# Each alternative's settings beside gunicorn.conf.py. Eight threads get a pool connection each
# (docs/operations.md: DB_POOL_SIZE not below GUNICORN_THREADS - 1).
ALTERNATIVES = {
    "gthread-4": {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "4"},
    "gthread-2": {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "2"},
    "gthread-8": {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "8", "DB_POOL_SIZE": "8"},
    "sync": {"GUNICORN_WORKER_CLASS": "sync"},
}
UNLIMITED = "1000000 per minute"  # measure the work, not the rate limits that protect it


class ShippedServer(Server):
    """gunicorn as render.yaml starts it: ``--config gunicorn.conf.py`` from the project root."""

    def start(self):
        self.port = free_port()
        env = {key: value for key, value in os.environ.items() if key not in SERVING_KEYS}
        env.update(self.env, PORT=str(self.port), PYTHONPATH=str(ROOT))
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = RUN_DIR / f"workers-{self.port}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115  (open for the server's whole life)
        self.started_at = time.perf_counter()
        command = [GUNICORN, "--config", "gunicorn.conf.py", "webapp:create_app()"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        return self


def app_environment(url, secret, issuer, cloud, args):
    """Production settings, with the stand-ins in place of Google and Cloudinary."""
    return {
        # The production checks refuse SQLite (Render's disk is ephemeral): it runs as "testing".
        "APP_ENV": "production" if url.startswith("postgresql") else "testing",
        "SECRET_KEY": secret,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis,
        "PUBLIC_URL": "https://hyperdesk.example.org",
        "GUNICORN_HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",  # Render's free instance
        "GOOGLE_CLIENT_ID": issuer.client_id,
        "GOOGLE_CLIENT_SECRET": issuer.client_secret,
        "GOOGLE_DISCOVERY_URL": issuer.discovery_url,
        "CLOUDINARY_URL": cloud.cloudinary_url(),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "RATELIMIT_SIGN_IN": UNLIMITED,
        "RATELIMIT_UPLOAD": UNLIMITED,
        "RATELIMIT_API": UNLIMITED,
    }


def signed_in_with_csrf(secret, url, user_id):
    """Headers of a signed-in browser that may post forms: a live session and its CSRF token."""
    from flask import Flask
    from itsdangerous import URLSafeTimedSerializer

    from webapp.services.sessions import open_session_in

    app = Flask("bench")
    app.secret_key = secret
    raw = secrets.token_hex(20)
    value = {"_user_id": open_session_in(url, user_id, "Benchmark"), "_fresh": True, "csrf_token": raw}
    cookie = app.session_interface.get_signing_serializer(app).dumps(value)
    token = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
    return {"Cookie": f"hyperdesk_session={cookie}", "X-CSRFToken": token}


def page_mix(secret, url, facts):
    """The pages wrk reads in turn: a person's projects, everyone's (administrator), the back office, the API."""
    user, admin = session_cookie(secret, url, facts["user_id"]), session_cookie(secret, url, facts["admin_id"])
    key = seeding.api_keys(url, facts)["user"]
    return [
        ("/projects/", {"Cookie": user}),
        ("/projects/?scope=all", {"Cookie": admin}),
        ("/admin/projects/", {"Cookie": admin}),
        ("/api/v1/projects", {"Authorization": f"Bearer {key}"}),
    ]


def owner_email(number):
    """One of the seeded owners' addresses (approved accounts made in advance), in turn."""
    return f"owner{number % (seeding.OWNERS - 1) + 1}@example.com"


def measure(server, context, args, duration):
    """Pages with wrk while sign-ins and uploads arrive; the figures of one configuration in one round."""
    port, stop = server.port, threading.Event()
    numbers = itertools.count()  # shared by the arrivals' threads: a generator would not be safe there
    sign_ins = mix.Arrivals(
        "sign-in", args.sign_in_rate, lambda: mix.sign_in(port, context["issuer"], owner_email(next(numbers)))
    )
    uploads = mix.Arrivals(
        "upload", args.upload_rate, lambda: mix.upload_cover(port, context["upload_headers"], context["image"])
    )
    drivers = [threading.Thread(target=arrivals.run, args=(stop,)) for arrivals in (sign_ins, uploads)]
    cpu_before = server.workers_cpu()
    for driver in drivers:
        driver.start()
    try:
        pages = run_wrk(server.url, {}, duration, args.connections, args.wrk_threads, context["script"])
    finally:
        stop.set()
        for driver in drivers:
            driver.join()
    served = pages.requests + sign_ins.requests + uploads.requests
    cpu = cpu_spent(cpu_before, server.workers_cpu())

    def ms(values, pct):
        value = report.percentile(values, pct)
        return None if value is None else round(value * 1000, 1)

    return {
        "pages_rps": pages.requests_per_second,
        "pages_p50_ms": pages.p50_ms,
        "pages_p99_ms": pages.p99_ms,
        "sign_in_p50_ms": ms(sign_ins.latencies, 50),
        "sign_in_p99_ms": ms(sign_ins.latencies, 99),
        "upload_p50_ms": ms(uploads.latencies, 50),
        "upload_p99_ms": ms(uploads.latencies, 99),
        "sign_ins": len(sign_ins.latencies),
        "uploads": len(uploads.latencies),
        "errors": pages.errors + sign_ins.failures + uploads.failures,
        "server_errors": sign_ins.server_errors + uploads.server_errors,
        "failed_statuses": {f"{a.name} {s}": n for a in (sign_ins, uploads) for s, n in a.statuses.items() if s != 200},
        "dropped_arrivals": sign_ins.dropped + uploads.dropped,
        "cpu_ms": round(cpu / served * 1000, 2) if served else None,
        "rss_mib": round(max(server.worker_rss_mib()), 1),
    }


def run_configuration(name, env, context, args):
    """Start the app in one configuration, warm it up, measure, stop."""
    server = ShippedServer("webapp:create_app()", {**context["env"], **env}).start()
    try:
        server.wait_until_serving("/health")
        for path, headers in context["pages"]:
            status, _ = fetch(server.url + path, headers)
            if status != 200:
                raise RuntimeError(f"{name}: {path} answered {status}")
        measure(server, context, args, args.warmup)  # imports, provider keys, pools: not measured
        figures = measure(server, context, args, args.duration)
    finally:
        server.stop()
    if not figures["errors"]:
        server.log_path.unlink()  # a log line per request: kept only when something failed
    return figures


def run_rounds(context, configurations, args):
    """Every configuration in every round; the order turns each round so none always goes first."""
    rounds = []
    for number in range(args.rounds):
        names = list(configurations)
        names = names[number % len(names) :] + names[: number % len(names)]
        measured = {name: run_configuration(name, configurations[name], context, args) for name in names}
        rounds.append({name: measured[name] for name in configurations})
        print(f"  round {number + 1}/{args.rounds} done", flush=True)
    return rounds


def configurations(shipped, only):
    """The shipped configuration first, run without overrides (what gunicorn.conf.py gives), then the others."""
    chosen = {shipped: {}}
    chosen.update({name: env for name, env in ALTERNATIVES.items() if name != shipped})
    if only:
        chosen = {name: env for name, env in chosen.items() if name == shipped or name in only.split(",")}
    return chosen


def measure_database(args):
    """Seed, start the stand-ins, run the rounds; returns the results as stored in JSON."""
    url, facts, cleanup = prepare_database(args.database, args.rows)
    issuer = mix.SlowIssuer(args.provider_latency, client_id="bench.apps.googleusercontent.com")
    cloud = mix.SlowCloudinary(args.upload_latency, cloud_name="hyperdesk-bench", api_secret=secrets.token_urlsafe(24))
    secret = secrets.token_urlsafe(48)
    WORK.mkdir(parents=True, exist_ok=True)
    script = WORK / f"mix-{os.getpid()}.lua"
    try:
        with issuer, cloud:
            context = {
                "env": app_environment(url, secret, issuer, cloud, args),
                "issuer": issuer,
                "image": mix.cover_image(),
                "upload_headers": signed_in_with_csrf(secret, url, facts["user_id"]),
                "pages": page_mix(secret, url, facts),
            }
            context["script"] = mix.wrk_mix_script(context["pages"], script)
            shipped = shipped_configuration()
            load_before = os.getloadavg()
            rounds = run_rounds(context, configurations(shipped, args.only), args)
    finally:
        script.unlink(missing_ok=True)
        cleanup()
    return {
        "database": args.database,
        "rows": args.rows,
        "shipped": shipped,
        "settings": {key: getattr(args, key) for key in SETTINGS},
        "machine": {"cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg()},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rounds": rounds,
    }


SETTINGS = (
    "rounds",
    "duration",
    "warmup",
    "connections",
    "sign_in_rate",
    "upload_rate",
    "provider_latency",
    "upload_latency",
)


def main(argv=None):
    # Stopped with SIGTERM, still stop the server and drop the scratch database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=30, help="seconds measured per configuration and round")
    parser.add_argument("--warmup", type=int, default=4, help="seconds of the same load before each measurement")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections reading pages")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--sign-in-rate", type=float, default=2.0, help="Google sign-ins started per second")
    parser.add_argument("--upload-rate", type=float, default=2.0, help="cover uploads started per second")
    parser.add_argument(
        "--provider-latency", type=float, default=0.15, help="seconds Google's token and key endpoints take"
    )
    parser.add_argument("--upload-latency", type=float, default=0.3, help="seconds Cloudinary takes to store an upload")
    parser.add_argument("--only", default="", help="comma-separated alternatives beside the shipped one (default: all)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--smoke", action="store_true", help="1,000 rows, 1 round of 2 s: proves the benchmark runs")
    parser.add_argument("--results-dir", default=str(RESULTS_DIR))
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.rounds, args.duration, args.warmup = 1_000, 1, 2, 1
        args.sign_in_rate, args.upload_rate = 4.0, 4.0
        args.results_dir = str(WORK / "smoke-results")
    print(f"{args.database}: seeding {args.rows:,} projects, measuring worker configurations", flush=True)
    results = measure_database(args)
    section = report.summarise(results)
    print(section)
    out = Path(args.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"workers-{args.database}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"workers-{args.database}.md").write_text(section + "\n")
    # Every request must be answered: an error is a broken benchmark or a broken app, never a slow machine.
    broken = {name: figures["errors"] for name, figures in results["summary"].items() if figures["errors"]}
    if broken:
        failed = [m[name]["failed_statuses"] for m in results["rounds"] for name in broken]
        print(f"Errors during load: {broken} {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
