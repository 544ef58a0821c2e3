"""Count the SQL statements each workload's page sends, with the real app in this process."""

import contextvars
import os

from sqlalchemy import event


def count_statements(url, workloads, facts):
    """{workload name: statements sent while serving it once (after one warm-up request)}."""
    os.environ["APP_ENV"] = "testing"
    from webapp import create_app
    from webapp.auth.session import session_value_for
    from webapp.extensions import db
    from webapp.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "s" * 40, "RATELIMIT_ENABLED": False})
    statements = []
    counts = {}
    with app.app_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        for workload in workloads:
            client = app.test_client()
            headers = {"HX-Request": "true"} if workload.htmx else {}
            if workload.bearer:
                headers["Authorization"] = f"Bearer {facts['api_keys'][workload.as_user]}"
            elif workload.as_user:
                user = db.session.get(User, facts[workload.as_user + "_id"])
                value = session_value_for(user, "Benchmark")
                with client.session_transaction() as session:
                    session["_user_id"] = value
            # An empty context per request gives each its own app context (and signed-in user).
            contextvars.Context().run(client.get, workload.path, headers=headers)
            statements.clear()
            response = contextvars.Context().run(client.get, workload.path, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{workload.name}: {workload.path} answered {response.status_code}")
            counts[workload.name] = len(statements)
        event.remove(db.engine, "before_cursor_execute", listener)
        db.engine.dispose()
    return counts
