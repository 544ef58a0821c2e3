"""The Users page: find people, correct names, and change status or role only through the access rules."""

import pytest

from webapp.extensions import db
from webapp.models import AuditEvent, User

USERS = "/admin/users/"
ACTION = "/admin/users/action/"


@pytest.fixture
def office(client, sign_in, admin):
    """A client signed in as the administrator."""
    sign_in.as_user(admin)
    return client


def act(office, action, *users):
    """Run a batch action on ``users`` from the list, and follow back to it."""
    data = {"action": action, "rowid": [str(user.id) for user in users], "url": USERS}
    return office.post(ACTION, data=data, follow_redirects=True)


def events(action):
    return db.session.query(AuditEvent).filter_by(action=action).all()


def test_list_shows_people_with_role_and_status(office, admin, approved_user, pending_user):
    response = office.get(USERS)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "alice@example.com" in html and "newcomer@example.com" in html
    assert html.index("newcomer@example.com") < html.index("alice@example.com")  # newest first


def test_search_matches_email_and_name(office, make):
    make.user(email="grace@example.com", name="Grace Hopper")
    make.user(email="linus@example.com", name="Linus")
    by_name = office.get(USERS, query_string={"search": "hopper"}).get_data(as_text=True)
    by_email = office.get(USERS, query_string={"search": "linus@"}).get_data(as_text=True)
    assert "grace@example.com" in by_name and "linus@example.com" not in by_name
    assert "linus@example.com" in by_email and "grace@example.com" not in by_email


@pytest.mark.parametrize(
    "flt, value, shown, hidden",
    [
        ("flt0_status_equals", "pending", "newcomer@example.com", "alice@example.com"),
        ("flt0_role_equals", "admin", "admin@example.com", "alice@example.com"),
    ],
)
def test_filters_by_status_and_role(office, approved_user, pending_user, flt, value, shown, hidden):
    html = office.get(USERS, query_string={flt: value}).get_data(as_text=True)
    assert shown in html and hidden not in html


def test_export_is_a_csv_of_the_filtered_list(office, approved_user, pending_user):
    response = office.get("/admin/users/export/csv/", query_string={"flt0_status_equals": "pending"}, buffered=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "newcomer@example.com" in body and "alice@example.com" not in body
    assert "session_version" not in body.lower() and "Session Version" not in body


def test_edit_changes_the_name_and_nothing_else(office, approved_user):
    response = office.post(
        f"/admin/users/edit/?id={approved_user.id}",
        data={"name": "Alice Liddell", "role": "admin", "status": "suspended", "email": "evil@example.com"},
    )
    user = db.session.get(User, approved_user.id)
    assert response.status_code == 302
    assert (user.name, user.role, user.status, user.email) == ("Alice Liddell", "user", "approved", "alice@example.com")
    [event] = events("user.updated")
    assert event.details["changes"] == {"name": {"before": "Alice", "after": "Alice Liddell"}}


def test_edit_form_offers_only_the_name(office, approved_user):
    html = office.get(f"/admin/users/edit/?id={approved_user.id}").get_data(as_text=True)
    assert 'name="name"' in html
    assert 'name="role"' not in html and 'name="status"' not in html


def test_users_cannot_be_created_or_deleted_here(office, approved_user):
    assert office.get("/admin/users/new/").status_code == 302
    office.post("/admin/users/delete/", data={"id": approved_user.id})
    assert db.session.get(User, approved_user.id) is not None


def test_suspend_one_user(office, approved_user):
    html = act(office, "suspend", approved_user).get_data(as_text=True)
    assert db.session.get(User, approved_user.id).status == "suspended"
    assert "Suspended: alice@example.com." in html
    [event] = events("user.suspended")
    assert event.actor_email == "admin@example.com" and event.target_id == str(approved_user.id)


def test_suspend_a_selection_reports_each_refusal(office, admin, make, approved_user, pending_user):
    bob = make.user(email="bob@example.com")
    html = act(office, "suspend", approved_user, bob, pending_user, admin).get_data(as_text=True)
    assert {u.email: u.status for u in db.session.query(User)} == {
        "admin@example.com": "approved",
        "alice@example.com": "suspended",
        "bob@example.com": "suspended",
        "newcomer@example.com": "pending",
    }
    assert "Suspended: alice@example.com, bob@example.com." in html
    assert "admin@example.com: You cannot suspend your own account." in html
    assert "newcomer@example.com: Only approved accounts can be suspended" in html


def test_reinstate_one_and_many(office, make):
    first, second = make.user(status="suspended"), make.user(status="suspended")
    act(office, "reinstate", first)
    assert db.session.get(User, first.id).status == "approved"
    act(office, "reinstate", first, second)
    assert db.session.get(User, second.id).status == "approved"
    assert len(events("user.reinstated")) == 2


def test_make_admin_one_and_many(office, make, approved_user):
    other = make.user()
    act(office, "make_admin", approved_user)
    html = act(office, "make_admin", approved_user, other).get_data(as_text=True)
    assert db.session.get(User, other.id).role == "admin"
    assert "alice@example.com is already an administrator." in html
    assert len(events("user.made_admin")) == 2


def test_revoke_admin_from_one_colleague(office, make):
    colleague = make.user(role="admin")
    html = act(office, "revoke_admin", colleague).get_data(as_text=True)
    assert db.session.get(User, colleague.id).role == "user"
    assert f"No longer administrators: {colleague.email}." in html
    assert events("user.admin_revoked")[0].target_id == str(colleague.id)


def test_revoke_admin_from_others_but_never_yourself(office, admin, make):
    colleague = make.user(role="admin")
    html = act(office, "revoke_admin", colleague, admin).get_data(as_text=True)
    assert db.session.get(User, colleague.id).role == "user"
    assert db.session.get(User, admin.id).role == "admin"
    assert "You cannot remove your own administrator role." in html


def test_a_lone_admin_cannot_suspend_themselves(office, admin):
    html = act(office, "suspend", admin).get_data(as_text=True)
    assert db.session.get(User, admin.id).status == "approved"
    assert "You cannot suspend your own account." in html


def test_suspending_another_admin_leaves_you_as_the_last_one_who_cannot_step_down(office, admin, make):
    # The acting administrator always counts as one remaining, so "the last administrator"
    # can only be yourself here: the self rule and the last-admin rule meet.
    colleague = make.user(role="admin")
    act(office, "suspend", colleague)
    assert db.session.get(User, colleague.id).status == "suspended"
    html = act(office, "revoke_admin", admin).get_data(as_text=True)
    assert db.session.get(User, admin.id).role == "admin"
    assert "own administrator role" in html


def test_row_buttons_match_each_account(office, admin, approved_user, make):
    suspended = make.user(email="ken@example.com", status="suspended")
    html = office.get(USERS).get_data(as_text=True)
    rows = {user.email: _row(html, user.email) for user in (admin, approved_user, suspended)}
    assert "Suspend" not in rows["admin@example.com"] and "Revoke admin" not in rows["admin@example.com"]
    assert "Suspend" in rows["alice@example.com"] and "Make admin" in rows["alice@example.com"]
    assert "Reinstate" in rows["ken@example.com"] and "Suspend" not in rows["ken@example.com"]


def test_a_row_button_posts_the_action_for_that_row(office, approved_user):
    html = _row(office.get(USERS).get_data(as_text=True), "alice@example.com")
    assert f'name="rowid" value="{approved_user.id}"' in html and 'name="action" value="suspend"' in html
    assert 'name="csrf_token"' in html


def _row(html, email):
    """The list row showing ``email``, up to the e-mail cell."""
    table = html.index("model-list")
    end = html.index(email, table)
    return html[html.rindex("<tr", table, end) : end]
