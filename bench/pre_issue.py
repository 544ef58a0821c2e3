"""Hyperdesk as it was when issue 17 (speed) was filed, checked out and served beside today's app.

The issue asks that every list page's CPU per request be at most half of "today's figure", measured in the
same run on a checkout of the commit it was filed against. ``make bench`` extracts that commit into
bench/work/ (``git archive``: the repository's work tree and worktrees are left alone), migrates and seeds a
database of its own with its own migrations and bench/seed.py (the same rows as today's: checked), signs in
with its own cookie format and serves it with the same gunicorn, its own ``webapp`` package first on the
import path.
"""

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid

from sqlalchemy import create_engine, text

from .load import ROOT

# Issue 17 was filed against this commit: its figures are the "today's figures" the issue halves.
PRE_ISSUE_COMMIT = "fa1d413"
# Its workloads are named "<this> <today's workload>" (the report pairs them by this prefix).
LABEL = PRE_ISSUE_COMMIT
# Today's list-page workloads whose URL the pre-issue commit serves as the same page (W6 and W7's filters and
# sorts, and the API, came later). W8's cursor argument is unknown there: it serves page 400 by OFFSET, as its
# pager's links did.
LIST_WORKLOADS = (
    "W1 projects list",
    "W1 projects list (htmx)",
    "W2 search",
    "W1 all projects (admin)",
    "W2 search (admin)",
    "W3 10,000 rows deep (admin)",
    "W4 admin list",
    "W5 admin search",
    "W8 admin 10,000 rows deep",
)
# What serving, migrating and seeding the old app reads (not its tests, docs or screenshots).
CHECKOUT_PATHS = ("webapp", "templates", "static", "migrations", "bench", "gunicorn.conf.py")
# Only in today's app: the old one must answer 404 here, or the served code is not the old commit.
TODAY_ONLY_PATH = "/api/v1/projects"
MARKER = ".complete"  # holds the commit's hash once every file is extracted

# Run by the old checkout's Python path: its own migrations and seed, and its own sign-in cookie.
_PREPARE = """
import json, sys
from bench.run import _migrate
from bench.seed import seed
url, rows = sys.argv[1], int(sys.argv[2])
_migrate(url)
print(json.dumps(seed(url, rows)))
"""
_COOKIE = """
import json, sys
from bench.run import session_cookie
secret, ids = sys.argv[1], json.loads(sys.argv[2])
print(json.dumps({who: session_cookie(secret, user_id) for who, user_id in ids.items()}))
"""


def resolve(commit=PRE_ISSUE_COMMIT, repo=ROOT):
    """The full hash of ``commit`` in ``repo`` (fails clearly in a clone without that history)."""
    done = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"commit {commit} is not in {repo} (a shallow clone? fetch its history)")
    return done.stdout.strip()


def checkout(parent, commit=PRE_ISSUE_COMMIT, repo=ROOT):
    """The app's files at ``commit`` under ``parent``, extracted once and reused while complete."""
    sha = resolve(commit, repo)
    target = parent / f"pre-issue-{sha[:12]}"
    if _complete(target, sha):
        return target
    # Extracted aside and renamed into place: a run starting meanwhile never sees half a checkout.
    fresh = parent / f".pre-issue-{sha[:12]}-{uuid.uuid4().hex[:6]}"
    fresh.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", sha, *CHECKOUT_PATHS], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(fresh, filter="data")
    (fresh / MARKER).write_text(sha + "\n")
    if target.exists() and not _complete(target, sha):
        shutil.rmtree(target)  # left by an older version of this code, or edited by hand
    try:
        fresh.rename(target)
    except OSError:  # another run put its complete copy there first
        shutil.rmtree(fresh)
    return target


def _complete(target, sha):
    marker = target / MARKER
    # Every path present too: a copy extracted when fewer paths were taken is extracted again.
    return marker.exists() and marker.read_text().strip() == sha and all((target / p).exists() for p in CHECKOUT_PATHS)


def environment(source):
    """Environment for a process running the old code: its directory alone on the import path."""
    return {**os.environ, "PYTHONPATH": str(source)}


def _run_old(source, script, *args):
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=source,
        env=environment(source),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"the {LABEL} checkout failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare(source, url, rows):
    """Migrate the empty database at ``url`` with the old migrations and seed it with the old seed; its facts."""
    return _run_old(source, _PREPARE, url, rows)


def cookies(source, secret, facts):
    """The old app's signed-in cookies for the user and the admin (``<id>:<session version>`` in the session)."""
    return _run_old(source, _COOKIE, secret, json.dumps({"user": facts["user_id"], "admin": facts["admin_id"]}))


def fingerprint(url):
    """Counts and sums that differ when two seeded databases do not hold the same users and projects."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            users = connection.execute(text("SELECT count(*), sum(id), max(email) FROM users")).one()
            projects = connection.execute(
                text("SELECT count(*), sum(owner_id), sum(length(name)), max(name), min(status) FROM project")
            ).one()
    finally:
        engine.dispose()
    return {"users": tuple(users), "projects": tuple(projects)}


def workloads(today, server="pre_issue"):
    """The old app's copies of today's list-page workloads: same URLs, same users, named ``<LABEL> <today's>``."""
    from dataclasses import replace

    return [replace(w, name=f"{LABEL} {w.name}", server=server, results=[]) for w in today if w.name in LIST_WORKLOADS]
