"""CPU time per request, in this process, for the list pages, the back office and the API.

``python -m bench.cpu [--rows N] [--requests N] [--rounds N] [--only W4,S] [--postgres URL]``: a throwaway
database (SQLite, or one made on the PostgreSQL server at URL and dropped after),
the real app, one signed-in user (who owns the rows), one administrator and one API key;
prints milliseconds of CPU per request for each case, the median of the interleaved rounds.
CPU time (not wall time) is what a worker spends, and barely moves when the machine is busy.

The S cases serve the same rows from stock Flask-Admin (bench/baselines.py ``stock_admin``:
an unmodified ModelView of the project table, anonymous) in the same process; each back-office
case is printed beside its stock counterpart with the ratio stock ÷ ours (the goal is 2 or more).
A deep page is the one ``DEPTH`` rows down (half the table when it is smaller), reached by the
pager's cursor link (``after=``) or by its page number alone.
"""

import argparse
import contextvars
import logging
import os
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, insert, make_url, text

DEPTH = 10_000

CASES = [
    ("W1 projects list (page)", "/projects/", {}, "session"),
    ("W1 projects list (htmx)", "/projects/", {"HX-Request": "true"}, "session"),
    ("W1 all projects (admin)", "/projects/?scope=all", {}, "admin"),
    # Everyone's list DEPTH rows down, by the cursor "Load more" follows (bench/run.py's W3).
    ("W3 all projects deep (admin)", "/projects/?scope=all&after={after}", {}, "admin"),
    # A search found in one row, as the benchmark's search term is in few (bench/seed.py SEARCH_TERM).
    ("W2 search (page)", "/projects/?q={rare}", {}, "session"),
    ("W2 search everyone's (admin)", "/projects/?scope=all&q={rare}", {}, "admin"),
    # Declared filter and sort, named as in bench/run.py: all of this user's rows are drafts.
    ("W6 filtered by status", "/projects/?status=draft", {}, "session"),
    ("W7 sorted by name", "/projects/?sort=name", {}, "session"),
    ("W7 sorted by name (admin)", "/projects/?scope=all&sort=name", {}, "admin"),
    ("W4 back-office list", "/admin/projects/", {}, "admin"),
    ("W5 back-office search", "/admin/projects/?search=project%2012", {}, "admin"),
    # One word found in one row, as the benchmark's search term (bench/seed.py SEARCH_TERM) is in few.
    ("W5b back-office search, one rare word", "/admin/projects/?search={rare}", {}, "admin"),
    ("W8 back-office deep (cursor)", "/admin/projects/?page={page}&after={after}", {}, "admin"),
    ("W8b back-office deep (page no.)", "/admin/projects/?page={page}", {}, "admin"),
    ("S4 stock admin list", "/admin/project/", {}, "stock"),
    ("S5 stock admin search", "/admin/project/?search=project%2012", {}, "stock"),
    ("S5b stock admin search, one rare word", "/admin/project/?search={rare}", {}, "stock"),
    ("S6 stock admin deep page", "/admin/project/?page={page}", {}, "stock"),
    ("A1 API projects list (key)", "/api/v1/projects", {}, "key"),
    ("A2 API search (key)", "/api/v1/projects?q=project%2012", {}, "key"),
]

# Each of our back-office cases and the stock page it is compared with (deep pages numbered as bench/run.py's W8).
VERSUS = {"W4": "S4", "W5": "S5", "W5b": "S5b", "W8": "S6", "W8b": "S6"}


def prepare(folder, rows, url=None, served=False):
    """The app on a migrated database (a SQLite file by default) with ``rows`` projects of one user.

    ``served``: with what production adds to each request, the rate limiter's check and the request's
    log line (in JSON, to stderr); without them by default. Returns (app, user id, admin id, API key).
    """
    os.environ["APP_ENV"] = "testing"
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.database import ensure_migrations
    from webapp.extensions import db
    from webapp.models import Project, User
    from webapp.services import credentials

    url = url or f"sqlite:///{folder}/cpu.db"
    settings = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "s" * 40, "RATELIMIT_ENABLED": served}
    app = create_app({**settings, **({"LOG_FORMAT": "json"} if served else {})})
    ensure_migrations(app)
    with app.app_context():
        upgrade()
        if not served:
            logging.getLogger().setLevel(logging.WARNING)  # one log line per request is not what is measured
        user = User(email="bench@example.com", name="Bench", status="approved")
        admin = User(email="admin@example.com", name="Admin", status="approved", role="admin")
        db.session.add_all([user, admin])
        db.session.commit()
        values = [{"owner_id": user.id, "name": f"Project {n}", "description": "d" * 80} for n in range(rows)]
        db.session.execute(insert(Project), values)
        db.session.commit()
        # Statistics, as the served benchmark's seed and autovacuum give a real table: plans as in production.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return app, user.id, admin.id, credentials.create_key(user, "bench", "read", None).secret


def deep_page(app, rows):
    """URL values: the deep page's number (from 0, as Flask-Admin counts) and the id it continues after; a rare word."""
    from sqlalchemy import text

    from webapp.extensions import db

    depth = min(DEPTH, rows // 2) // 25 * 25
    with app.app_context():
        after = db.session.scalar(
            text("SELECT id FROM project ORDER BY id DESC LIMIT 1 OFFSET :skip"), {"skip": max(depth - 1, 0)}
        )
    return {"page": depth // 25, "after": after, "rare": str(rows - 1)}


def stock_app(url):
    """Stock Flask-Admin over the same database (bench/baselines.py), as the benchmark serves it."""
    from bench import baselines

    os.environ["DATABASE_URL"] = url
    return baselines.create_app("stock_admin")


@contextmanager
def database(folder, postgres):
    """The URL of a throwaway database: a SQLite file in ``folder``, or one made on the ``postgres`` server."""
    if not postgres:
        yield f"sqlite:///{folder}/cpu.db"
        return
    from webapp.config import normalise_database_url

    server = make_url(normalise_database_url(postgres))  # postgresql:// means psycopg2 here, as in the app
    name = f"office_cpu_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def client_for(app, path, headers, cookie_user):
    """A test client signed in as ``cookie_user`` (or none), warmed up on ``path``."""
    client = app.test_client()
    if cookie_user is not None:
        from webapp.auth.session import session_value_for
        from webapp.extensions import db
        from webapp.models import User

        with app.app_context():
            value = session_value_for(db.session.get(User, cookie_user), "Benchmark")
        with client.session_transaction() as session:
            session["_user_id"] = value
    for _ in range(20):
        contextvars.Context().run(client.get, path, headers=headers)
    return client


def cpu_ms(client, path, headers, requests):
    """Average CPU milliseconds per request."""
    started = time.process_time()
    for _ in range(requests):
        response = contextvars.Context().run(client.get, path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return (time.process_time() - started) / requests * 1000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated case prefixes (e.g. W1,W4)")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL to make a throwaway database on")
    args = parser.parse_args(argv)
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    cases = [c for c in CASES if not wanted or any(c[0].startswith(w) for w in wanted)]
    with tempfile.TemporaryDirectory() as folder, database(folder, args.postgres) as url:
        app, user_id, admin_id, key = prepare(folder, args.rows, url)
        signed_in = {"session": user_id, "admin": admin_id, "key": None, "stock": None}
        deep = deep_page(app, args.rows)
        stock = stock_app(url) if any(c[3] == "stock" for c in cases) else None
        clients = []
        for name, path, headers, credential in cases:
            if credential == "key":
                headers = {**headers, "Authorization": f"Bearer {key}"}
            path = path.format(**deep)
            served = stock if credential == "stock" else app
            clients.append((name, path, headers, client_for(served, path, headers, signed_in[credential])))
        figures = {name: [] for name, *_ in clients}
        for _ in range(args.rounds):  # interleaved: every case once per round
            for name, path, headers, client in clients:
                figures[name].append(cpu_ms(client, path, headers, args.requests))
        medians = {name: statistics.median(used) for name, used in figures.items()}
        for name, used in figures.items():
            print(f"{name:32} {medians[name]:6.2f} ms CPU per request (median of {len(used)})")
        print_ratios(medians)


def print_ratios(medians):
    """Each back-office case beside its stock Flask-Admin page: stock ÷ ours (2 or more is the goal)."""
    by_prefix = {name.split()[0]: name for name in medians}
    for ours, theirs in VERSUS.items():
        if ours in by_prefix and theirs in by_prefix:
            mine, stock = medians[by_prefix[ours]], medians[by_prefix[theirs]]
            print(f"{by_prefix[ours]:32} {mine:6.2f} ms vs stock {stock:6.2f} ms: stock/ours = {stock / mine:4.2f}")


if __name__ == "__main__":
    main()
