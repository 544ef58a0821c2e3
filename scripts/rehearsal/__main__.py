"""Rehearse a Render deployment locally, step by step, and clean up everything it made."""

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from pathlib import Path
from types import SimpleNamespace

from scripts.reliability.services import ThrowawayRedis

from . import RehearsalFailed, check, journeys
from .blueprint import Blueprint
from .browser import Browser
from .database import MigrationLock, Server, migration_lock_key, row_counts
from .processes import Cleanup, Fakes, Instance, free_port, run, say, tail

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_HOST = "hyperdesk-rehearsal.onrender.com"  # never resolved: the browser maps it to 127.0.0.1
ADMIN_EMAIL = "ada.admin@example.com"
NEWCOMER_EMAIL = "nina.newcomer@example.com"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
TIME_LIMIT = int(os.environ.get("REHEARSAL_TIME_LIMIT", "900"))
HEALTHY_WITHIN = 90


def copy_source(ctx):
    """Copy what git would ship (tracked and new, not ignored files) to a clean checkout."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source, target = ROOT / name, ctx.src / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    check(
        not (ctx.src / ".env").exists() and not (ctx.src / "instance").exists(), "local state leaked into the checkout"
    )
    say(f"   ok: checkout in {ctx.src}")


def build(ctx):
    """A fresh virtualenv, then render.yaml's build command in the checkout."""
    python = ctx.blueprint.python()
    run(
        [python, "-m", "venv", str(ctx.venv)],
        cwd=ctx.src,
        env=ctx.base_env,
        log_path=ctx.logs / "venv.log",
        timeout=120,
    )
    say(f"   $ {ctx.blueprint.build_command}")
    run(
        ["bash", "-c", ctx.blueprint.build_command],
        cwd=ctx.src,
        env=ctx.base_env,
        log_path=ctx.logs / "build.log",
        timeout=600,
    )
    # requirements.txt alone must bring everything, with no conflict between them.
    run(
        [str(ctx.venv / "bin" / "python"), "-m", "pip", "check"],
        cwd=ctx.src,
        env=ctx.base_env,
        log_path=ctx.logs / "pip-check.log",
        timeout=120,
    )
    say(f"   ok: built with {python}; pip check finds no broken requirement")


def start_instance(ctx, name, database_url):
    """Start one instance with render.yaml's start command and environment, on a port of its own."""
    env = dict(ctx.base_env)
    env.update(ctx.blueprint.environment(database_url, ctx.asked, ctx.redis_url))
    env.update(
        # Render sets these on every web service; PUBLIC_URL defaults to the external URL.
        RENDER="true",
        RENDER_EXTERNAL_URL=f"https://{ctx.blueprint.service['name']}.onrender.com",
        PORT=str(free_port()),
        GUNICORN_HOST="127.0.0.1",
        GOOGLE_DISCOVERY_URL=ctx.fakes.settings["GOOGLE_DISCOVERY_URL"],
    )
    instance = Instance(
        name,
        ctx.blueprint.start_command,
        cwd=ctx.src,
        env=env,
        log_path=ctx.logs / f"instance-{name}.log",
        cleanup=ctx.cleanup,
    )
    say(f"   $ PORT={instance.port} {ctx.blueprint.start_command}   (instance {name})")
    return instance


def two_instances_at_once(ctx):
    """Start A and B while we hold the migration lock; they must migrate one after the other."""
    lock = MigrationLock(ctx.database_url, migration_lock_key(ctx.src / "migrations" / "env.py"))
    ctx.cleanup.push("the migration lock", lock.release)
    ctx.instances = [start_instance(ctx, name, ctx.database_url) for name in ("A", "B")]
    lock.wait_for_waiters(2, timeout=HEALTHY_WITHIN)
    say("   ok: both instances queue for the migration lock; releasing it")
    lock.release()
    for instance in ctx.instances:
        seconds = instance.wait_healthy(ctx.blueprint.health_check_path, HEALTHY_WITHIN)
        check(instance.is_gunicorn_master(), f"instance {instance.name}: the start command left a shell in between")
        say(f"   ok: instance {instance.name} answers {ctx.blueprint.health_check_path} after {seconds:.1f} s")
    applied = sorted(migration_event(instance)["applied"] for instance in ctx.instances)
    check(applied[0] == [] and applied[1], f"expected one instance to migrate and the other to find nothing: {applied}")
    check(not (ctx.home / ".gunicorn").exists(), "gunicorn made a control socket directory")
    say(f"   ok: one instance applied {', '.join(applied[1])}, the other found nothing to do")


def migration_event(instance):
    """The instance's one 'migrated' log entry, which must come before it listened."""
    lines = instance.log_lines()
    events = [i for i, line in enumerate(lines) if line.get("event") == "migrated"]
    check(len(events) == 1, f"instance {instance.name} logged {len(events)} migration results")
    listening = [i for i, line in enumerate(lines) if line["message"].startswith("Listening at")]
    check(listening and listening[0] > events[0], f"instance {instance.name} listened before migrating")
    return lines[events[0]]


def access_journey(ctx):
    """Admin on A, newcomer on B: sign-in, access request, approval, and the result on the other instance."""
    a, b = ctx.instances
    admin, newcomer = Browser(PUBLIC_HOST, a.port), Browser(PUBLIC_HOST, b.port)
    journeys.anonymous_is_sent_to_sign_in(Browser(PUBLIC_HOST, b.port))
    journeys.admin_signs_in(admin, ctx.fakes, ADMIN_EMAIL)
    journeys.newcomer_asks_for_access(newcomer, ctx.fakes, NEWCOMER_EMAIL)
    journeys.admin_approves(admin, NEWCOMER_EMAIL)
    journeys.newcomer_is_let_in(newcomer)
    probe = admin.get("/", headers={"X-Request-ID": ctx.request_id})
    check(probe.headers.get("X-Request-ID") == ctx.request_id, "the request id is not echoed")
    ctx.newcomer = newcomer


def shutdown(ctx):
    """SIGTERM both instances, as Render does; both must exit 0 with clean JSON logs."""
    for instance in ctx.instances:
        status = instance.terminate(timeout=40)
        check(status == 0, f"instance {instance.name} exited {status} after SIGTERM:\n{tail(instance.log_path)}")
    lines = [line for instance in ctx.instances for line in instance.log_lines()]
    check(not any(line["logger"] == "gunicorn.access" for line in lines), "gunicorn wrote access log lines too")
    probe = [line for line in lines if line["request_id"] == ctx.request_id and line["logger"] == "webapp.request"]
    check(len(probe) == 1, f"one request left {len(probe)} request log lines")
    say("   ok: both instances exit 0 after SIGTERM; every log line is JSON, one per request")


def backup_and_restore(ctx):
    """backup-db, then restore-db into a fresh database: same rows; a non-empty target is refused."""
    env = dict(ctx.base_env, DATABASE_URL=ctx.database_url)
    listing = subprocess.run(
        [str(ctx.src / "scripts" / "backup-db"), str(ctx.work / "backups")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    check(listing.returncode == 0, f"backup-db failed: {listing.stderr}")
    backup = listing.stdout.strip()
    say(f"   ok: backup-db wrote {Path(backup).name} ({Path(backup).stat().st_size} bytes)")
    ctx.restored_url = ctx.server.create("restored")
    restore = [str(ctx.src / "scripts" / "restore-db"), backup]
    env["DATABASE_URL"] = ctx.restored_url
    run(restore, cwd=ctx.src, env=env, log_path=ctx.logs / "restore.log", timeout=120)
    before, after = row_counts(ctx.database_url), row_counts(ctx.restored_url)
    check(before == after and before.get("users") == 2, f"row counts differ after restore: {before} vs {after}")
    say(f"   ok: restore-db into an empty database: {sum(after.values())} rows in {len(after)} tables, same counts")
    again = subprocess.run(restore, env=env, capture_output=True, text=True, timeout=60)
    check(again.returncode != 0 and "is not empty" in again.stderr, f"restore-db over data: {again.stderr}")
    say("   ok: restore-db refuses a database that is not empty")


def cold_starts(ctx, runs=3):
    """Start on the restored database (schema at head) as a sleeping free instance wakes; time it."""
    timings, preparing = [], []
    for number in range(1, runs + 1):
        instance = start_instance(ctx, f"cold-{number}", ctx.restored_url)
        timings.append(instance.wait_healthy(ctx.blueprint.health_check_path, HEALTHY_WITHIN))
        preparing += [line["duration_s"] for line in instance.log_lines() if line.get("event") == "prepared"]
        with urllib.request.urlopen(instance.base_url + "/health/db", timeout=10) as ready:
            check(ready.status == 200, f"the restored database is not ready: {ready.status}")
        check(instance.terminate(timeout=40) == 0, f"instance {instance.name} did not exit 0")
    ctx.report.append(
        f"cold start (process start -> first 200 on /health), schema up to date: "
        f"median {statistics.median(timings):.2f} s, min {min(timings):.2f} s, max {max(timings):.2f} s"
    )
    ctx.report.append(
        f"of which checks and migration check in gunicorn's master: median {statistics.median(preparing):.3f} s"
    )
    say("   ok: " + "; ".join(ctx.report[-2:]))


def start_key_value(ctx):
    """A Redis of the rehearsal's own, standing in for render.yaml's Key Value instance."""
    redis = ThrowawayRedis().start()
    ctx.cleanup.push("the Key Value stand-in", redis.remove)
    ctx.redis_url = redis.url
    say(f"   ok: REDIS_URL={ctx.redis_url}")


def shared_rate_limits(ctx):
    """Both instances report Redis healthy and count one rate limit together in it."""
    import redis as redis_client

    client = redis_client.Redis.from_url(ctx.redis_url, socket_timeout=2)

    def sign_in_starts():
        keys = [key for key in client.keys("LIMITS*") if b"google_start" in key]
        return sum(int(client.get(key) or 0) for key in keys)

    before = sign_in_starts()
    for instance in ctx.instances:
        with urllib.request.urlopen(instance.base_url + "/health/redis", timeout=5) as answer:
            check(answer.status == 200 and b'"ok"' in answer.read(), f"instance {instance.name}: Redis is not ok")
        for _ in range(2):
            Browser(PUBLIC_HOST, instance.port).get("/auth/google", follow=False)
    counted = sign_in_starts() - before
    check(counted == 4, f"Redis counted {counted} of 4 sign-in starts made on two instances")
    say("   ok: both instances see Redis; 4 sign-in starts (2 on each) counted once each in the shared limit")


def create_database(ctx):
    """An empty database, handed to the instances as Render hands it over."""
    ctx.database_url = ctx.server.create("app")
    say(f"   ok: DATABASE_URL={ctx.database_url}")


def start_fakes(ctx):
    """Serve the stand-ins from the fresh virtualenv; their settings answer render.yaml's prompts."""
    ctx.fakes = Fakes(
        str(ctx.venv / "bin" / "python"),
        cwd=ctx.src,
        env=ctx.base_env,
        log_path=ctx.logs / "stand-ins.log",
        cleanup=ctx.cleanup,
    )
    settings = ctx.fakes.settings
    ctx.asked = {key: settings[key] for key in ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "CLOUDINARY_URL")}
    ctx.asked["ADMIN_EMAILS"] = ADMIN_EMAIL
    say(f"   ok: OpenID Connect issuer at {settings['issuer']}, Cloudinary stand-in ready")


STEPS = [
    ("copy the repository to a clean checkout", copy_source),
    ("build: fresh virtualenv, build command from render.yaml", build),
    ("a fresh PostgreSQL database, given as postgres://", create_database),
    ("the Google and Cloudinary stand-ins", start_fakes),
    ("a Key Value (Redis) instance, given as REDIS_URL", start_key_value),
    ("two instances started at once with the start command", two_instances_at_once),
    ("sign-in, access request and approval across both instances", access_journey),
    ("rate limits shared by both instances through one Redis", shared_rate_limits),
    ("a project with an upload", journeys.project_with_upload),
    ("clean shutdown", shutdown),
    ("backup and restore round trip", backup_and_restore),
    ("cold start", cold_starts),
]


def make_context(work, cleanup):
    """Paths, the clean environment every process starts from, and the database server."""
    ctx = SimpleNamespace(
        work=work,
        src=work / "src",
        venv=work / "venv",
        logs=work / "logs",
        home=work / "home",
        cleanup=cleanup,
        report=[],
        request_id="rehearsal-probe-0001",
    )
    for path in (ctx.src, ctx.logs, ctx.home):
        path.mkdir()
    ctx.blueprint = Blueprint(ROOT / "render.yaml")
    keep = {key: value for key, value in os.environ.items() if key.startswith("PIP_") or key in ("LANG", "TZ")}
    ctx.base_env = dict(
        keep, PATH=f"{ctx.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", HOME=str(ctx.home), VIRTUAL_ENV=str(ctx.venv)
    )
    admin_url = os.environ.get("REHEARSAL_POSTGRES_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES
    ctx.server = Server(admin_url, cleanup)
    return ctx


def rehearse(work, cleanup):
    """Run every step in order, saying what each does and how long it took."""
    ctx = make_context(work, cleanup)
    for number, (title, step) in enumerate(STEPS, 1):
        say(f"\n== {number}/{len(STEPS)} {title} ==")
        started = time.monotonic()
        step(ctx)
        say(f"   ({time.monotonic() - started:.1f} s)")
    return ctx.report


def _stop(signum, frame):
    raise RehearsalFailed(f"stopped by signal {signum} (time limit {TIME_LIMIT} s, or interrupted)")


def report_failure(work, reason, keep):
    """Say why, with the end of each server log, before clean-up removes them."""
    say(f"\nREHEARSAL FAILED: {reason}")
    for log in sorted((work / "logs").glob("*.log")):
        if log.name.startswith(("instance-", "stand-ins")):
            say(f"   --- end of {log.name} ---\n{tail(log, 15)}")
    say(f"   logs: {work / 'logs'}" + (" (kept)" if keep else " (removed; run with --keep to keep them)"))


def main():
    """Rehearse, always clean up, and exit 0 only when every step passed."""
    keep = "--keep" in sys.argv[1:]
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGALRM, _stop)
    signal.alarm(TIME_LIMIT)
    work = Path(tempfile.mkdtemp(prefix="hyperdesk-rehearsal-"))
    cleanup = Cleanup()
    if not keep:
        cleanup.push("the work directory", lambda: shutil.rmtree(work, ignore_errors=True))
    started = time.monotonic()
    try:
        report = rehearse(work, cleanup)
    except (RehearsalFailed, KeyboardInterrupt) as failure:
        report_failure(work, str(failure), keep)
        return 1
    except Exception:  # a bug or an unexpected answer: still report, and still clean up
        report_failure(work, traceback.format_exc(), keep)
        return 1
    finally:
        signal.alarm(0)
        say("\n== clean-up ==")
        cleanup.run()
    say(f"\nREHEARSAL PASSED in {time.monotonic() - started:.0f} s")
    for line in report:
        say(f"   {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
