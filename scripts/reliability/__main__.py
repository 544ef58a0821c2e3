"""``make reliability``: each fault under bounded load on 127.0.0.1, its figures printed, a failure when a promise breaks.

    python -m scripts.reliability [--smoke] [SCENARIO ...]

Everything it stops, freezes or restarts is its own: a throwaway PostgreSQL and Redis, an SMTP
sink, the app under gunicorn. It removes them at the end, also on failure or time-out.
"""

import json
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import SimpleNamespace

from tests.fakes.oidc import FakeOIDCIssuer

from .scenarios import SCENARIOS, start_app
from .services import ThrowawayPostgres, ThrowawayRedis, free_port

TIME_LIMIT = {"full": 1200, "smoke": 420}


def say(message):
    print(message, flush=True)


def _stop(signum, frame):
    raise TimeoutError(f"stopped by signal {signum} (time limit, or interrupted)")


def run(names, smoke):
    """Start the throwaway servers and the app, run each scenario, print its figures; return the failures."""
    logs = Path(tempfile.mkdtemp(prefix="hyperdesk-reliability-"))
    ctx = SimpleNamespace(smoke=smoke, logs=logs, smtp_port=free_port(), app=None)
    ctx.pg = ThrowawayPostgres().start()
    ctx.redis = ThrowawayRedis().start()
    ctx.issuer = FakeOIDCIssuer(client_id="reliability", client_secret="reliability-secret")
    failures = {}
    try:
        ctx.issuer.__enter__()
        ctx.pg.create_database("hyperdesk")
        start_app(ctx)
        for name in names:
            say(f"\n== {name}: {SCENARIOS[name].__doc__} ==")
            started = time.monotonic()
            figures, problems = SCENARIOS[name](ctx)
            figures["scenario_seconds"] = round(time.monotonic() - started, 1)
            say("   " + json.dumps(figures))
            say("   " + ("FAILED: " + "; ".join(problems) if problems else "ok"))
            if problems:
                failures[name] = problems
    finally:
        if ctx.app is not None:
            ctx.app.stop()
        ctx.issuer.__exit__(None, None, None)
        ctx.redis.remove()
        ctx.pg.remove()
        if not failures:
            shutil.rmtree(logs, ignore_errors=True)
        else:
            say(f"\napp logs kept in {logs}")
    return failures


def main():
    """Run the chosen scenarios (all by default) within the time limit; exit 1 when any promise broke."""
    args = sys.argv[1:]
    smoke = "--smoke" in args
    names = [name for name in args if not name.startswith("--")] or list(SCENARIOS)
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        say(f"unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}")
        return 2
    signal.signal(signal.SIGALRM, _stop)
    signal.signal(signal.SIGTERM, _stop)
    signal.alarm(TIME_LIMIT["smoke" if smoke else "full"])
    started = time.monotonic()
    try:
        failures = run(names, smoke)
    except Exception:  # report and clean up whatever broke
        say(traceback.format_exc())
        return 1
    finally:
        signal.alarm(0)
    say(
        f"\nRELIABILITY {'SMOKE ' if smoke else ''}{'FAILED' if failures else 'PASSED'} in {time.monotonic() - started:.0f} s"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
