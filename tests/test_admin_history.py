"""The audit trail of the back office: field changes before → after, in the change's own transaction; a read-only log."""

import json
from datetime import timedelta

import pytest

from webapp.extensions import db
from webapp.models import Asset, AuditEvent, Project, utcnow

LOG = "/admin/audit-log/"


@pytest.fixture
def office(client, sign_in, admin):
    """A client signed in as the administrator."""
    sign_in.as_user(admin)
    return client


def only_event(action):
    [event] = db.session.query(AuditEvent).filter_by(action=action).all()
    return event


def test_create_records_who_and_the_new_values(office, admin, approved_user):
    office.post(
        "/admin/projects/new/", data={"name": "Kiln", "owner": approved_user.id, "status": "active", "description": ""}
    )
    project = db.session.query(Project).one()
    event = only_event("project.created")
    assert (event.actor_id, event.actor_email, event.target_type, event.target_id) == (
        admin.id,
        admin.email,
        "project",
        str(project.id),
    )
    assert event.ip == "127.0.0.1"
    changes = event.details["changes"]
    assert changes["name"] == {"before": None, "after": "Kiln"}
    assert changes["owner_id"] == {"before": None, "after": approved_user.id}
    assert changes["status"] == {"before": None, "after": "active"}


def test_edit_records_only_the_fields_that_changed(office, make, admin):
    project = make.project(admin, name="Kiln", description="Clay")
    office.post(
        f"/admin/projects/edit/?id={project.id}",
        data={"name": "Kiln", "owner": admin.id, "status": "done", "description": "Stoneware"},
    )
    event = only_event("project.updated")
    assert event.details == {
        "changes": {
            "status": {"before": "draft", "after": "done"},
            "description": {"before": "Clay", "after": "Stoneware"},
        },
        "via": "back office",
    }


def test_a_change_of_owner_records_both_owner_ids(office, make, admin, approved_user):
    project = make.project(admin)
    data = {"name": project.name, "owner": approved_user.id, "status": "draft", "description": project.description}
    office.post(f"/admin/projects/edit/?id={project.id}", data=data)
    assert only_event("project.updated").details["changes"] == {
        "owner_id": {"before": admin.id, "after": approved_user.id}
    }


def test_saving_without_changes_records_nothing(office, make, admin):
    project = make.project(admin)
    data = {"name": project.name, "owner": admin.id, "status": "draft", "description": project.description}
    office.post(f"/admin/projects/edit/?id={project.id}", data=data)
    assert db.session.query(AuditEvent).count() == 0


def test_delete_records_the_values_that_were_lost(office, make, admin):
    project = make.project(admin, name="Kiln")
    project_id, created_at = project.id, project.created_at
    office.post("/admin/projects/delete/", data={"id": project_id})
    event = only_event("project.deleted")
    assert event.target_id == str(project_id)
    assert event.details["changes"]["name"] == {"before": "Kiln", "after": None}
    assert event.details["changes"]["created_at"]["before"] == created_at.isoformat()


def test_batch_delete_records_one_entry_per_row(office, make, admin):
    ids = [make.project(admin).id, make.project(admin).id]
    office.post("/admin/projects/action/", data={"action": "delete", "rowid": ids})
    events = db.session.query(AuditEvent).filter_by(action="project.deleted").order_by(AuditEvent.target_id).all()
    assert [event.target_id for event in events] == [str(ids[0]), str(ids[1])]


def test_a_refused_change_leaves_no_audit_entry(office, admin):
    first, second = (
        Asset(
            owner=admin,
            storage="local",
            key=key,
            url="/uploads/x.png",
            content_type="image/png",
            bytes=1,
            width=1,
            height=1,
        )
        for key in ("one.png", "two.png")
    )
    db.session.add_all([first, second])
    db.session.commit()
    # Another asset is stored under this key: the database refuses the commit (UNIQUE storage, key).
    data = {
        "owner": admin.id,
        "storage": "local",
        "key": "one.png",
        "url": second.url,
        "content_type": "image/png",
        "bytes": 1,
        "width": 1,
        "height": 1,
    }
    response = office.post(f"/admin/assets/edit/?id={second.id}", data=data)
    assert "The database refused this change" in response.get_data(as_text=True)
    assert db.session.get(Asset, second.id).key == "two.png"
    assert db.session.query(AuditEvent).count() == 0


def test_entries_are_plain_json(office, make, admin):
    project = make.project(admin)
    office.post("/admin/projects/delete/", data={"id": project.id})
    stored = db.session.query(AuditEvent).one().details
    assert json.loads(json.dumps(stored)) == stored


def test_status_and_role_changes_are_logged_once_by_the_service(office, approved_user):
    office.post("/admin/users/action/", data={"action": "suspend", "rowid": [approved_user.id]})
    assert [event.action for event in db.session.query(AuditEvent)] == ["user.suspended"]


def test_the_log_lists_entries_newest_first_with_their_changes(office, make, admin):
    project = make.project(admin, name="Kiln")
    office.post(
        f"/admin/projects/edit/?id={project.id}",
        data={"name": "Kiln 2", "owner": admin.id, "status": "draft", "description": project.description},
    )
    office.post("/admin/projects/delete/", data={"id": project.id})
    html = office.get(LOG).get_data(as_text=True)
    assert html.index("project.deleted") < html.index("project.updated")
    assert "<code>name</code>: Kiln → Kiln 2" in html


def test_the_log_links_each_target_to_its_page(office, make, admin):
    project = make.project(admin)
    office.post(
        f"/admin/projects/edit/?id={project.id}",
        data={"name": "New", "owner": admin.id, "status": "draft", "description": project.description},
    )
    html = office.get(LOG).get_data(as_text=True)
    assert f'href="/admin/projects/details/?id={project.id}"' in html


@pytest.fixture
def entries(make, admin, approved_user):
    """Entries by two actors on two kinds of target."""
    old = utcnow() - timedelta(days=10)
    db.session.add_all(
        [
            AuditEvent(
                action="user.suspended",
                actor_id=admin.id,
                actor_email=admin.email,
                target_type="users",
                target_id="7",
                created_at=old,
            ),
            AuditEvent(
                action="project.updated",
                actor_id=approved_user.id,
                actor_email=approved_user.email,
                target_type="project",
                target_id="3",
            ),
        ]
    )
    db.session.commit()


@pytest.mark.parametrize(
    "flt, value, kept, dropped",
    [
        ("flt0_actors_email_equals", "alice@example.com", "project.updated", "user.suspended"),
        ("flt0_action_equals", "user.suspended", "user.suspended", "project.updated"),
        ("flt0_target_type_equals", "users", "user.suspended", "project.updated"),
        ("flt0_target_id_equals", "3", "project.updated", "user.suspended"),
    ],
)
def test_the_log_filters_by_actor_action_and_target(office, entries, flt, value, kept, dropped):
    html = office.get(LOG, query_string={flt: value}).get_data(as_text=True)
    table = html[html.index("model-list") :]
    assert kept in table and dropped not in table


def test_the_log_filters_by_date(office, entries):
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    table = office.get(LOG, query_string={"flt0_when_after": since}).get_data(as_text=True).split("model-list", 1)[1]
    assert "project.updated" in table and "user.suspended" not in table


def test_the_log_exports_csv(office, entries):
    body = office.get(
        "/admin/audit-log/export/csv/", query_string={"flt0_action_equals": "user.suspended"}, buffered=True
    ).get_data(as_text=True)
    assert "user.suspended" in body and "project.updated" not in body


def test_the_log_cannot_be_written_to(office, entries):
    event_id = db.session.query(AuditEvent).first().id
    assert office.get("/admin/audit-log/new/").status_code == 302
    assert office.get(f"/admin/audit-log/edit/?id={event_id}").status_code == 302
    office.post(f"/admin/audit-log/edit/?id={event_id}", data={"action": "forged"})
    office.post("/admin/audit-log/delete/", data={"id": event_id})
    office.post("/admin/audit-log/action/", data={"action": "delete", "rowid": [event_id]})
    assert db.session.query(AuditEvent).count() == 2
    assert db.session.get(AuditEvent, event_id).action != "forged"


def test_the_log_list_has_no_edit_delete_or_selection(office, entries):
    html = office.get(LOG).get_data(as_text=True)
    assert "fa-trash" not in html and "fa-pencil" not in html and "action-checkbox" not in html
