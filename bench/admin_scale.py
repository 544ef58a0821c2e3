"""Time the back office on big tables: seed a million projects, audit entries and access requests, then time its lists.

Usage:  .venv/bin/python bench/admin_scale.py [--projects N] [--audit N] [--requests N] [--repeat 7] [--keep] [--explain]

It creates a scratch database on the PostgreSQL server named by TEST_DATABASE_URL (default:
the local server), migrates it with the real Alembic revisions, fills it with INSERT ...
SELECT generate_series, then requests each back-office page through the real app (Flask's
test client: routing, the access gate, queries and templates) and prints the median and
slowest time per page. The database is dropped at the end unless --keep is given.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("APP_ENV", "testing")

from webapp import create_app  # noqa: E402
from webapp.database import ensure_migrations  # noqa: E402
from webapp.extensions import db  # noqa: E402

DEFAULT_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
OWNERS = 1000

SEED_USERS = """
INSERT INTO users (email, name, role, status)
SELECT 'person' || i || '@example.com', 'Person ' || i,
       CASE WHEN i = 1 THEN 'admin' ELSE 'user' END, 'approved'
FROM generate_series(1, :owners) AS i
"""
# Names are mostly "Project <n>"; one in 100,000 is a "Lighthouse" for a selective search.
SEED_PROJECTS = """
INSERT INTO project (owner_id, name, description, status, created_at, updated_at)
SELECT 1 + i % :owners,
       CASE WHEN i % 100000 = 0 THEN 'Lighthouse ' || i ELSE 'Project ' || i END,
       'Seeded for the scale benchmark',
       (ARRAY['draft', 'active', 'on_hold', 'done'])[1 + i % 4],
       now() - (:rows - i) * interval '1 minute',
       now() - (:rows - i) * interval '1 minute'
FROM generate_series(1, :rows) AS i
"""
SEED_AUDIT = """
INSERT INTO audit_event (actor_id, actor_email, action, target_type, target_id, details, created_at)
SELECT 1 + i % :owners, 'person' || (1 + i % :owners) || '@example.com',
       (ARRAY['project.updated', 'project.created', 'user.suspended', 'access.approved'])[1 + i % 4],
       'project', (1 + i % 1000000)::text, '{}', now() - (:rows - i) * interval '1 second'
FROM generate_series(1, :rows) AS i
"""

# Decided requests, then one pending request for each of the last 500 people (one pending each at most).
SEED_REQUESTS = """
INSERT INTO access_request (user_id, reason, status, decided_by_id, decided_at, created_at)
SELECT 1 + i % :owners, 'Seeded reason number ' || i,
       CASE WHEN i > :rows - 500 THEN 'pending' WHEN i % 3 = 0 THEN 'rejected' ELSE 'approved' END,
       CASE WHEN i > :rows - 500 THEN NULL ELSE 1 END,
       CASE WHEN i > :rows - 500 THEN NULL ELSE now() - (:rows - i) * interval '1 second' END,
       now() - (:rows - i) * interval '1 second' - interval '1 hour'
FROM generate_series(1, :rows) AS i
"""

# (label, url): what an administrator does on a big table.
SCENARIOS = [
    ("dashboard", "/admin/"),
    ("projects: first page", "/admin/projects/"),
    ("projects: page 400 (offset 10,000)", "/admin/projects/?page=400"),
    ("projects: search, rare name", "/admin/projects/?search=lighthouse"),
    ("projects: search, common prefix", "/admin/projects/?search=project%2099"),
    ("projects: filter status", "/admin/projects/?flt0_status_equals=active"),
    ("projects: filter owner id", "/admin/projects/?flt0_owner_id_equals=42"),
    ("projects: filter owner e-mail", "/admin/projects/?flt0_owners_email_equals=person42%40example.com"),
    ("projects: filter created, last day", "/admin/projects/?flt0_created_at_after={yesterday}"),
    ("projects: filter created, a day a year ago", "/admin/projects/?flt0_created_at_between={year_ago}"),
    ("projects: sort by name", "/admin/projects/?sort=2"),
    ("projects: sort by created, oldest", "/admin/projects/?sort=5"),
    ("specifications: project picker", "/admin/specifications/ajax/lookup/?name=project&query=lighthouse"),
    ("projects: CSV export, one owner", "/admin/projects/export/csv/?flt0_owner_id_equals=42"),
    ("access requests: first page (pending first)", "/admin/access-requests/"),
    ("access requests: filter status", "/admin/access-requests/?flt0_status_equals=rejected"),
    ("audit log: first page", "/admin/audit-log/"),
    ("audit log: filter action", "/admin/audit-log/?flt0_action_equals=user.suspended"),
    ("audit log: filter target", "/admin/audit-log/?flt0_target_type_equals=project&flt1_target_id_equals=4242"),
    ("audit log: filter actor e-mail", "/admin/audit-log/?flt0_actors_email_equals=person7%40example.com"),
]


def main():
    args = parse_args()
    server = make_url(
        os.environ.get("TEST_DATABASE_URL", DEFAULT_SERVER).replace("postgresql://", "postgresql+psycopg2://", 1)
    )
    name = f"hyperdesk_bench_{uuid.uuid4().hex[:8]}"
    url = server.set(database=name).render_as_string(hide_password=False)
    admin_engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = build_app(url)
        with app.app_context():
            seconds = seed(args)
            print(
                f"seeded {args.projects:,} projects, {args.audit:,} audit entries and {args.requests:,} access requests "
                f"in {seconds:.1f} s ({name})"
            )
            run_scenarios(app, args)
            db.engine.dispose()
    finally:
        if args.keep:
            print(f"kept database {url}")
        else:
            with admin_engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1_000_000)
    parser.add_argument("--audit", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="leave the scratch database in place")
    parser.add_argument("--explain", action="store_true", help="print each page's slowest query plan")
    return parser.parse_args()


def build_app(url):
    """The real app on the scratch database, migrated with the real revisions."""
    from flask_migrate import upgrade

    overrides = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "",
        "UPLOAD_FOLDER": tempfile.mkdtemp(),
        "PROXY_FIX_HOPS": 0,
    }
    app = create_app(overrides)
    ensure_migrations(app)
    with app.app_context():
        upgrade()
    return app


def seed(args):
    started = time.perf_counter()
    db.session.execute(text(SEED_USERS), {"owners": OWNERS})
    db.session.execute(text(SEED_PROJECTS), {"owners": OWNERS, "rows": args.projects})
    if args.audit:
        db.session.execute(text(SEED_AUDIT), {"owners": OWNERS, "rows": args.audit})
    if args.requests:
        db.session.execute(text(SEED_REQUESTS), {"owners": OWNERS, "rows": args.requests})
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def run_scenarios(app, args):
    values = (
        db.session.execute(
            text(
                "SELECT to_char(now() - interval '1 day', 'YYYY-MM-DD HH24:MI:SS') AS yesterday, "
                "to_char(now() - interval '366 days', 'YYYY-MM-DD HH24:MI:SS') || ' to ' || "
                "to_char(now() - interval '365 days', 'YYYY-MM-DD HH24:MI:SS') AS year_ago"
            )
        )
        .mappings()
        .one()
    )
    client = app.test_client()
    from webapp.auth.session import session_value_for
    from webapp.models import User

    with app.app_context():
        value = session_value_for(db.session.get(User, 1), "Benchmark")  # person1, the administrator
    with client.session_transaction() as session:
        session["_user_id"] = value
    print(f"\n{'page':<46} {'median ms':>10} {'slowest ms':>11}  status")
    for label, template in SCENARIOS:
        url = template.format(**{key: value.replace(" ", "%20") for key, value in values.items()})
        timings, status = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url, buffered=True)
            timings.append((time.perf_counter() - started) * 1000)
            status = response.status_code
        print(f"{label:<46} {statistics.median(timings):>10.1f} {max(timings):>11.1f}  {status}")
        if args.explain:
            explain(app, client, url)


def explain(app, client, url):
    """Print the plan of the slowest statement the page runs."""
    from sqlalchemy import event

    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        started = time.perf_counter()
        conn.info.setdefault("bench_started", []).append((started, statement, parameters))

    def done(conn, cursor, statement, parameters, context, executemany):
        started, statement, parameters = conn.info["bench_started"].pop()
        statements.append((time.perf_counter() - started, statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    event.listen(db.engine, "after_cursor_execute", done)
    try:
        client.get(url, buffered=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        event.remove(db.engine, "after_cursor_execute", done)
    _, statement, parameters = max(statements, key=lambda item: item[0])
    with db.engine.connect() as connection:
        raw = connection.connection.cursor()
        raw.execute("EXPLAIN ANALYZE " + statement, parameters)
        print("    " + "\n    ".join(row[0] for row in raw.fetchall()))


if __name__ == "__main__":
    main()
