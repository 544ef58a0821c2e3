"""The navigation's count of pending access requests, kept by each worker for a few seconds.

Every page an administrator or approver opens shows the count; asking the database for it on
every page cost about 7% of a list page's CPU. Each app in each process keeps the figure for at
most ``MAX_AGE`` seconds, and forgets it at once when this process commits any change to an
access request (asked for, decided, closed, deleted: ORM writes and bulk UPDATE/DELETE alike),
so whoever acted sees the new figure on their next page; other workers see it within ``MAX_AGE``.
The approval queue, the dashboard and the metrics still count afresh (``access.pending_count``).
"""

import time

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..models import AccessRequest
from . import access

MAX_AGE = 5.0
_TOUCHED = "hyperdesk_access_requests_touched"
# Bumped by every commit in this process that changed an access request: every kept count is then stale.
_generation = 0


class PendingCount:
    """The count, re-read when older than ``max_age`` seconds of ``clock`` or after a local change."""

    def __init__(self, max_age=MAX_AGE, clock=time.monotonic):
        self.max_age = max_age
        self.clock = clock
        self._kept = None  # (count, read at, generation): one tuple, replaced whole (threads share it)

    def get(self):
        kept, now = self._kept, self.clock()
        if kept is not None and kept[2] == _generation and now - kept[1] < self.max_age:
            return kept[0]
        generation = _generation  # read before the query: a commit meanwhile makes this figure stale
        count = access.pending_count()
        self._kept = (count, now, generation)
        return count


def _after_flush(session, _context):
    if any(isinstance(obj, AccessRequest) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_TOUCHED] = True


def _do_orm_execute(state):
    if (state.is_update or state.is_delete or state.is_insert) and any(
        mapper.class_ is AccessRequest for mapper in state.all_mappers
    ):
        state.session.info[_TOUCHED] = True


def _after_commit(session):
    global _generation
    if session.info.pop(_TOUCHED, False):
        _generation += 1


def _after_rollback(session):
    session.info.pop(_TOUCHED, None)


def watch_changes():
    """Listen for commits that change access requests (every session of the process; once)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("do_orm_execute", _do_orm_execute),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
