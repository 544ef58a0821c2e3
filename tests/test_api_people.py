"""The API's people and access: the approval queue's decisions, accounts, settings and status, under the pages' rules."""

import pytest
from sqlalchemy import select

from tests.plugins.api import make_key
from tests.test_migrations import current_head
from webapp.extensions import db
from webapp.models import AccessRequest, AccountStatus, AuditEvent, Role, User


@pytest.fixture
def waiting(make, pending_user):
    """A pending person's access request."""
    return make.access_request(pending_user)


def test_the_queue_lists_pending_requests_oldest_first(api, admin, make, waiting):
    later = make.access_request(make.user(status="pending"))
    response = api(admin).get("/api/v1/access-requests")
    assert response.status_code == 200
    assert [row["id"] for row in response.get_json()["data"]] == [waiting.id, later.id]
    assert response.get_json()["data"][0]["user"]["email"] == "newcomer@example.com"


def test_the_queue_is_403_for_an_approved_non_administrator(api, approved_user, waiting):
    assert api(approved_user).get("/api/v1/access-requests").status_code == 403


def test_an_unknown_status_filter_is_422(api, admin):
    assert api(admin).get("/api/v1/access-requests?status=maybe").status_code == 422


def test_approving_a_request_approves_its_author_and_is_audited(api, admin, waiting, pending_user):
    response = api(admin).post(f"/api/v1/access-requests/{waiting.id}/approve", json={"note": "Welcome"})
    assert response.status_code == 200
    assert response.get_json()["data"]["decision_note"] == "Welcome"
    assert db.session.get(User, pending_user.id).status == AccountStatus.approved
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "access.approved"))


def test_a_decision_without_a_body_is_accepted(api, admin, waiting):
    assert api(admin).post(f"/api/v1/access-requests/{waiting.id}/reject").status_code == 200


def test_deciding_a_decided_request_is_409(api, admin, waiting):
    caller = api(admin)
    assert caller.post(f"/api/v1/access-requests/{waiting.id}/reject", json={}).status_code == 200
    response = caller.post(f"/api/v1/access-requests/{waiting.id}/approve", json={})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    assert db.session.get(AccessRequest, waiting.id).status == "rejected"


def test_an_unknown_request_is_404(api, admin):
    assert api(admin).post("/api/v1/access-requests/999/approve", json={}).status_code == 404


def test_a_note_that_is_too_long_is_422(api, admin, waiting):
    response = api(admin).post(f"/api/v1/access-requests/{waiting.id}/approve", json={"note": "x" * 1001})
    assert response.status_code == 422
    assert db.session.get(AccessRequest, waiting.id).status == "pending"


def test_a_reason_that_is_too_short_is_422(api, make, app):
    from webapp.services import credentials

    newcomer = make.user(status="pending")
    token = credentials.issue_token(newcomer, app.secret_key)
    response = api(token).post("/api/v1/access-requests", json={"reason": "short"})
    assert response.status_code == 422


def test_administrators_list_accounts_by_status(api, admin, make):
    make.user(email="s@example.com", status="suspended")
    rows = api(admin).get("/api/v1/users?status=suspended").get_json()["data"]
    assert [row["email"] for row in rows] == ["s@example.com"]


def test_the_accounts_list_is_403_for_an_approved_non_administrator(api, approved_user):
    assert api(approved_user).get("/api/v1/users").status_code == 403


def test_suspending_someone_stops_their_key_at_once(api, admin, approved_user):
    their_key = make_key(approved_user)
    response = api(admin).post(f"/api/v1/users/{approved_user.id}/suspend", json={"note": "Left the team"})
    assert response.status_code == 200 and response.get_json()["data"]["status"] == "suspended"
    assert api(their_key).get("/api/v1/me").status_code == 401


def test_an_administrator_cannot_suspend_themselves(api, admin):
    response = api(admin).post(f"/api/v1/users/{admin.id}/suspend")
    assert response.status_code == 409
    assert db.session.get(User, admin.id).status == AccountStatus.approved


def test_the_last_administrator_role_cannot_be_revoked(api, admin, make):
    other = make.user(role="admin")
    caller = api(other)
    assert caller.post(f"/api/v1/users/{admin.id}/revoke-admin").status_code == 200
    assert api(admin).get("/api/v1/users").status_code == 403  # demoted: an ordinary key now
    assert caller.post(f"/api/v1/users/{other.id}/revoke-admin").status_code == 409


def test_make_admin_and_reinstate_go_through_the_rules(api, admin, make):
    person = make.user(status="suspended")
    caller = api(admin)
    assert caller.post(f"/api/v1/users/{person.id}/make-admin").status_code == 409
    assert caller.post(f"/api/v1/users/{person.id}/reinstate").status_code == 200
    assert caller.post(f"/api/v1/users/{person.id}/make-admin").status_code == 200
    assert db.session.get(User, person.id).role == Role.admin


def test_settings_are_read_changed_and_reset(api, approved_user):
    caller = api(approved_user)
    assert caller.get("/api/v1/settings").get_json()["data"] == {"page_size": 25, "theme": "system", "time_zone": "UTC"}
    changed = caller.put("/api/v1/settings", json={"theme": "dark"})
    assert changed.status_code == 200 and changed.get_json()["data"] == {
        "page_size": 25,
        "theme": "dark",
        "time_zone": "UTC",
    }
    assert caller.post("/api/v1/settings/reset").get_json()["data"]["theme"] == "system"


def test_the_time_zone_is_changed_kept_with_the_other_settings_and_reset(api, approved_user):
    caller = api(approved_user)
    changed = caller.put("/api/v1/settings", json={"time_zone": "Europe/Paris", "page_size": 50})
    assert changed.status_code == 200
    assert changed.get_json()["data"] == {"page_size": 50, "theme": "system", "time_zone": "Europe/Paris"}
    assert caller.put("/api/v1/settings", json={"theme": "dark"}).get_json()["data"]["time_zone"] == "Europe/Paris"
    assert db.session.get(User, approved_user.id).settings["time_zone"] == "Europe/Paris"
    assert caller.post("/api/v1/settings/reset").get_json()["data"]["time_zone"] == "UTC"


@pytest.mark.parametrize(
    "payload",
    [
        {"page_size": 7},
        {"theme": "neon"},
        {"font": "serif"},
        {"page_size": "x"},
        {"theme": "dark", "time_zone": "Mars/Olympus"},
        {"time_zone": "europe/paris"},
        {"time_zone": "Europe/Paris\u0000"},
        {"page_size": 50, "time_zone": ["UTC"]},
        {"time_zone": None},
        {"time_zone": "Europe/Paris", "theme": "neon"},
    ],
)
def test_invalid_settings_are_422_and_change_nothing(api, approved_user, payload):
    response = api(approved_user).put("/api/v1/settings", json=payload)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) <= {"page_size", "theme", "time_zone", "font"}
    assert db.session.get(User, approved_user.id).settings == {}


def test_status_says_the_database_answers_and_its_migration(client):
    data = client.get("/api/v1/status").get_json()["data"]
    assert data["database"] is True and data["migration"] == current_head()


@pytest.mark.parametrize("path", ["/api/v1/access-requests", "/api/v1/users"])
def test_queue_and_account_lists_use_at_most_three_statements(api, admin, make, count_queries, path):
    caller = api(admin)
    for count in (2, 30):
        for _ in range(count):
            make.access_request(make.user(status="pending"))
        caller.get(path)  # the key's first use is noted once a minute; count a steady request
        with count_queries() as counter:
            assert caller.get(f"{path}?limit=100").status_code == 200
        assert counter.count <= 3, counter.statements


def account(user_id):
    """The account's (status, role) as stored now."""
    db.session.expire_all()
    person = db.session.get(User, user_id)
    return person.status, person.role


def audited():
    return db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("user.%"))).all()


def send(caller, path, data, content_type):
    return caller.client.post(path, data=data, headers={**caller.headers, "Content-Type": content_type}, csrf=False)


# Black-box sweep F3: these actions never read their body, so any body (text, broken JSON) was accepted and acted on.
@pytest.mark.parametrize(
    "data, content_type, status",
    [
        ("hello", "text/plain", 415),
        ("{garbage", "application/json", 400),
        ("[]", "application/json", 400),
        ('{"notes": "typo"}', "application/json", 422),
        ("note=hi", "application/x-www-form-urlencoded", 415),
    ],
)
@pytest.mark.parametrize(
    "action, starting",
    [("make-admin", "approved"), ("revoke-admin", "approved"), ("reinstate", "suspended"), ("suspend", "approved")],
)
def test_an_account_action_with_a_bad_body_changes_nothing(
    api, admin, make, data, content_type, status, action, starting
):
    person = make.user(status=starting, role="admin" if action == "revoke-admin" else "user")
    before = account(person.id)
    response = send(api(admin), f"/api/v1/users/{person.id}/{action}", data, content_type)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["success"] is False
    if status == 422:
        assert response.get_json()["error"]["details"] == {"notes": ["This field does not exist or cannot be set."]}
    assert account(person.id) == before and audited() == []


@pytest.mark.parametrize("action", ["make-admin", "revoke-admin", "reinstate"])
def test_an_account_action_without_inputs_refuses_a_note(api, admin, make, action):
    person = make.user(status="suspended" if action == "reinstate" else "approved", role="admin")
    before = account(person.id)
    response = api(admin).post(f"/api/v1/users/{person.id}/{action}", json={"note": "why"})
    assert response.status_code == 422 and set(response.get_json()["error"]["details"]) == {"note"}
    assert account(person.id) == before and audited() == []


@pytest.mark.parametrize("payload", [None, {}])
def test_an_account_action_takes_no_body_or_an_empty_object(api, admin, make, payload):
    person = make.user(status="approved")
    response = api(admin).post(f"/api/v1/users/{person.id}/make-admin", json=payload)
    assert response.status_code == 200 and response.get_json()["data"]["is_admin"] is True
    assert account(person.id) == (AccountStatus.approved, Role.admin)


def test_an_oversized_body_on_an_account_action_is_413(app, api, admin, make):
    person = make.user(status="approved")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = send(api(admin), f"/api/v1/users/{person.id}/make-admin", "{}" + " " * 4096, "application/json")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert account(person.id) == (AccountStatus.approved, Role.user)


# Black-box sweep F3: a misspelt member was ignored (the account was suspended, the note lost).
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decision_with_an_unknown_member_is_422_and_decides_nothing(api, admin, waiting, pending_user, decision):
    response = api(admin).post(f"/api/v1/access-requests/{waiting.id}/{decision}", json={"notes": "typo"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"notes": ["This field does not exist or cannot be set."]}
    assert db.session.get(AccessRequest, waiting.id).status == "pending"
    assert account(pending_user.id)[0] == AccountStatus.pending


def test_a_decision_with_a_text_body_is_415(api, admin, waiting):
    response = send(api(admin), f"/api/v1/access-requests/{waiting.id}/approve", "yes", "text/plain")
    assert response.status_code == 415
    assert db.session.get(AccessRequest, waiting.id).status == "pending"


def test_asking_for_access_with_an_unknown_member_is_422(api, make, app):
    from webapp.services import credentials

    newcomer = make.user(status="pending")
    token = credentials.issue_token(newcomer, app.secret_key)
    response = api(token).post("/api/v1/access-requests", json={"reason": "I review our specifications.", "urgent": 1})
    assert response.status_code == 422 and set(response.get_json()["error"]["details"]) == {"urgent"}
    assert db.session.scalars(select(AccessRequest)).all() == []


# Black-box sweep F7h: a reason or note refused by the rules came back with empty details.
def test_a_reason_refused_by_the_rules_is_named_in_details(api, make, app):
    from webapp.services import credentials

    newcomer = make.user(status="pending")
    token = credentials.issue_token(newcomer, app.secret_key)
    response = api(token).post("/api/v1/access-requests", json={"reason": "short"})
    assert response.status_code == 422 and list(response.get_json()["error"]["details"]) == ["reason"]
    assert db.session.scalars(select(AccessRequest)).all() == []


@pytest.mark.parametrize("note", ["x" * 1001, "bell \u0007"])
def test_a_note_refused_by_the_rules_is_named_in_details(api, admin, make, waiting, note):
    person = make.user(status="approved")
    caller = api(admin)
    for path in (f"/api/v1/access-requests/{waiting.id}/approve", f"/api/v1/users/{person.id}/suspend"):
        response = caller.post(path, json={"note": note})
        assert response.status_code == 422 and list(response.get_json()["error"]["details"]) == ["note"], path
    assert db.session.get(AccessRequest, waiting.id).status == "pending"
    assert account(person.id)[0] == AccountStatus.approved


# Black-box sweep F3: the reset never read its body (a 20 MB body, or text, still reset every setting).
@pytest.mark.parametrize(
    "data, content_type, status",
    [
        ("hello", "text/plain", 415),
        ("{garbage", "application/json", 400),
        ('{"theme": "system"}', "application/json", 422),
    ],
)
def test_a_settings_reset_with_a_bad_body_keeps_the_settings(api, approved_user, data, content_type, status):
    caller = api(approved_user)
    assert caller.put("/api/v1/settings", json={"theme": "dark", "page_size": 50}).status_code == 200
    response = send(caller, "/api/v1/settings/reset", data, content_type)
    assert response.status_code == status and response.get_json()["success"] is False
    db.session.expire_all()
    assert db.session.get(User, approved_user.id).settings == {"theme": "dark", "page_size": 50, "time_zone": "UTC"}


def test_an_oversized_settings_reset_is_413_and_keeps_the_settings(app, api, approved_user):
    caller = api(approved_user)
    assert caller.put("/api/v1/settings", json={"theme": "dark"}).status_code == 200
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = send(caller, "/api/v1/settings/reset", "{}" + " " * 4096, "application/json")
    assert response.status_code == 413
    db.session.expire_all()
    assert db.session.get(User, approved_user.id).settings["theme"] == "dark"


# Black-box sweep F7f: page_size is a number in the document, yet "50" and " 50 " were stored.
@pytest.mark.parametrize("value", ["50", " 50 ", 50.0, True])
def test_a_page_size_that_is_not_a_json_integer_is_422(api, approved_user, value):
    response = api(approved_user).put("/api/v1/settings", json={"page_size": value, "theme": "dark"})
    assert response.status_code == 422 and list(response.get_json()["error"]["details"]) == ["page_size"]
    assert db.session.get(User, approved_user.id).settings == {}


# Black-box sweep F1: a setting named with a lone surrogate made the 422 fail to encode (500).
def test_a_setting_named_with_a_lone_surrogate_is_422_naming_it(api, approved_user):
    caller = api(approved_user)
    response = caller.client.put(
        "/api/v1/settings",
        data='{"\\udc00": 1, "theme": "dark"}',
        headers={**caller.headers, "Content-Type": "application/json"},
        csrf=False,
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"\\udc00": ["This setting does not exist."]}
    assert db.session.get(User, approved_user.id).settings == {}
