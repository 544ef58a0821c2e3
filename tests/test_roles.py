"""Approvers decide access requests and nothing else; auditors read the back office and change nothing."""

import pytest
from flask import current_app
from sqlalchemy import select

from tests.plugins.accounts import SignIn
from tests.plugins.client import TestClient
from webapp import create_app
from webapp.exceptions import Conflict, Forbidden
from webapp.extensions import db
from webapp.models import AccountStatus, AuditEvent, OutboxMessage, Role, User
from webapp.services import access
from webapp.services.mail import Mailer


@pytest.fixture
def approver(make):
    return make.user(email="april@example.com", name="April", role="approver", status="approved")


@pytest.fixture
def auditor(make):
    return make.user(email="audrey@example.com", name="Audrey", role="auditor", status="approved")


def client_for(app, user):
    client = app.test_client()
    SignIn(client).as_user(user)
    return client


# Giving roles


def test_an_administrator_gives_and_takes_the_new_roles_and_each_change_is_audited(app, admin, approved_user):
    office = client_for(app, admin)
    for action, role in (("make_approver", Role.approver), ("make_auditor", Role.auditor), ("make_user", Role.user)):
        office.post("/admin/users/action/", data={"action": action, "rowid": str(approved_user.id)})
        db.session.refresh(approved_user)
        assert approved_user.role == role
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.role_changed")).all()
    assert [(e.details["from"], e.details["to"]) for e in changes] == [
        ("user", "approver"),
        ("approver", "auditor"),
        ("auditor", "user"),
    ]


def test_making_and_revoking_an_administrator_is_audited_before_and_after(make, admin, approver):
    access.make_admin(approver, admin)
    access.revoke_admin(approver, admin)
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(("user.made_admin", "user.admin_revoked")))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.details) for e in events] == [
        ("user.made_admin", {"from": "approver", "to": "admin"}),
        ("user.admin_revoked", {"from": "admin", "to": "user"}),
    ]


def test_the_rules_on_people_cover_the_new_roles(make, admin):
    other_admin = make.user(email="grace@example.com", role="admin", status="approved")
    with pytest.raises(Conflict, match="your own role"):
        access.set_role(admin, Role.auditor, admin)
    access.set_role(other_admin, Role.auditor, admin)
    db.session.refresh(other_admin)
    with pytest.raises(Forbidden):
        access.set_role(admin, Role.user, other_admin)  # an auditor changes nothing
    pending = make.user(status="pending")
    with pytest.raises(Conflict, match="Only approved accounts"):
        access.set_role(pending, Role.approver, admin)


def test_leaving_the_administrator_role_signs_out_everywhere(make, admin):
    second = make.user(email="grace@example.com", role="admin", status="approved")
    version = second.session_version
    access.set_role(second, Role.auditor, admin)
    assert second.session_version == version + 1


def test_an_approver_suspends_nobody_and_an_administrator_suspends_approvers(approver, auditor, admin):
    with pytest.raises(Forbidden):
        access.suspend(auditor, approver)
    access.suspend(approver, admin)
    assert approver.status == AccountStatus.suspended


# Approvers


def test_an_approver_decides_in_the_queue_and_the_person_is_told(app, approver, pending_user, make):
    request = make.access_request(pending_user)
    queue = client_for(app, approver)
    page = queue.get("/access/queue").get_data(as_text=True)
    assert pending_user.email in page and "Approvals" in page
    assert queue.post(f"/access/queue/{request.id}/approve").status_code == 302
    db.session.refresh(pending_user)
    assert pending_user.status == AccountStatus.approved
    decided = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.approved")).one()
    assert decided.actor_id == approver.id
    assert db.session.scalars(select(OutboxMessage.recipients)).all() == [[pending_user.email]]


def test_an_approver_is_told_of_new_requests_like_the_administrators(app, approver, admin, pending_user):
    access.request_access(
        pending_user, "I review the warehouse plans.", access.AccessPolicy(), Mailer.from_config(current_app.config)
    )
    assert db.session.scalars(select(OutboxMessage.recipients)).one() == [admin.email, approver.email]


def test_an_approver_decides_in_the_back_office_list_but_cannot_delete(app, approver, pending_user, make):
    request = make.access_request(pending_user)
    office = client_for(app, approver)
    assert office.get("/admin/").location.endswith("/admin/access-requests/")
    page = office.get("/admin/access-requests/").get_data(as_text=True)
    assert pending_user.email in page and 'value="approve"' in page and "delete" not in page.lower().split("<table")[1]
    form = {"action": "delete", "rowid": str(request.id)}
    assert office.post("/admin/access-requests/action/", data=form).status_code == 403
    answer = office.post("/admin/access-requests/decide/", data={"decision": "reject", "rowid": str(request.id)})
    assert answer.status_code == 302
    db.session.refresh(pending_user)
    assert pending_user.status == AccountStatus.rejected


def test_an_approvers_navigation_offers_the_queue_and_no_more(app, approver):
    nav = client_for(app, approver).get("/settings/").get_data(as_text=True)
    assert 'href="/access/queue"' in nav and 'href="/admin/"' in nav  # the back office link opens the requests list
    assert client_for(app, approver).get("/admin/users/").status_code == 403


# Auditors


def test_an_auditor_reads_the_back_office_without_a_way_to_change_it(app, auditor, approved_user, make):
    make.project(approved_user, name="Readable")
    office = client_for(app, auditor)
    projects = office.get("/admin/projects/").get_data(as_text=True)
    assert "Readable" in projects and "read-only" in projects
    assert "/admin/projects/new/" not in projects and "/admin/projects/edit/" not in projects
    assert 'name="action"' not in projects  # no bulk actions, no one-click buttons
    users = office.get("/admin/users/").get_data(as_text=True)
    assert approved_user.email in users and "Suspend" not in users
    assert office.get("/admin/audit-log/").status_code == 200
    settings = office.get("/admin/site/").get_data(as_text=True)
    assert '<fieldset class="card mb-4" disabled>' in settings and "Save settings" not in settings


def test_every_write_an_auditor_tries_is_403(app, auditor, approved_user, make):
    project = make.project(approved_user)
    office = client_for(app, auditor)
    assert office.post(f"/admin/projects/delete/?id={project.id}").status_code == 403
    assert office.get(f"/admin/projects/edit/?id={project.id}").status_code == 403
    assert (
        office.post("/admin/users/action/", data={"action": "suspend", "rowid": str(approved_user.id)}).status_code
        == 403
    )
    assert office.post("/admin/site/", data={"site_name": "Hijacked"}).status_code == 403
    assert office.post("/admin/invitations/link/", data={"role": "admin"}).status_code == 403
    assert office.get("/access/queue").status_code == 403
    db.session.refresh(approved_user)
    assert approved_user.status == AccountStatus.approved


# At the next request, on every worker


def test_a_role_change_applies_at_the_next_request_on_another_instance(app, admin, approver):
    other = create_app(dict(app.config))
    other.test_client_class = TestClient
    with other.app_context():
        queue = client_for(other, db.session.get(User, approver.id))
        assert queue.get("/access/queue").status_code == 200
    access.set_role(approver, Role.user, admin)
    with other.app_context():
        assert queue.get("/access/queue").status_code == 403
        db.session.remove()
        db.engine.dispose()
