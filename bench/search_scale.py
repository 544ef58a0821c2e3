"""SQLite search at scale: a person's own search at 100,000 and at 1,000,000 projects.

``python -m bench.search_scale [--rows 100000,1000000] [--requests 40]``: for each size, a
throwaway SQLite file migrated to the head and seeded like ``make bench`` (bench/seed.py: the
workload user owns 100 projects, 1% of all names contain "quartz"), then the user's
``/projects/?q=…`` through the real app, in-process; prints p50 and p90 wall milliseconds per
search (the database's time is most of it) and the ratio of each size's p50 to the first's.
Terms: one that matches (``quartz``) and one nobody's row contains (the worst case for a
search that starts from the user's rows: every one of them is read).
"""

import argparse
import contextvars
import logging
import os
import statistics
import tempfile
import time

TERMS = ["quartz", "nowhere-to-be-found"]


def build(folder, rows):
    os.environ["APP_ENV"] = "testing"
    from flask_migrate import upgrade
    from sqlalchemy import text

    from bench.seed import USER_EMAIL, seed
    from webapp import create_app
    from webapp.database import ensure_migrations

    path = f"{folder}/search-{rows}.db"
    url = f"sqlite:///{path}"
    seeded = os.path.exists(path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "s" * 40, "RATELIMIT_ENABLED": False})
    ensure_migrations(app)
    logging.getLogger().setLevel(logging.WARNING)
    if seeded:  # kept from an earlier run (--keep): the same rows, compared before and after a change
        with app.app_context():
            from webapp.extensions import db

            return app, db.session.scalar(text("SELECT id FROM users WHERE email = :e"), {"e": USER_EMAIL})
    with app.app_context():
        upgrade()
    started = time.perf_counter()
    facts = seed(url, rows)
    print(f"seeded {rows:,} projects in {time.perf_counter() - started:.0f} s")
    return app, facts["user_id"]


def timings(app, user_id, term, requests):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:1"
    path = f"/projects/?q={term}"
    for _ in range(3):
        contextvars.Context().run(client.get, path)
    spent = []
    for _ in range(requests):
        started = time.perf_counter()
        response = contextvars.Context().run(client.get, path)
        spent.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.9)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--keep", metavar="FOLDER", help="keep the seeded files in FOLDER and reuse them next time")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.rows.split(",")]
    figures = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or scratch
        os.makedirs(folder, exist_ok=True)
        for rows in sizes:
            app, user_id = build(folder, rows)
            for term in TERMS:
                figures[rows, term] = timings(app, user_id, term, args.requests)
            with app.app_context():
                from webapp.extensions import db

                db.engine.dispose()
            if not args.keep:
                os.remove(f"{folder}/search-{rows}.db")
    for term in TERMS:
        first = figures[sizes[0], term][0]
        for rows in sizes:
            p50, p90 = figures[rows, term]
            print(f"q={term:22} {rows:>9,} rows  p50 {p50:7.2f} ms  p90 {p90:7.2f} ms  p50 {p50 / first:5.2f}x")


if __name__ == "__main__":
    main()
