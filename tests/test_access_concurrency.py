"""Decisions taken at the same moment by two administrators on two app instances sharing one database."""

import threading

import pytest
from sqlalchemy import func, select

from webapp import create_app
from webapp.exceptions import Conflict
from webapp.extensions import db
from webapp.models import AccessRequest, AuditEvent, RequestStatus, User
from webapp.services import access
from webapp.services.accounts import Identity, SignInPolicy, sign_in
from webapp.services.mail import Mailer

ROUNDS = 5


@pytest.fixture
def second_app(app, app_config):
    """Another instance of the app (another worker or server) on the same database."""
    other = create_app(app_config)
    yield other
    with other.app_context():
        db.engine.dispose()


def at_once(*jobs):
    """Run each ``(app, job)`` in its own thread and app context, released together by a barrier.

    Each job loads its own rows first, then waits at the barrier, then acts: both sides
    act on what they read before either decided. Returns what each job returned or raised.
    """
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, app, job):
        with app.app_context():
            try:
                results[index] = job(barrier)
            except Exception as error:  # returned, so the test's assertion shows it
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, app, job)) for i, (app, job) in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def decide_job(app, admin_id, request_id, decision):
    def job(barrier):
        admin = db.session.get(User, admin_id)
        access_request = db.session.get(AccessRequest, request_id)
        assert access_request.status == RequestStatus.pending
        barrier.wait(5)
        getattr(access, decision)(access_request, admin, Mailer.from_config(app.config))
        return decision

    return app, job


def test_two_admins_deciding_the_same_request_make_one_decision(app, second_app, make, admin):
    grace = make.user(email="grace@example.com", name="Grace", role="admin", status="approved")
    for _ in range(ROUNDS):
        access_request = make.access_request(make.user(status="pending"))
        results = at_once(
            decide_job(app, admin.id, access_request.id, "approve"),
            decide_job(second_app, grace.id, access_request.id, "reject"),
        )
        decisions = [result for result in results if isinstance(result, str)]
        conflicts = [result for result in results if isinstance(result, Conflict)]
        assert len(decisions) == 1 and len(conflicts) == 1, results
        db.session.expire_all()
        decided = db.session.get(AccessRequest, access_request.id)
        assert decided.status == {"approve": RequestStatus.approved, "reject": RequestStatus.rejected}[decisions[0]]
        assert conflicts[0].message.startswith(f"This request was already {decided.status} by ")
        events = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.target_id == str(access_request.id))
        )
        assert events == 1


def test_the_same_request_sent_twice_at_once_is_recorded_once(app, second_app, make):
    person_id = make.user(status="pending").id

    def ask(app):
        def job(barrier):
            user = db.session.get(User, person_id)
            barrier.wait(5)
            access.request_access(
                user, "Sent from two tabs at once.", access.AccessPolicy(), Mailer.from_config(app.config)
            )
            return "asked"

        return app, job

    results = at_once(ask(app), ask(second_app))
    assert sorted(type(result).__name__ for result in results) == ["Conflict", "str"], results
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 1


def test_the_same_newcomer_signing_in_twice_at_once_gets_one_account(app, second_app):
    def sign_in_job(app):
        def job(barrier):
            barrier.wait(5)
            return sign_in(Identity(email="twin@example.org", sub="twin-sub"), SignInPolicy()).id

        return app, job

    first, second = at_once(sign_in_job(app), sign_in_job(second_app))
    assert isinstance(first, int) and first == second
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def demote_job(app, by_id, target_id, decision):
    def job(barrier):
        by, target = db.session.get(User, by_id), db.session.get(User, target_id)
        assert by.is_admin and target.is_admin
        barrier.wait(5)
        getattr(access, decision)(target, by)
        return decision

    return app, job


@pytest.mark.parametrize("decision", ["revoke_admin", "suspend"])
def test_two_admins_removing_each_other_at_once_leave_an_administrator(app, second_app, make, backend, decision):
    if backend == "sqlite":
        pytest.skip("SQLite has no row locks; it is for one developer's machine, PostgreSQL for production")
    for _ in range(ROUNDS):
        ada, grace = (make.user(role="admin", status="approved") for _ in range(2))
        results = at_once(
            demote_job(app, ada.id, grace.id, decision), demote_job(second_app, grace.id, ada.id, decision)
        )
        assert sorted(type(result).__name__ for result in results) == ["Forbidden", "str"], results
        db.session.expire_all()
        assert sum(db.session.get(User, person.id).is_admin for person in (ada, grace)) == 1
