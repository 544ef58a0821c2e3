"""Run the benchmark: ``python -m bench.run`` (``make bench``); see docs/performance.md.

For each database: create three scratch databases with the same N projects, one migrated to
the head (the app's), one without Hyperdesk's list indexes (the baselines': the table as a
hand-written app would have it) and one migrated and seeded by the app as it was when issue 17
was filed (bench/pre_issue.py), start the app, the baselines and that old app under gunicorn
(2 workers, as gunicorn.conf.py ships them: gthread with 4 threads; the app and the old app also
preloaded with their own deploy file's settings, bench/served_as_shipped.py), then run every
workload with wrk in several interleaved rounds. Writes medians, ratios and target checks to
bench/RESULTS.md.
"""

import argparse
import secrets
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from . import pre_issue
from . import seed as seeding
from .load import (
    AS_SHIPPED,
    ROOT,
    Server,
    cookie_after_visit,
    fetch,
    measured_load,
    run_wrk,
    settle,
    shipped_configuration,
)
from .report import RATIO_TARGETS, REFERENCE_RATIOS, RESULTS_DIR, write_report

WORK = ROOT / "bench" / "work"
DEFAULT_POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
# The baselines run on today's tables without Hyperdesk's list and search indexes: these
# revisions' downgrades are replayed on a database migrated to the head (the models of the
# ``handwritten_page`` baseline need today's columns), then these indexes of later revisions dropped.
LIST_INDEX_REVISIONS = ("0003", "0002")
LATER_LIST_INDEXES = ("ix_project_owner_id_name", "ix_project_owner_id_due_date")


@dataclass
class Workload:
    """One URL on one server, driven by wrk."""

    name: str
    server: str
    path: str
    as_user: str = ""  # "user", "admin" or "" (anonymous)
    htmx: bool = False
    bearer: bool = False  # as the user's API key instead of their browser session
    results: list = field(default_factory=list)


def workloads(context):
    """Every measured URL: the app's workloads, signed in as the user and as the admin, and the baselines."""
    term = seeding.SEARCH_TERM
    deep_page = 10_000 // 25 + 1
    paths = context["paths"]
    by_hand = "/handwritten/projects/"
    return [
        Workload("W1 projects list", "app", paths["list"], "user"),
        Workload("W1 projects list (htmx)", "app", paths["list"], "user", htmx=True),
        Workload("W2 search", "app", paths["search"], "user"),
        Workload("W1 all projects (admin)", "app", paths["all"], "admin"),
        Workload("W2 search (admin)", "app", paths["all_search"], "admin"),
        Workload("W3 10,000 rows deep (admin)", "app", paths["all_deep"], "admin"),
        Workload("W4 admin list", "app", "/admin/projects/", "admin"),
        Workload("W5 admin search", "app", f"/admin/projects/?search={term}", "admin"),
        # Flask-Admin numbers pages from 0: ?page=400 skips 10,000 rows (the depth of the pages' W3). The pager's
        # "next" link carries a cursor; a page number typed in the address is served by OFFSET.
        Workload("W8 admin 10,000 rows deep", "app", paths["admin_deep"], "admin"),
        Workload("W8 admin 10,000 rows deep (page number)", "app", f"/admin/projects/?page={deep_page - 1}", "admin"),
        # Declared filters and sorts (docs/extending.md): one status of four (all the user's seeded rows are
        # drafts), and the name order's keyset walk.
        Workload("W6 filtered by status (admin)", "app", "/projects/?scope=all&status=active", "admin"),
        Workload("W7 sorted by name (admin)", "app", "/projects/?scope=all&sort=name", "admin"),
        Workload("W6 filtered by status", "app", "/projects/?status=draft", "user"),
        Workload("W7 sorted by name", "app", "/projects/?sort=name", "user"),
        Workload("A1 API projects list (key)", "app", paths["api_list"], "user", bearer=True),
        Workload("A2 API search (key)", "app", paths["api_search"], "user", bearer=True),
        Workload("A3 API 10,000 rows deep (admin key)", "app", paths["api_all_deep"], "admin", bearer=True),
        # The declared filter and sort through the API: the same listing code and indexes as W6 and W7.
        Workload("A4 API filtered by status (key)", "app", "/api/v1/projects?status=draft", "user", bearer=True),
        Workload("A5 API sorted by name (key)", "app", "/api/v1/projects?sort=name", "user", bearer=True),
        Workload(
            "A5 API sorted by name (admin key)", "app", "/api/v1/projects?scope=all&sort=name", "admin", bearer=True
        ),
        Workload("B hand-written page", "handwritten_page", by_hand, "user"),
        Workload("B hand-written page (all)", "handwritten_page", f"{by_hand}?scope=all", "admin"),
        Workload("B hand-written page search (all)", "handwritten_page", f"{by_hand}?scope=all&q={term}", "admin"),
        Workload(
            "B hand-written page deep (all)", "handwritten_page", f"{by_hand}?scope=all&page={deep_page}", "admin"
        ),
        Workload("B bare page", "bare", "/projects"),
        Workload("B hand-written list", "handwritten", f"/projects?owner={context['user_id']}"),
        Workload("B hand-written list (all)", "handwritten", "/projects"),
        Workload("B hand-written search", "handwritten", f"/projects?q={term}"),
        Workload("B hand-written deep", "handwritten", f"/projects?page={deep_page}"),
        Workload("B stock admin list", "stock_admin", "/admin/project/"),
        Workload("B stock admin search", "stock_admin", f"/admin/project/?search={term}"),
        Workload("B stock admin 10,000 rows deep", "stock_admin", f"/admin/project/?page={deep_page - 1}"),
    ]


def prepare_database(backend, rows, without_list_indexes=False):
    """A scratch database migrated to the head and seeded; returns (url, seed facts, cleanup)."""
    url, cleanup = scratch_database(backend, rows)
    _migrate(url)
    if without_list_indexes:
        _drop_list_indexes(url)
    started = time.perf_counter()
    facts = seeding.seed(url, rows)
    facts["seed_seconds"] = round(time.perf_counter() - started, 1)
    return url, facts, cleanup


def vacuum(url):
    """On PostgreSQL, VACUUM ANALYZE the freshly seeded database: its tables then stand as autovacuum
    leaves a production table (hint bits set, pages all-visible), and autovacuum does not start on a
    million new rows in the middle of the measurements. SQLite needs nothing more than the seed's ANALYZE."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
    finally:
        engine.dispose()


def scratch_database(backend, rows):
    """An empty database of its own on ``backend``; returns (url, cleanup)."""
    if backend == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        path = WORK / f"bench-{rows}-{uuid.uuid4().hex[:6]}.db"
        url = f"sqlite:///{path}"
        cleanup = lambda: [p.unlink(missing_ok=True) for p in WORK.glob(path.name + "*")]  # noqa: E731
    else:
        admin = make_url(DEFAULT_POSTGRES)
        name = f"hyperdesk_bench_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = admin.set(database=name).render_as_string(hide_password=False)

        def cleanup():
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()

    return url, cleanup


def prepare_pre_issue_database(backend, rows, url, facts):
    """The pre-issue commit's checkout and its own database, checked to hold the same rows as ``url``'s.

    Returns (checkout directory, database url, cleanup).
    """
    source = pre_issue.checkout(WORK)
    old_url, cleanup = scratch_database(backend, rows)
    try:
        started = time.perf_counter()
        old_facts = pre_issue.prepare(source, old_url, rows)
        facts["pre_issue_seed_seconds"] = round(time.perf_counter() - started, 1)
        if (old_facts["user_id"], old_facts["admin_id"]) != (facts["user_id"], facts["admin_id"]) or (
            pre_issue.fingerprint(old_url) != pre_issue.fingerprint(url)
        ):
            raise RuntimeError(f"the app's and the {pre_issue.LABEL} checkout's databases were seeded differently")
    except BaseException:
        cleanup()
        raise
    facts["pre_issue_commit"] = pre_issue.resolve()
    return source, old_url, cleanup


def _drop_list_indexes(url):
    import importlib.util

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    engine = create_engine(url)
    with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        for revision in LIST_INDEX_REVISIONS:
            (path,) = (ROOT / "migrations" / "versions").glob(f"{revision}_*.py")
            spec = importlib.util.spec_from_file_location(f"revision_{revision}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            module.downgrade()
        for name in LATER_LIST_INDEXES:
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
    engine.dispose()


def _migrate(url, revision="head"):
    import os

    from flask_migrate import upgrade

    os.environ["APP_ENV"] = "testing"
    from webapp import create_app
    from webapp.database import ensure_migrations

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40})
    ensure_migrations(app)
    with app.app_context():
        upgrade(revision=revision)
        from webapp.extensions import db

        db.engine.dispose()


def app_environment(url, secret):
    return {
        "APP_ENV": "production",
        "SECRET_KEY": secret,
        "DATABASE_URL": url,
        "PROXY_FIX_HOPS": "0",
        "LOG_LEVEL": "INFO",  # as in production: one JSON line per request
        "RATELIMIT_API": "100000000 per minute",  # measure the work, not the per-key limit
    }


def session_cookie(secret, url, user_id):
    """The cookie a signed-in browser would send: a live session in the database, signed with the server's secret."""
    import os

    os.environ.setdefault("APP_ENV", "testing")
    from flask import Flask

    from webapp.services.sessions import open_session_in

    app = Flask("cookie")
    app.secret_key = secret
    value = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": open_session_in(url, user_id, "Benchmark"), "_fresh": True}
    )
    return f"hyperdesk_session={value}"


SERVERS = {
    "app": "webapp:create_app()",
    "handwritten_page": "bench.baselines:create_app('handwritten_page')",
    "bare": "bench.baselines:create_app('bare')",
    "handwritten": "bench.baselines:create_app('handwritten')",
    "stock_admin": "bench.baselines:create_app('stock_admin')",
}


# The page each signed-in browser opens first, before the measured requests replay its cookie.
FIRST_PAGES = {"app": "/projects/", "pre_issue": "/projects/", "handwritten_page": "/handwritten/projects/"}

READY_PATHS = {
    "app": "/health",
    "pre_issue": "/health",
    "handwritten_page": "/health",
    "bare": "/projects",
    "handwritten": "/projects",
    "stock_admin": "/admin/",
}


def headers_for(workload, cookies):
    headers = {}
    if workload.bearer:
        headers["Authorization"] = f"Bearer {cookies[workload.as_user + '_key']}"
    elif workload.as_user:
        headers["Cookie"] = cookies[workload.as_user]
    if workload.htmx:
        headers["HX-Request"] = "true"
    return headers


def measure_backend(backend, args):
    """Seed the app's and the baselines' databases and run every workload; returns the facts for the report."""
    cleanups = []
    try:
        url, facts, cleanup = prepare_database(backend, args.rows)
        cleanups.append(cleanup)
        baseline_url, baseline_facts, cleanup = prepare_database(backend, args.rows, without_list_indexes=True)
        cleanups.append(cleanup)
        if (baseline_facts["user_id"], baseline_facts["admin_id"]) != (facts["user_id"], facts["admin_id"]):
            raise RuntimeError("the app's and the baselines' databases were seeded differently")
        facts["baseline_seed_seconds"] = baseline_facts["seed_seconds"]
        source, old_url, cleanup = prepare_pre_issue_database(backend, args.rows, url, facts)
        cleanups.append(cleanup)
        for seeded in (url, baseline_url, old_url):
            vacuum(seeded)
        return _measure(backend, args, {"app": url, "baselines": baseline_url, "pre_issue": old_url}, source, facts)
    finally:
        for cleanup in cleanups:
            cleanup()


def _measure(backend, args, databases, source, facts):
    url, baseline_url = databases["app"], databases["baselines"]
    secret = secrets.token_urlsafe(48)
    cookies = {
        "user": session_cookie(secret, url, facts["user_id"]),
        "admin": session_cookie(secret, url, facts["admin_id"]),
    }
    # Sessions live in the database: the baselines served by Hyperdesk's sign-in need theirs in their own.
    baseline_cookies = {
        "user": session_cookie(secret, baseline_url, facts["user_id"]),
        "admin": session_cookie(secret, baseline_url, facts["admin_id"]),
    }
    facts["api_keys"] = seeding.api_keys(url, facts)
    cookies.update({f"{who}_key": key for who, key in facts["api_keys"].items()})
    # The pre-issue app signs in with a cookie of its own format, made by its own code.
    old_cookies = pre_issue.cookies(source, secret, facts)
    facts["paths"] = app_paths(url, facts)
    env = app_environment(url, secret)
    baseline_env = app_environment(baseline_url, secret)
    old_env = app_environment(databases["pre_issue"], secret)
    servers = {
        name: Server(spec, env if name == "app" else baseline_env, workers=args.workers, serving=args.serving)
        for name, spec in SERVERS.items()
    }
    # Hyperdesk, today's and fa1d413's, is served as its deploy file ships it (preloaded, its memory settings).
    servers["app"].config = AS_SHIPPED
    servers["pre_issue"] = Server(
        SERVERS["app"], old_env, workers=args.workers, root=source, serving=args.serving, config=AS_SHIPPED
    )
    measured = selected_workloads(workloads(facts), args.only)
    try:
        for server in servers.values():
            server.start()
        for name, server in servers.items():
            server.wait_until_serving(READY_PATHS[name])
        check_pre_issue_served(servers, cookies, old_cookies)
        hold_browser_cookies(servers, {"app": cookies, "handwritten_page": baseline_cookies, "pre_issue": old_cookies})

        def cookies_for(workload):
            return {"app": cookies, "pre_issue": old_cookies}.get(workload.server, baseline_cookies)

        def database_for(workload):
            return databases.get(workload.server, baseline_url)

        for workload in measured:
            workload.bytes, workload.status = _probe(servers[workload.server], workload, cookies_for(workload))
        for round_number in range(args.rounds):
            for workload in round_order(measured, round_number):
                target = servers[workload.server].url + workload.path
                headers = headers_for(workload, cookies_for(workload))
                run_wrk(target, headers, args.warmup, args.connections, args.threads)
                server = servers[workload.server]
                workload.results.append(
                    measured_load(
                        server, database_for(workload), target, headers, args.duration, args.connections, args.threads
                    )
                )
                # What the load left running is not the next workload's to pay for.
                settle(server, database_for(workload))
            print(f"  {backend}: round {round_number + 1}/{args.rounds} done", flush=True)
        facts["rss_mib"] = {name: server.worker_rss_mib() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    facts["cold_start"] = cold_start(env, cookies, serving=args.serving)
    facts["cold_start_pre_issue"] = cold_start(old_env, old_cookies, root=source, serving=args.serving)
    facts["statements"] = statement_counts(url, measured, facts)
    facts.pop("api_keys")  # scratch credentials: never in the stored results
    return {"backend": backend, "facts": facts, "workloads": measured}


def selected_workloads(today, only=""):
    """Today's workloads and the pre-issue app's copies of its list pages, those named by ``only``'s prefixes."""
    everything = today + pre_issue.workloads(today)
    if not only:
        return everything
    prefixes = tuple(only.split(","))
    # A list page picked by its name brings its pre-issue copy along: they are compared.
    return [w for w in everything if w.name.removeprefix(f"{pre_issue.LABEL} ").startswith(prefixes)]


def round_order(measured, round_number):
    """The order one round runs ``measured`` in: each page beside what its ratios compare it with.

    This machine switches between two speeds every few seconds to minutes, and a ratio is only
    as good as both of its pages landing on the same one: run minutes apart, they often did not.
    So each workload is followed at once by its pre-issue copy and its baselines, and every
    other round runs backwards, so that neither side of a pair always goes first.
    """
    partners = {}
    for _, ours, theirs, *_ in RATIO_TARGETS + REFERENCE_RATIOS:
        partners.setdefault(ours, []).append(theirs)
        partners.setdefault(theirs, []).append(ours)
    by_name = {w.name: w for w in measured}
    order = {}  # name -> workload, in insertion order

    def place(name):
        if name in by_name and name not in order:
            order[name] = by_name[name]
            place(f"{pre_issue.LABEL} {name}")  # the pre-issue copy always comes right after
            for partner in partners.get(name, []):
                place(partner)

    for workload in measured:
        place(workload.name)
    runs = list(order.values())
    return runs if round_number % 2 == 0 else runs[::-1]


def check_pre_issue_served(servers, cookies, old_cookies):
    """Stop unless the pre-issue server runs the old code: today's API is not there, today's app has it."""
    import urllib.error

    def status(server, cookie):
        try:
            return fetch(server.url + path, {"Cookie": cookie}, follow_redirects=False)[0]
        except urllib.error.HTTPError as error:
            return error.code

    path = pre_issue.TODAY_ONLY_PATH
    old, today = status(servers["pre_issue"], old_cookies["user"]), status(servers["app"], cookies["user"])
    if old != 404 or today == 404:
        raise RuntimeError(f"the {pre_issue.LABEL} server is not the old code: {path} answered {old} (today {today})")


def hold_browser_cookies(servers, cookies_by_server):
    """Each signed-in cookie as its browser holds it after opening the server's first page (updated in place)."""
    for name, held in cookies_by_server.items():
        for who in ("user", "admin"):
            held[who] = cookie_after_visit(servers[name].url + FIRST_PAGES[name], held[who])


def _probe(server, workload, cookies):
    # Not following redirects: a signed-in page answered by the sign-in page would measure the wrong page.
    status, body = fetch(server.url + workload.path, headers_for(workload, cookies), follow_redirects=False)
    if status != 200:
        raise RuntimeError(f"{workload.name}: {workload.path} answered {status}")
    return len(body), status


def cold_start(env, cookies, root=ROOT, serving="sync"):
    """Seconds from starting gunicorn to the first /health and the first projects page (of the app at ``root``)."""
    server = Server(SERVERS["app"], env, workers=1, root=root, serving=serving, config=AS_SHIPPED).start()
    try:
        health = server.wait_until_serving("/health")
        page = server.wait_until_serving("/projects/", headers={"Cookie": cookies["user"]})
    finally:
        server.stop()
    return {"health_s": round(health, 3), "first_page_s": round(page, 3)}


def app_paths(url, facts):
    """The app's list URLs, including the keyset cursor of the page 10,000 rows deep."""
    from .paging import list_paths

    return list_paths(url, facts)


def statement_counts(url, measured, facts):
    """SQL statements each app workload sends, counted in-process with the real app."""
    from .statements import count_statements

    return count_statements(url, [w for w in measured if w.server == "app"], facts)


def main(argv=None):
    # Stopped with SIGTERM, still stop the servers and drop the scratch databases.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per workload and round")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before each measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--serving",
        default=None,
        help="gunicorn worker class and threads for every server: sync, gthread-4… (default: what gunicorn.conf.py ships)",
    )
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated workload name prefixes to run (default: all); a list page brings its {pre_issue.LABEL} copy",
    )
    parser.add_argument("--smoke", action="store_true", help="1,000 rows, 1 round of 2 s: proves the benchmark runs")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    parser.add_argument("--results-dir", default=str(RESULTS_DIR), help="where each run's JSON is kept")
    args = parser.parse_args(argv)
    # Every server (the app, the baselines, the old app) runs as production does unless told otherwise.
    args.serving = args.serving or shipped_configuration()
    if args.smoke:
        args.rows, args.rounds, args.duration, args.warmup = 1_000, 1, 2, 1
        args.results_dir = str(WORK / "smoke-results")
    runs = []
    for backend in args.db.split(","):
        print(f"{backend}: seeding {args.rows:,} projects and measuring", flush=True)
        runs.append(measure_backend(backend.strip(), args))
        # Kept as soon as measured: a later database's failure does not lose this one.
        write_report(runs[-1:], args)
    # The app must answer every request; a baseline timing out on a big table is a result.
    failures = [w for run in runs for w in run["workloads"] if w.server == "app" and any(r.errors for r in w.results)]
    if failures:
        print("Errors during load: " + ", ".join(w.name for w in failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
