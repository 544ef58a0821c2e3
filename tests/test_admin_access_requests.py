"""The Access requests page: pending first, a confirmation page with a note, decided requests read-only."""

from datetime import timedelta

import pytest

from webapp.extensions import db
from webapp.models import AccessRequest, AuditEvent, User, utcnow

LIST = "/admin/access-requests/"
ACTION = "/admin/access-requests/action/"
DECIDE = "/admin/access-requests/decide/"


@pytest.fixture
def office(client, sign_in, admin):
    """A client signed in as the administrator."""
    sign_in.as_user(admin)
    return client


@pytest.fixture
def waiting(make):
    """Two people waiting, oldest first."""
    grace = make.user(email="grace@example.com", status="pending")
    linus = make.user(email="linus@example.com", status="pending")
    return [
        make.access_request(grace, reason="I coordinate the warehouse move."),
        make.access_request(linus, reason="I review the mobile checklists."),
    ]


def decided(make, admin, email="old@example.com", status="rejected"):
    person = make.user(email=email, status=status)
    return make.access_request(person, status=status, decided_by=admin, decided_at=utcnow())


def test_pending_requests_come_first_then_the_latest_decisions(office, make, admin, waiting):
    decided(make, admin, email="older@example.com")
    decided(make, admin, email="newer@example.com")
    html = office.get(LIST).get_data(as_text=True)
    table = html.index("model-list")
    order = ("linus@example.com", "grace@example.com", "newer@example.com", "older@example.com")
    positions = [html.index(email, table) for email in order]
    assert positions == sorted(positions)


def test_filters_by_status_and_date(office, make, admin, waiting):
    decided(make, admin)
    pending = office.get(LIST, query_string={"flt0_status_equals": "pending"}).get_data(as_text=True)
    assert "grace@example.com" in pending and "old@example.com" not in pending
    tomorrow = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    future = office.get(LIST, query_string={"flt0_created_at_after": tomorrow}).get_data(as_text=True)
    assert "grace@example.com" not in future


def test_search_by_the_persons_email(office, waiting):
    html = office.get(LIST, query_string={"search": "linus"}).get_data(as_text=True)
    assert "linus@example.com" in html and "grace@example.com" not in html.split("model-list", 1)[1]


def test_export_lists_the_requests(office, waiting):
    body = office.get("/admin/access-requests/export/csv/", buffered=True).get_data(as_text=True)
    assert "grace@example.com" in body and "I review the mobile checklists." in body


@pytest.mark.parametrize(
    "action, count, button", [("approve", 1, "Approve 1 request"), ("reject", 2, "Reject 2 requests")]
)
def test_an_action_asks_for_a_note_first_and_changes_nothing(office, waiting, action, count, button):
    response = office.post(ACTION, data={"action": action, "rowid": [str(r.id) for r in waiting[:count]], "url": LIST})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert button in html and 'name="note"' in html and 'name="csrf_token"' in html
    assert {r.status for r in db.session.query(AccessRequest)} == {"pending"}


def test_confirmed_approval_of_a_selection_applies_the_note(office, waiting):
    data = {"decision": "approve", "rowid": [str(r.id) for r in waiting], "note": "Welcome aboard", "url": LIST}
    html = office.post(DECIDE, data=data, follow_redirects=True).get_data(as_text=True)
    rows = db.session.query(AccessRequest).order_by(AccessRequest.id).all()
    assert [(r.status, r.decision_note) for r in rows] == [("approved", "Welcome aboard")] * 2
    assert {u.status for u in db.session.query(User).filter(User.email != "admin@example.com")} == {"approved"}
    assert "Approved: grace@example.com, linus@example.com." in html
    assert len(db.session.query(AuditEvent).filter_by(action="access.approved").all()) == 2


def test_confirmed_rejection_of_a_selection(office, waiting):
    data = {"decision": "reject", "rowid": [str(r.id) for r in waiting], "note": "Not this quarter", "url": LIST}
    html = office.post(DECIDE, data=data, follow_redirects=True).get_data(as_text=True)
    assert {(r.status, r.decision_note) for r in db.session.query(AccessRequest)} == {("rejected", "Not this quarter")}
    assert "Rejected: grace@example.com, linus@example.com." in html


def test_confirmed_rejection_of_one_request(office, waiting):
    data = {"decision": "reject", "rowid": [str(waiting[0].id)], "note": "", "url": LIST}
    office.post(DECIDE, data=data)
    first, second = db.session.query(AccessRequest).order_by(AccessRequest.id).all()
    assert (first.status, first.decision_note, second.status) == ("rejected", None, "pending")
    assert db.session.query(User).filter_by(email="grace@example.com").one().status == "rejected"


def test_already_decided_requests_are_reported_and_left_alone(office, make, admin, waiting):
    old = decided(make, admin)
    data = {"decision": "approve", "rowid": [str(old.id), str(waiting[0].id)], "url": LIST}
    html = office.post(DECIDE, data=data, follow_redirects=True).get_data(as_text=True)
    assert db.session.get(AccessRequest, old.id).status == "rejected"
    assert db.session.get(AccessRequest, waiting[0].id).status == "approved"
    assert "old@example.com: This request was already rejected" in html


def test_confirmation_page_names_decided_requests_it_will_skip(office, make, admin):
    old = decided(make, admin)
    html = office.post(ACTION, data={"action": "reject", "rowid": [str(old.id)], "url": LIST}).get_data(as_text=True)
    assert "None of the selected requests is pending any more." in html
    assert "old@example.com (rejected)" in html


def test_a_too_long_note_is_refused_in_place_and_nothing_is_decided(office, waiting):
    data = {"decision": "approve", "rowid": [str(waiting[0].id)], "note": "x" * 1001, "url": LIST}
    response = office.post(DECIDE, data=data)
    assert response.status_code == 422
    assert "The note is too long" in response.get_data(as_text=True)
    assert db.session.get(AccessRequest, waiting[0].id).status == "pending"


def test_an_unknown_decision_is_a_bad_request(office, waiting):
    response = office.post(DECIDE, data={"decision": "delete", "rowid": [str(waiting[0].id)]})
    assert response.status_code == 400
    assert db.session.get(AccessRequest, waiting[0].id).status == "pending"


def test_pending_rows_have_approve_and_reject_buttons_decided_rows_none(office, make, admin, waiting):
    decided(make, admin)
    html = office.get(LIST).get_data(as_text=True)
    table = html.index("model-list")
    pending_row = html[
        html.rindex("<tr", table, html.index("grace@example.com", table)) : html.index("grace@example.com", table)
    ]
    decided_row = html[
        html.rindex("<tr", table, html.index("old@example.com", table)) : html.index("old@example.com", table)
    ]
    assert 'value="approve"' in pending_row and 'value="reject"' in pending_row and "fa-trash" in pending_row
    assert 'value="approve"' not in decided_row and "fa-trash" not in decided_row


def test_requests_cannot_be_created_or_edited(office, waiting):
    assert office.get("/admin/access-requests/new/").status_code == 302
    assert office.get(f"/admin/access-requests/edit/?id={waiting[0].id}").status_code == 302
    office.post(f"/admin/access-requests/edit/?id={waiting[0].id}", data={"reason": "Changed by someone else"})
    assert db.session.get(AccessRequest, waiting[0].id).reason == "I coordinate the warehouse move."


def test_a_pending_request_can_be_deleted_and_the_deletion_is_audited(office, waiting):
    request_id = waiting[0].id
    office.post("/admin/access-requests/delete/", data={"id": request_id, "url": LIST})
    assert db.session.get(AccessRequest, request_id) is None
    [event] = db.session.query(AuditEvent).filter_by(action="access_request.deleted").all()
    assert event.details["changes"]["reason"] == {"before": "I coordinate the warehouse move.", "after": None}


def test_a_decided_request_cannot_be_deleted_one_or_in_a_batch(office, make, admin):
    old = decided(make, admin)
    html = office.post(
        "/admin/access-requests/delete/", data={"id": old.id, "url": LIST}, follow_redirects=True
    ).get_data(as_text=True)
    office.post(ACTION, data={"action": "delete", "rowid": [str(old.id)], "url": LIST})
    assert db.session.get(AccessRequest, old.id) is not None
    assert "can no longer be deleted" in html


def test_details_show_the_reason_and_decision(office, make, admin):
    old = decided(make, admin)
    html = office.get(f"/admin/access-requests/details/?id={old.id}").get_data(as_text=True)
    assert "I need access to review" in html and "admin@example.com" in html
