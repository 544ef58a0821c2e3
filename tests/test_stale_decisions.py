"""Decisions that no longer apply: a request whose account was settled another way is closed, never decided.

Issue 16: after `flask create-admin` promoted a waiting person, deciding their old request
set the account's status unconditionally (it could demote an administrator, or reinstate a
suspended person). Every status change now closes the person's open requests, and a decision
on a request whose account is no longer waiting is a conflict that changes nothing.
"""

import pytest
from sqlalchemy import select

from tests.plugins.accounts import SignIn
from webapp.exceptions import Conflict
from webapp.extensions import db
from webapp.models import AccessRequest, AccountStatus, AuditEvent, RequestStatus, Role, User
from webapp.services import access
from webapp.services.mail import Mailer

# Accounts settled while their request stayed open (as older versions left them).
STALE = {
    "administrator": {"role": "admin", "status": "approved"},
    "approved": {"status": "approved"},
    "suspended": {"status": "suspended"},
}


@pytest.fixture
def mail(app):
    return Mailer.from_config(app.config)


@pytest.fixture(params=sorted(STALE))
def stale(request, make):
    """A request still open although its author's account is no longer waiting."""
    person = make.user(email="stale@example.org", **STALE[request.param])
    return make.access_request(person)


def unchanged(stale_request, role, status):
    """The request is still open and the account as it was; no decision was audited."""
    db.session.expire_all()
    row = db.session.get(AccessRequest, stale_request.id)
    person = db.session.get(User, row.user_id)
    assert row.status == RequestStatus.pending and row.decided_by_id is None
    assert (person.role, person.status) == (role, status)
    decisions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("access.%"))).all()
    assert decisions == []


@pytest.mark.parametrize("decide", [access.approve, access.reject])
def test_deciding_for_an_account_no_longer_waiting_is_a_conflict_that_changes_nothing(admin, stale, mail, decide):
    role, status = stale.user.role, stale.user.status
    with pytest.raises(Conflict, match="stale@example.org is no longer waiting for a decision"):
        decide(stale, admin, mail)
    unchanged(stale, role, status)


def test_the_queue_says_why_and_changes_nothing(client, sign_in, admin, stale):
    role, status = stale.user.role, stale.user.status
    sign_in.as_user(admin)
    response = client.post(f"/access/queue/{stale.id}/reject")
    assert response.status_code == 302
    page = client.get("/access/queue").get_data(as_text=True)
    assert "stale@example.org is no longer waiting for a decision" in page
    unchanged(stale, role, status)


def test_the_queue_fragment_says_why_too(client, sign_in, admin, stale):
    sign_in.as_user(admin)
    response = client.post(f"/access/queue/{stale.id}/approve", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "no longer waiting" in response.headers["HX-Trigger"]


def test_the_api_answers_409(api, admin, stale):
    role, status = stale.user.role, stale.user.status
    response = api(admin).post(f"/api/v1/access-requests/{stale.id}/approve", json={})
    assert response.status_code == 409
    assert "no longer waiting for a decision" in response.get_json()["error"]["message"]
    unchanged(stale, role, status)


def test_the_back_office_says_why_and_changes_nothing(client, sign_in, admin, stale):
    role, status = stale.user.role, stale.user.status
    sign_in.as_user(admin)
    response = client.post(
        "/admin/access-requests/decide/", data={"decision": "reject", "rowid": [str(stale.id)], "note": ""}
    )
    assert response.status_code == 302
    page = client.get("/admin/access-requests/").get_data(as_text=True)
    assert "stale@example.org: stale@example.org is no longer waiting for a decision" in page
    unchanged(stale, role, status)


def test_create_admin_closes_the_persons_open_request(app, runner, make, admin):
    person = make.user(email="ops@example.org", status="pending")
    open_request = make.access_request(person)
    assert runner.invoke(args=["create-admin", "ops@example.org"]).exit_code == 0
    db.session.expire_all()
    closed = db.session.get(AccessRequest, open_request.id)
    assert closed.status == RequestStatus.approved
    assert closed.decision_note == "Closed: made an administrator with flask create-admin."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.closed"))
    assert event.details == {
        "requests": [open_request.id],
        "outcome": "approved",
        "why": "made an administrator with flask create-admin",
    }
    office = app.test_client()
    SignIn(office).as_user(admin)
    assert "ops@example.org" not in office.get("/access/queue").get_data(as_text=True)
    assert db.session.get(User, person.id).is_admin


def test_suspension_closes_an_open_request_as_rejected(admin, make):
    person = make.user(email="left@example.org", status="approved")
    open_request = make.access_request(person)
    access.suspend(person, admin)
    db.session.expire_all()
    closed = db.session.get(AccessRequest, open_request.id)
    assert (closed.status, closed.decided_by_id) == (RequestStatus.rejected, admin.id)
    assert closed.decision_note == "Closed: the account was suspended."


def test_reinstatement_closes_an_open_request_as_approved(admin, make):
    person = make.user(email="back@example.org", status="suspended")
    open_request = make.access_request(person)
    access.reinstate(person, admin)
    db.session.expire_all()
    assert db.session.get(AccessRequest, open_request.id).status == RequestStatus.approved
    assert db.session.get(User, person.id).status == AccountStatus.approved


def test_a_waiting_persons_request_is_still_decided_as_before(admin, make, mail):
    person = make.user(email="nina@example.org", status="pending")
    open_request = make.access_request(person)
    access.approve(open_request, admin, mail)
    db.session.expire_all()
    assert db.session.get(User, person.id).status == AccountStatus.approved
    assert db.session.get(User, person.id).role == Role.user
