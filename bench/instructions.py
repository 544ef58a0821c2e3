"""Instructions per request, counted by valgrind's callgrind: a before/after that machine load cannot blur.

``python -m bench.instructions PATH [--as user|admin|key|admin-key] [--rows N] [--requests N] [--postgres URL] [--htmx]
[--against CHECKOUT]``: the app of bench/cpu.py (a throwaway database, one user owning the rows, an
administrator, API keys) serves PATH (``{after}``, ``{page}`` and ``{rare}`` as bench/cpu.py fills them) under
callgrind, which counts only while the measured requests run, with what production adds to each request
(the rate limiter's check, the request's JSON log line). Prints millions of instructions per request.
With ``--against``, the same is counted for another checkout (``git worktree add /tmp/before HEAD``) and
the ratio printed.

CPU time on a shared machine moves by 10–40% between runs; the same requests to the same code count
the same instructions to within about 0.1% (what expires by the clock, such as the site's settings,
is kept for the count). Instructions are not time (a cache miss costs more than an
add), so a change found this way is confirmed by ``make bench``; it is how a 3% change is seen at all.
Needs valgrind (Debian's package). Each count takes 15–30 s: callgrind runs the app some 50× slower.
"""

import argparse
import contextvars
import inspect
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 50
ADMIN_KEY_NAME = "instructions"
# Callgrind runs the app ~50x slower: what is re-read every few seconds (the site's settings, a ping
# after an idle second) would fall into one count and not the next.
STEADY = {**os.environ, "SITE_SETTINGS_MAX_AGE": "3600", "DB_PING_AFTER_IDLE": "3600"}


def count(root, path, who, rows, requests, postgres, htmx):
    """Millions of instructions per request of ``path`` served by the checkout at ``root``."""
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",  # the set-up is not counted: serve() switches counting on and off
            f"--callgrind-out-file={out.name}",
            sys.executable,
            __file__,
            "--serve",
            path,
            "--as",
            who,
            "--rows",
            str(rows),
            "--requests",
            str(requests),
            *(["--postgres", postgres] if postgres else []),
            *(["--htmx"] if htmx else []),
        ]
        done = subprocess.run(command, cwd=root, env=STEADY, capture_output=True, text=True, check=False)
    collected = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or collected is None:
        raise SystemExit(f"the count under callgrind failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return int(collected.group(1)) / requests / 1e6


def serve(path, who, rows, requests, postgres, htmx):
    """Run inside callgrind, in the measured checkout: set up, warm up, then count ``requests`` requests of ``path``."""
    sys.path.insert(0, os.getcwd())  # the checkout being measured (its bench/cpu.py and app), maybe not this file's
    from bench import cpu

    headers = {"HX-Request": "true"} if htmx else {}
    with tempfile.TemporaryDirectory() as folder, cpu.database(folder, postgres) as url:
        # As production serves it (rate limiter, log line), when the measured checkout's bench can.
        served = {"served": True} if "served" in inspect.signature(cpu.prepare).parameters else {}
        app, user_id, admin_id, key = cpu.prepare(folder, rows, url, **served)
        path = path.format(**cpu.deep_page(app, rows))
        if who == "admin-key":
            key = _admin_key(app, admin_id)
        if who in ("key", "admin-key"):
            headers["Authorization"] = f"Bearer {key}"
        client = cpu.client_for(app, path, headers, {"user": user_id, "admin": admin_id}.get(who))
        for _ in range(WARMUP):
            contextvars.Context().run(client.get, path, headers=headers)
        _callgrind("on")
        for _ in range(requests):
            response = contextvars.Context().run(client.get, path, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
        _callgrind("off")


def _admin_key(app, admin_id):
    from webapp.extensions import db
    from webapp.models import User
    from webapp.services import credentials

    with app.app_context():
        return credentials.create_key(db.session.get(User, admin_id), ADMIN_KEY_NAME, "read", None).secret


def _callgrind(state):
    """Switch callgrind's counting ``on`` or ``off`` in this process (it runs under valgrind)."""
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--as", dest="who", default="user", choices=["user", "admin", "key", "admin-key"])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL to make a throwaway database on")
    parser.add_argument("--htmx", action="store_true", help="send HX-Request, as htmx does")
    parser.add_argument("--against", default="", help="another checkout to count the same requests in")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.path, args.who, args.rows, args.requests, args.postgres, args.htmx)
        return
    measure = (args.path, args.who, args.rows, args.requests, args.postgres, args.htmx)
    ours = count(ROOT, *measure)
    if not args.against:
        print(f"{ours:.3f} M instructions per request")
        return
    theirs = count(Path(args.against).resolve(), *measure)
    print(
        f"{theirs:.3f} → {ours:.3f} M instructions per request ({ours / theirs:.3f}×; {args.against} → this checkout)"
    )


if __name__ == "__main__":
    main()
