"""Decisions on people (suspend, reinstate, promote, demote) and the audit entry each one writes."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from webapp.exceptions import Conflict, Forbidden
from webapp.extensions import db
from webapp.models import AccessRequest, AccountStatus, AuditEvent, RequestStatus, Role, User
from webapp.services import access
from webapp.services.mail import Mailer


@pytest.fixture
def mail(app):
    """The app's mailer (no MAIL_SERVER in tests: messages go to the log)."""
    return Mailer.from_config(app.config)


def fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_suspension_signs_the_person_out_everywhere(admin, approved_user):
    version = approved_user.session_version
    access.suspend(approved_user, admin, note="Left the company")
    user = fresh(approved_user)
    assert user.status == AccountStatus.suspended
    assert user.session_version == version + 1


def test_reinstatement_gives_access_back(admin, make):
    person = make.user(status="suspended")
    access.reinstate(person, admin)
    assert fresh(person).status == AccountStatus.approved


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended"])
def test_only_approved_accounts_can_be_suspended(admin, make, status):
    person = make.user(status=status)
    with pytest.raises(Conflict, match=f"this one is {status}"):
        access.suspend(person, admin)


def test_only_suspended_accounts_can_be_reinstated(admin, approved_user):
    with pytest.raises(Conflict, match="this one is approved"):
        access.reinstate(approved_user, admin)


def test_promotion_makes_an_approved_user_an_administrator(admin, approved_user):
    access.make_admin(approved_user, admin)
    assert fresh(approved_user).is_admin


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended"])
def test_only_approved_accounts_can_be_promoted(admin, make, status):
    with pytest.raises(Conflict, match=f"this one is {status}"):
        access.make_admin(make.user(status=status), admin)


def test_promoting_an_administrator_again_is_a_conflict(admin, make):
    with pytest.raises(Conflict, match="already an administrator"):
        access.make_admin(make.user(role="admin"), admin)


def test_demotion_takes_the_role_and_signs_the_person_out(admin, make):
    other = make.user(role="admin")
    access.revoke_admin(other, admin)
    other = fresh(other)
    assert (other.role, other.status, other.session_version) == (Role.user, AccountStatus.approved, 2)


def test_demoting_someone_who_is_not_an_administrator_is_a_conflict(admin, approved_user):
    with pytest.raises(Conflict, match="not an administrator"):
        access.revoke_admin(approved_user, admin)


def test_nobody_suspends_themselves(admin, make):
    make.user(role="admin")
    with pytest.raises(Conflict, match="your own account"):
        access.suspend(admin, admin)
    assert fresh(admin).status == AccountStatus.approved


def test_nobody_demotes_themselves(admin, make):
    make.user(role="admin")
    with pytest.raises(Conflict, match="your own administrator role"):
        access.revoke_admin(admin, admin)
    assert fresh(admin).is_admin


def test_suspending_another_administrator_leaves_the_deciding_one(admin, make):
    other = make.user(role="admin")
    access.suspend(other, admin)
    assert fresh(other).status == AccountStatus.suspended and fresh(admin).is_admin


@pytest.mark.parametrize("decide", ["suspend", "reinstate", "make_admin", "revoke_admin"])
def test_only_administrators_decide_on_people(make, decide):
    ordinary = make.user(status="approved")
    target = make.user(
        role="admin" if decide == "revoke_admin" else "user",
        status="suspended" if decide == "reinstate" else "approved",
    )
    with pytest.raises(Forbidden):
        getattr(access, decide)(target, ordinary)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_demoted_administrator_can_no_longer_decide(admin, make):
    other = make.user(role="admin")
    access.revoke_admin(other, admin)
    with pytest.raises(Forbidden):
        access.suspend(admin, other)  # `other` still holds a stale object saying "admin"


DECISIONS = {
    "approve": ("access.approved", lambda w: access.approve(w.request, w.admin, w.mail)),
    "reject": ("access.rejected", lambda w: access.reject(w.request, w.admin, w.mail, note="No.")),
    "suspend": ("user.suspended", lambda w: access.suspend(w.approved, w.admin)),
    "reinstate": ("user.reinstated", lambda w: access.reinstate(w.suspended, w.admin)),
    "make_admin": ("user.made_admin", lambda w: access.make_admin(w.approved, w.admin)),
    "revoke_admin": ("user.admin_revoked", lambda w: access.revoke_admin(w.other_admin, w.admin)),
}


class World:
    """One person in each state a decision starts from."""

    def __init__(self, make, admin, mail):
        self.admin, self.mail = admin, mail
        self.request = make.access_request(make.user(status="pending"))
        self.approved = make.user(status="approved")
        self.suspended = make.user(status="suspended")
        self.other_admin = make.user(role="admin")


@pytest.mark.parametrize("name", DECISIONS)
def test_every_decision_writes_one_audit_event(make, admin, mail, name):
    action, decide = DECISIONS[name]
    decide(World(make, admin, mail))
    (event,) = db.session.scalars(select(AuditEvent)).all()
    assert (event.action, event.actor_id, event.actor_email) == (action, admin.id, admin.email)


@pytest.fixture
def refuse_writes(backend):
    """``refuse_writes(table)`` makes the database reject every UPDATE/INSERT on ``table`` (a real trigger)."""
    made = []

    def install(table, operation):
        name = f"refuse_{operation.lower()}_{table}"
        if backend == "postgresql":
            db.session.execute(
                text(
                    f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$ LANGUAGE plpgsql"
                )
            )
            db.session.execute(
                text(f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
            )
        else:
            db.session.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
                )
            )
        db.session.commit()
        made.append((name, table))

    yield install
    db.session.rollback()
    for name, table in made:
        db.session.execute(
            text(f"DROP TRIGGER {name} ON {table}" if backend == "postgresql" else f"DROP TRIGGER {name}")
        )
        if backend == "postgresql":
            db.session.execute(text(f"DROP FUNCTION {name}()"))
    db.session.commit()


@pytest.mark.parametrize("name", DECISIONS)
def test_a_decision_whose_commit_fails_leaves_no_audit_event(make, admin, mail, refuse_writes, name):
    world = World(make, admin, mail)
    refuse_writes("users", "UPDATE")  # the account change is flushed at commit
    with pytest.raises(DBAPIError, match="refused by test"):
        DECISIONS[name][1](world)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert db.session.get(AccessRequest, world.request.id).status == RequestStatus.pending


def test_a_decision_whose_audit_entry_fails_is_not_saved(make, admin, mail, refuse_writes):
    world = World(make, admin, mail)
    refuse_writes("audit_event", "INSERT")
    with pytest.raises(DBAPIError, match="refused by test"):
        access.approve(world.request, admin, mail)
    db.session.rollback()
    assert db.session.get(AccessRequest, world.request.id).status == RequestStatus.pending
    assert fresh(world.request.user).status == AccountStatus.pending
