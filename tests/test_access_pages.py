"""The status page with its request form, and the administrators' approval queue, over HTTP."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.plugins.accounts import SignIn
from webapp.extensions import db
from webapp.models import AccessRequest, AccountStatus, RequestStatus, User, utcnow

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/access/queue"}
SCRIPT = "<script>alert('owned')</script> I need access for the audit."


def toasts(response):
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("toast", [])


def test_newcomer_sees_the_form_asking_why(client, sign_in, pending_user):
    sign_in.as_user(pending_user)
    page = client.get("/access/").get_data(as_text=True)
    assert "Why do you want access?" in page and 'maxlength="1000"' in page
    assert 'action="/access/request"' in page


def test_request_without_javascript_redirects_to_the_waiting_status(client, sign_in, pending_user):
    sign_in.as_user(pending_user)
    response = client.post("/access/request", data={"reason": "I review specs for the mobile team."})
    assert response.status_code == 302 and response.location == "/access/"
    page = client.get("/access/").get_data(as_text=True)
    assert "Your request is waiting for an administrator." in page and "Thank you" in page
    assert "Why do you want access?" not in page


def test_request_with_htmx_swaps_in_the_waiting_panel_with_a_toast(client, sign_in, pending_user):
    sign_in.as_user(pending_user)
    response = client.post("/access/request", data={"reason": "I review specs for the mobile team."}, headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.startswith('<div id="access-request-panel"')
    assert "waiting for an administrator" in page
    assert toasts(response)[0]["message"].startswith("Thank you")


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_too_short_reason_comes_back_in_place_with_the_text_kept(client, sign_in, pending_user, headers):
    sign_in.as_user(pending_user)
    response = client.post("/access/request", data={"reason": "short <b>"}, headers=headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at least 10 characters" in page and 'aria-invalid="true"' in page
    assert ">short &lt;b&gt;</textarea>" in page
    assert db.session.scalar(select(AccessRequest)) is None


def test_asking_again_from_a_stale_page_shows_the_current_state_and_why(client, sign_in, pending_user, make):
    make.access_request(pending_user)
    sign_in.as_user(pending_user)
    response = client.post("/access/request", data={"reason": "Asking a second time, from an old tab."})
    assert response.status_code == 302 and response.location == "/access/"
    page = client.get("/access/").get_data(as_text=True)
    assert "Your request is already waiting for an administrator." in page
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 1


def test_asking_again_with_htmx_swaps_in_the_current_state_with_an_error_toast(client, sign_in, make):
    suspended = make.user(status="suspended")
    sign_in.as_user(suspended)
    response = client.post("/access/request", data={"reason": "x"}, headers=HTMX)
    assert response.status_code == 200 and "Your account is suspended." in response.get_data(as_text=True)
    assert toasts(response) == [
        {"message": "Your account is suspended; an administrator must reinstate it.", "category": "error"}
    ]


def test_reason_with_markup_is_shown_escaped_on_the_status_page(client, sign_in, pending_user, make):
    make.access_request(pending_user, reason=SCRIPT)
    sign_in.as_user(pending_user)
    page = client.get("/access/").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; I need access" in page
    assert "<script>alert" not in page


def test_reason_with_markup_is_shown_escaped_in_the_queue(client, sign_in, admin, pending_user, make):
    make.access_request(pending_user, reason=SCRIPT)
    sign_in.as_user(admin)
    page = client.get("/access/queue").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; I need access" in page
    assert "<script>alert" not in page


def test_rejected_person_sees_the_note_and_when_to_ask_again(client, sign_in, make):
    person = make.user(status="rejected")
    make.access_request(
        person, status="rejected", decided_at=utcnow() - timedelta(days=1), decision_note="Use your <work> address"
    )
    sign_in.as_user(person)
    page = client.get("/access/").get_data(as_text=True)
    assert "Your request was not approved." in page and "Use your &lt;work&gt; address" in page
    assert "You can ask again from" in page and "Why do you want access?" not in page


def test_rejected_person_may_ask_again_after_the_cooldown(client, sign_in, make):
    person = make.user(status="rejected")
    make.access_request(person, status="rejected", decided_at=utcnow() - timedelta(days=8))
    sign_in.as_user(person)
    assert "Why do you want access?" in client.get("/access/").get_data(as_text=True)
    response = client.post("/access/request", data={"reason": "My team lead vouches for me now."})
    assert response.status_code == 302
    assert db.session.get(User, person.id).status == AccountStatus.pending


def test_suspended_person_sees_the_suspension_and_no_form(client, sign_in, make):
    sign_in.as_user(make.user(status="suspended"))
    page = client.get("/access/").get_data(as_text=True)
    assert "Your account is suspended." in page and "Why do you want access?" not in page


def test_queue_lists_pending_requests_oldest_first(client, sign_in, admin, make):
    newer = make.access_request(
        make.user(email="newer@example.org", status="pending"), created_at=utcnow() - timedelta(hours=1)
    )
    older = make.access_request(
        make.user(email="older@example.org", status="pending"), created_at=utcnow() - timedelta(days=2)
    )
    make.access_request(make.user(email="done@example.org", status="approved"), status="approved")
    sign_in.as_user(admin)
    page = client.get("/access/queue").get_data(as_text=True)
    assert page.index(f'id="access-request-{older.id}"') < page.index(f'id="access-request-{newer.id}"')
    assert "done@example.org" not in page


def test_admins_see_the_pending_count_in_the_navigation(client, sign_in, admin, make):
    for _ in range(2):
        make.access_request(make.user(status="pending"))
    sign_in.as_user(admin)
    page = client.get("/").get_data(as_text=True)
    assert 'title="Pending access requests">2</span>' in page


def test_ordinary_users_see_no_pending_count(client, sign_in, approved_user, make):
    make.access_request(make.user(status="pending"))
    sign_in.as_user(approved_user)
    assert "Pending access requests" not in client.get("/").get_data(as_text=True)


def test_decision_with_htmx_replaces_the_row_with_its_outcome(client, sign_in, admin, pending_user, make):
    access_request = make.access_request(pending_user)
    sign_in.as_user(admin)
    response = client.post(
        f"/access/queue/{access_request.id}/reject", data={"note": "Ask <again> later"}, headers=HTMX
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.startswith(
        f'<li id="access-request-{access_request.id}" class="queue-row queue-row-rejected"'
    )
    assert "Rejected by Ada Admin" in page and "Note: Ask &lt;again&gt; later" in page
    assert toasts(response) == [{"message": f"{pending_user.email}: rejected.", "category": "success"}]
    assert db.session.get(AccessRequest, access_request.id).status == RequestStatus.rejected


def test_decision_without_javascript_redirects_back_to_the_queue(client, sign_in, admin, pending_user, make):
    access_request = make.access_request(pending_user)
    sign_in.as_user(admin)
    response = client.post(f"/access/queue/{access_request.id}/approve")
    assert response.status_code == 302 and response.location == "/access/queue"
    assert f"{pending_user.email}: approved." in client.get("/access/queue").get_data(as_text=True)


def test_second_admin_deciding_sees_the_first_decision_and_who_took_it(app, client, sign_in, admin, pending_user, make):
    access_request = make.access_request(pending_user)
    grace = make.user(email="grace@example.com", name="Grace Hopper", role="admin", status="approved")
    first = app.test_client()
    SignIn(first).as_user(grace)
    first.post(f"/access/queue/{access_request.id}/approve", headers=HTMX)
    sign_in.as_user(admin)
    response = client.post(f"/access/queue/{access_request.id}/reject", headers=HTMX)
    assert response.status_code == 200 and "Approved by Grace Hopper" in response.get_data(as_text=True)
    assert toasts(response) == [{"message": "This request was already approved by Grace Hopper.", "category": "error"}]


def test_decision_on_a_missing_request_is_404(client, sign_in, admin):
    sign_in.as_user(admin)
    assert client.post("/access/queue/999/approve").status_code == 404


def test_batch_decision_with_htmx_returns_the_remaining_queue(client, sign_in, admin, make):
    requests = [make.access_request(make.user(status="pending")) for _ in range(3)]
    sign_in.as_user(admin)
    data = {"decision": "approve", "ids": [str(requests[0].id), str(requests[2].id)], "note": "Welcome"}
    response = client.post("/access/queue/batch", data=data, headers=HTMX)
    page = response.get_data(as_text=True)
    assert page.startswith('<div id="access-queue">')
    assert f'id="access-request-{requests[1].id}"' in page and f'id="access-request-{requests[0].id}"' not in page
    assert toasts(response) == [{"message": "2 request(s) approved.", "category": "success"}]
    notes = db.session.scalars(select(AccessRequest.decision_note).order_by(AccessRequest.id)).all()
    assert notes == ["Welcome", None, "Welcome"]


def test_batch_without_a_selection_says_so(client, sign_in, admin, make):
    make.access_request(make.user(status="pending"))
    sign_in.as_user(admin)
    response = client.post("/access/queue/batch", data={"decision": "approve"}, headers=HTMX)
    assert toasts(response) == [{"message": "Select at least one request and a decision.", "category": "error"}]
    assert db.session.scalar(select(AccessRequest.status)) == RequestStatus.pending
