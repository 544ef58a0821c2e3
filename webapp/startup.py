"""Make a deployment ready to serve: check the configuration, then migrate the database under a lock.

gunicorn runs ``prepare_or_exit`` in its master process before it opens the port
(``on_starting`` in gunicorn.conf.py), so Render's free plan, which has no pre-deploy
command, migrates at every start. Where a platform runs a release or pre-deploy command,
``python -m webapp.startup`` does the same work on its own and exits 0 or 1.
"""

import logging
import sys
import time

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError

from .database import ensure_migrations, wait_for_database
from .deploy_checks import Severity, deploy_problems
from .extensions import db

log = logging.getLogger("webapp.startup")


class StartupFailed(RuntimeError):
    """The app must not serve; the message says why in one line."""


def check_configuration(app):
    """Log every deploy problem; raise StartupFailed when one is an error (production only)."""
    if app.config["APP_ENV"] != "production":
        log.info("Deploy checks skipped: APP_ENV is %s.", app.config["APP_ENV"])
        return
    problems = deploy_problems(app.config)
    for problem in problems:
        level = logging.ERROR if problem.severity == Severity.error else logging.WARNING
        log.log(level, "check-deploy: %s", problem.message, extra={"check": problem.severity.value})
    errors = [problem for problem in problems if problem.severity == Severity.error]
    if errors:
        raise StartupFailed(
            f"Refusing to start: {len(errors)} configuration error(s), listed above "
            "(run `flask --app webapp check-deploy` to see them again)."
        )


def migrate(app):
    """Upgrade the database to the newest revision; return the revisions this process applied.

    migrations/env.py takes a PostgreSQL advisory lock around the whole upgrade, so a
    second instance starting at the same moment waits, then finds nothing left to do.
    """
    applied = []

    def record(ctx, step, heads, run_args):
        applied.extend(step.up_revision_ids)

    with app.app_context():
        settings = ensure_migrations(app)
        settings.configure_args["on_version_apply"] = [record]
        config = settings.migrate.get_config()
        try:
            command.upgrade(config, "head")
        except Exception as error:
            # Any failure here (unreachable database, a broken revision) must stop the start;
            # env.py ran the upgrade in one transaction, so PostgreSQL rolled all of it back.
            log.error("Database migration failed", exc_info=True)
            summary = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise StartupFailed(
                f"Refusing to start: the database migration failed and was rolled back "
                f"({error.__class__.__name__}: {summary})."
            ) from error
        finally:
            settings.configure_args.pop("on_version_apply", None)
            # No connection may cross the fork into gunicorn's workers.
            db.engine.dispose()
    head = ScriptDirectory.from_config(config).get_current_head()
    if applied:
        log.info(
            "Database migrated to %s (applied %s).",
            head,
            ", ".join(applied),
            extra={"event": "migrated", "applied": applied, "head": head},
        )
    else:
        log.info(
            "Database already at %s: nothing to migrate.",
            head,
            extra={"event": "migrated", "applied": [], "head": head},
        )
    return applied


def await_database(app):
    """Wait up to ``DB_START_WAIT_SECONDS`` for the database, with back-off; one log line per failed attempt."""
    wait = app.config["DB_START_WAIT_SECONDS"]
    with app.app_context():
        try:
            attempts = wait_for_database(db.engine, wait, log)
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else error.__class__.__name__
            raise StartupFailed(
                f"Refusing to start: the database did not answer within {wait} s (OperationalError: {reason})."
            ) from error
        finally:
            db.engine.dispose()  # no connection may cross the fork into gunicorn's workers
    if attempts > 1:
        log.info("The database answers after %d attempts.", attempts, extra={"event": "database_ready"})


def prepare(app):
    """Check, wait for the database, then migrate; raise StartupFailed when the app must not serve."""
    started = time.perf_counter()
    check_configuration(app)
    await_database(app)
    applied = migrate(app)
    log.info(
        "Ready to serve after %.2f s of checks and migrations.",
        time.perf_counter() - started,
        extra={"event": "prepared", "duration_s": round(time.perf_counter() - started, 3)},
    )
    return applied


def prepare_or_exit(app):
    """Prepare, or log the one-line reason and end the process with status 1."""
    try:
        prepare(app)
    except StartupFailed as failure:
        log.critical("%s", failure, extra={"event": "refused"})
        sys.exit(1)


def main():
    """``python -m webapp.startup``: the release / pre-deploy command."""
    from . import create_app
    from .config import ConfigError

    try:
        app = create_app()
    except ConfigError as error:
        # Logging is not configured yet: the app failed before it could set it up.
        print(error, file=sys.stderr)
        sys.exit(1)
    prepare_or_exit(app)


if __name__ == "__main__":
    main()
