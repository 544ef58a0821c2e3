"""What every answer to a hostile request must be, and a record of what each request wrote to the database."""

import re

from sqlalchemy import event

# Tables a refused request may still write to: a session's last use. A table named here records the
# request itself (a sign-in attempt, a session's last use), never anything the client sent.
BOOKKEEPING_TABLES = frozenset({"user_session"})
# Endpoints whose refusals are recorded on purpose: a refused sign-in is an audit event (issue 18).
AUDITED_REFUSALS = {
    "auth.google_start": {"audit_event"},
    "auth.google_callback": {"audit_event"},
    "auth.dev_login": {"audit_event"},
}
DML = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
TRACE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")


class Writes:
    """The tables whose changes were committed while listening (rolled-back changes do not count)."""

    def __init__(self, engine):
        self.engine = engine
        self.pending = {}
        self.committed = set()

    def __enter__(self):
        event.listen(self.engine, "after_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "after_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        match = DML.match(statement)
        if match:
            self.pending.setdefault(id(conn), set()).add(match.group(1).lower())

    def _commit(self, conn):
        self.committed |= self.pending.pop(id(conn), set())

    def _rollback(self, conn):
        self.pending.pop(id(conn), None)

    def take(self):
        """The tables committed since the last call; forgets them."""
        tables, self.committed = self.committed, set()
        return tables


def problems(probe, response, stored, exception=None):
    """What is wrong with ``response`` to ``probe`` (an empty list when nothing is)."""
    found = []
    status = response.status_code
    body = response.get_data(as_text=True)
    if status >= 500:
        found.append(f"answered {status}" + (f" ({exception!r})" if exception is not None else ""))
    if TRACE.search(body):
        found.append("shows a stack trace")
    if 400 <= status < 500:
        found.extend(_shape(probe, response, body))
        kept = stored - BOOKKEEPING_TABLES - AUDITED_REFUSALS.get(probe.endpoint, set())
        if kept:
            found.append(f"refused with {status} but stored rows in {sorted(kept)}")
    return found


def _shape(probe, response, body):
    """A refusal has the shape of the app's own refusals: JSON under /api, else its HTML page or fragment."""
    path = probe.path
    if path.startswith("/api/"):  # the app answers every refusal under /api in JSON, /api/docs included
        return [] if response.mimetype == "application/json" else [f"an /api refusal as {response.mimetype}"]
    if path.startswith(("/health", "/metrics")):
        return []  # machine endpoints answer in their own formats (JSON, Prometheus text)
    if response.mimetype != "text/html":
        return [f"a refusal as {response.mimetype}, not the error page"]
    whole = "<html" in body
    if probe.back_office and whole:
        return []  # the back office has no htmx: its forms come back as pages whatever the headers say
    if probe.is_partial and whole:
        return ["a whole page where htmx asked for a fragment"]
    if not probe.is_partial and not whole:
        return ["a refusal without the error page"]
    return []
