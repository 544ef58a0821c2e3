"""The access rules in services/access.py, exercised directly (no HTTP) on both databases."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.exceptions import Conflict, Forbidden, InvalidInput
from webapp.extensions import db
from webapp.models import AccessRequest, AccountStatus, AuditEvent, RequestStatus, User, utcnow
from webapp.services import access
from webapp.services.access import AccessPolicy
from webapp.services.mail import Mailer

REASON = "I coordinate the warehouse move and need the specifications."
POLICY = AccessPolicy(cooldown_days=7)


@pytest.fixture
def mail(app):
    """The app's mailer (no MAIL_SERVER in tests: messages go to the log)."""
    return Mailer.from_config(app.config)


def audit_events():
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_request_is_recorded_pending_and_audited(pending_user, mail):
    access_request = access.request_access(pending_user, REASON, POLICY, mail)
    assert (access_request.status, access_request.reason, access_request.user_id) == (
        RequestStatus.pending,
        REASON,
        pending_user.id,
    )
    (event,) = audit_events()
    assert (event.action, event.actor_id, event.target_type, event.target_id) == (
        "access.requested",
        pending_user.id,
        "access_request",
        str(access_request.id),
    )


@pytest.mark.parametrize("length", [10, 1000])
def test_reason_of_allowed_length_is_accepted(pending_user, mail, length):
    assert len(access.request_access(pending_user, "x" * length, POLICY, mail).reason) == length


@pytest.mark.parametrize(
    "reason, complaint",
    [
        ("", "at least 10"),
        ("  short  ", "at least 10"),
        ("x" * 9, "at least 10"),
        ("x" * 1001, "1000 characters at most (you wrote 1001)"),
        ("ten chars\x00and a NUL", "control characters"),
    ],
)
def test_reason_outside_the_rules_is_refused_and_nothing_is_saved(pending_user, mail, reason, complaint):
    with pytest.raises(InvalidInput, match=complaint.replace("(", r"\(").replace(")", r"\)")) as refused:
        access.request_access(pending_user, reason, POLICY, mail)
    assert refused.value.status == 422
    assert count(AccessRequest) == 0 and count(AuditEvent) == 0


def test_reason_is_kept_as_written(pending_user, mail):
    written = "Line one <script>alert('x')</script> & \"quotes\"\n\n  indented line — ünïcödé 🎉"
    saved = access.request_access(pending_user, f"  {written}\n", POLICY, mail)
    db.session.expire_all()
    assert db.session.get(AccessRequest, saved.id).reason == written


def test_browser_line_breaks_count_as_one_character(pending_user, mail):
    # A textarea counts a line break as one character but sends it as CRLF.
    reason = ("x" * 98 + "\r\n") * 10
    saved = access.request_access(pending_user, reason, POLICY, mail)
    assert len(saved.reason) == 989 and "\r" not in saved.reason


def test_a_second_request_while_one_waits_is_a_conflict(pending_user, mail, make):
    make.access_request(pending_user)
    with pytest.raises(Conflict, match="already waiting"):
        access.request_access(pending_user, REASON, POLICY, mail)
    assert count(AccessRequest) == 1


def test_approved_person_need_not_ask(approved_user, mail):
    with pytest.raises(Conflict, match="already approved"):
        access.request_access(approved_user, REASON, POLICY, mail)


def test_suspended_person_cannot_ask(make, mail):
    suspended = make.user(status="suspended")
    with pytest.raises(Forbidden, match="suspended"):
        access.request_access(suspended, REASON, POLICY, mail)
    assert count(AccessRequest) == 0


def rejected_days_ago(make, days):
    """A rejected person whose request was decided ``days`` ago."""
    person = make.user(status="rejected")
    make.access_request(person, status="rejected", decided_at=utcnow() - timedelta(days=days))
    return person


def test_rejected_person_waits_for_the_cooldown(make, mail):
    person = rejected_days_ago(make, 6)
    with pytest.raises(Conflict, match="You can ask again from") as refused:
        access.request_access(person, REASON, POLICY, mail)
    expected = (utcnow() + timedelta(days=1)).strftime("%d %B %Y")
    assert expected in refused.value.message
    assert access.can_ask_again_at(person, POLICY).date() == (utcnow() + timedelta(days=1)).date()


def test_rejected_person_may_ask_again_after_the_cooldown(make, mail):
    person = rejected_days_ago(make, 8)
    assert access.can_ask_again_at(person, POLICY) is None
    access.request_access(person, REASON, POLICY, mail)
    assert db.session.get(User, person.id).status == AccountStatus.pending
    assert access.latest_request(person).status == RequestStatus.pending


def test_cooldown_follows_the_configured_days(make, mail):
    person = rejected_days_ago(make, 2)
    assert access.can_ask_again_at(person, AccessPolicy(cooldown_days=1)) is None
    assert access.can_ask_again_at(person, AccessPolicy(cooldown_days=3)) is not None


def test_approval_lets_the_person_in_and_records_who_decided(admin, pending_user, make, mail):
    access_request = make.access_request(pending_user)
    access.approve(access_request, admin, mail, note="  Welcome aboard  ")
    db.session.expire_all()
    decided = db.session.get(AccessRequest, access_request.id)
    assert (decided.status, decided.decided_by_id, decided.decision_note) == (
        RequestStatus.approved,
        admin.id,
        "Welcome aboard",
    )
    assert decided.decided_at is not None
    assert db.session.get(User, pending_user.id).status == AccountStatus.approved
    (event,) = audit_events()
    assert (event.action, event.actor_email, event.details) == (
        "access.approved",
        admin.email,
        {"user": pending_user.email, "note": "Welcome aboard"},
    )


def test_rejection_keeps_the_note(admin, pending_user, make, mail):
    access_request = make.access_request(pending_user)
    access.reject(access_request, admin, mail, note="Please ask with your work address.")
    db.session.expire_all()
    assert db.session.get(User, pending_user.id).status == AccountStatus.rejected
    assert db.session.get(AccessRequest, access_request.id).decision_note == "Please ask with your work address."


@pytest.mark.parametrize("decider", ["approved user", "suspended admin", "nobody"])
def test_only_administrators_decide(make, pending_user, mail, decider):
    by = {
        "approved user": lambda: make.user(status="approved"),
        "suspended admin": lambda: make.user(role="admin", status="suspended"),
        "nobody": lambda: None,
    }[decider]()
    access_request = make.access_request(pending_user)
    for decide in (access.approve, access.reject):
        with pytest.raises(Forbidden):
            decide(access_request, by, mail)
    assert db.session.get(AccessRequest, access_request.id).status == RequestStatus.pending
    assert count(AuditEvent) == 0


def test_deciding_a_decided_request_is_a_conflict_naming_the_decider(admin, make, pending_user, mail):
    other_admin = make.user(email="grace@example.com", name="Grace Hopper", role="admin", status="approved")
    access_request = make.access_request(pending_user)
    access.approve(access_request, other_admin, mail)
    with pytest.raises(Conflict, match="already approved by Grace Hopper"):
        access.reject(access_request, admin, mail, note="too late")
    db.session.expire_all()
    decided = db.session.get(AccessRequest, access_request.id)
    assert (decided.status, decided.decided_by_id, decided.decision_note) == (
        RequestStatus.approved,
        other_admin.id,
        None,
    )
    assert db.session.get(User, pending_user.id).status == AccountStatus.approved
    assert [event.action for event in audit_events()] == ["access.approved"]


def test_a_note_that_is_too_long_changes_nothing(admin, make, pending_user, mail):
    access_request = make.access_request(pending_user)
    with pytest.raises(InvalidInput, match="too long"):
        access.reject(access_request, admin, mail, note="n" * 1001)
    assert db.session.get(AccessRequest, access_request.id).status == RequestStatus.pending


def test_batch_decides_the_open_requests_and_reports_the_rest(admin, make, mail):
    people = [make.user(status="pending") for _ in range(3)]
    requests = [make.access_request(person) for person in people]
    access.approve(requests[1], admin, mail)
    decided, problems = access.decide_many([r.id for r in requests], admin, "reject", mail, note="Not this year.")
    assert sorted(r.id for r in decided) == [requests[0].id, requests[2].id]
    assert problems == [f"{people[1].email}: This request was already approved by {admin.display_name}."]
    statuses = [db.session.get(User, person.id).status for person in people]
    assert statuses == [AccountStatus.rejected, AccountStatus.approved, AccountStatus.rejected]


def test_pending_count_counts_only_undecided_requests(admin, make, mail):
    requests = [make.access_request(make.user(status="pending")) for _ in range(3)]
    access.reject(requests[0], admin, mail)
    assert access.pending_count() == 2
