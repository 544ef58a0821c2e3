"""The API's people and access: asking for access, the approval queue's decisions, accounts, all through services."""

from contextlib import contextmanager

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..exceptions import InvalidInput, NotFound
from ..extensions import db, limiter
from ..ids import parse_id
from ..models import AccessRequest, RequestStatus, User
from ..permissions import admin_only, same_audience_as, signed_in
from ..resources.search import MAX_QUERY_LENGTH, normalise_query
from ..services import access
from ..services.mail import current_mailer
from . import body
from .envelope import success
from .spec import BOOLEAN, DATE_TIME, ID, INTEGER, STRING, array, document, nullable, obj, query

MAX_LIMIT = 100
QUEUE = "access.queue"  # whoever may use the approval queue's page may use its API

USER = obj(
    {
        "id": ID,
        "email": STRING,
        "name": STRING,
        "role": STRING,
        "status": {"enum": ["pending", "approved", "rejected", "suspended"]},
        "is_admin": BOOLEAN,
        "created_at": DATE_TIME,
        "last_login_at": nullable(DATE_TIME),
    }
)
PERSON = obj({"id": ID, "email": STRING, "name": STRING})
REQUEST = obj(
    {
        "id": ID,
        "status": {"enum": ["pending", "approved", "rejected"]},
        "reason": STRING,
        "user": PERSON,
        "created_at": DATE_TIME,
        "decided_at": nullable(DATE_TIME),
        "decided_by_id": nullable(INTEGER),
        "decision_note": nullable(STRING),
    }
)
CURSOR = obj({"next": {"type": ["string", "null"]}, "limit": INTEGER})
NOTE = obj({"note": {"type": "string", "maxLength": access.NOTE_MAX}}, [], additionalProperties=False)
# What an action without inputs takes: nothing, or an empty object.
NOTHING = obj({}, [], additionalProperties=False)
PAGING = [
    query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "Rows per page (default 25)."),
    query("after", {"type": "string"}, "The cursor from the previous page's meta.next."),
]


def user_json(user):
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": str(user.role),
        "status": str(user.status),
        "is_admin": user.is_admin,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
    }


@contextmanager
def about(field):
    """A refusal the service words without naming a field (a reason's or a note's length) names ``field``."""
    try:
        yield
    except InvalidInput as invalid:
        if not invalid.errors:
            invalid.errors = {field: invalid.message}
        raise


def request_json(access_request):
    person = access_request.user
    return {
        "id": access_request.id,
        "status": str(access_request.status),
        "reason": access_request.reason,
        "user": {"id": person.id, "email": person.email, "name": person.name},
        "created_at": access_request.created_at,
        "decided_at": access_request.decided_at,
        "decided_by_id": access_request.decided_by_id,
        "decision_note": access_request.decision_note,
    }


def _paging():
    """``limit`` and ``after`` from the query string, or 422 naming the bad one."""
    errors = {}
    limit = parse_id(request.args.get("limit", "25"))
    if limit is None or limit > MAX_LIMIT:
        errors["limit"] = f"Use a whole number from 1 to {MAX_LIMIT}."
    raw_after = request.args.get("after", "")
    after = parse_id(raw_after) if raw_after else None
    if raw_after and after is None:
        errors["after"] = "Use the cursor a previous page gave in meta.next."
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = f"Search for at most {MAX_QUERY_LENGTH} characters."
    if errors:
        raise InvalidInput("Please correct the query parameters.", errors)
    return limit, after


def _page(statement, key, limit, after):
    """One page along ``key`` ascending, one statement, no COUNT: (rows, next cursor)."""
    if after is not None:
        statement = statement.where(key > after)
    rows = list(db.session.scalars(statement.order_by(key).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].id) if more else None)


def _per_user():
    return f"user:{current_user.get_id().partition(':')[0]}"


def _request_limit():
    return current_app.config["RATELIMIT_ACCESS_REQUEST"]


@signed_in
@limiter.limit(_request_limit)
@limiter.limit(_request_limit, key_func=_per_user)
@document(
    "Ask for access",
    "Access",
    REQUEST,
    201,
    # The shortest reason is a site setting (10 characters unless administrators changed it, or none).
    obj({"reason": {"type": "string", "maxLength": access.REASON_MAX}}, additionalProperties=False),
    errors=(409, 413, 415, 422),
)
def request_access():
    """A pending (or, after the waiting period, rejected) person asks for access, saying why."""
    policy = access.AccessPolicy.current()
    payload = body.only(body.json_object(), ["reason"])
    reason = body.text(payload, "reason", required=policy.reason_required)
    with about("reason"):
        created = access.request_access(current_user, reason, policy, current_mailer())
    return success(request_json(created), 201)


@same_audience_as(QUEUE)
@document(
    "List access requests",
    "Access",
    array(REQUEST),
    query=[
        query("status", {"enum": ["pending", "approved", "rejected"]}, "Which requests (default pending)."),
        *PAGING,
    ],
    meta=CURSOR,
    errors=(422,),
)
def access_requests():
    """Requests oldest first, as the approval queue shows them."""
    limit, after = _paging()
    status = request.args.get("status", "pending")
    if status not in RequestStatus.__members__:
        raise InvalidInput("Please correct the query parameters.", {"status": "Use pending, approved or rejected."})
    statement = select(AccessRequest).options(joinedload(AccessRequest.user)).where(AccessRequest.status == status)
    rows, next_cursor = _page(statement, AccessRequest.id, limit, after)
    return success([request_json(row) for row in rows], meta={"next": next_cursor, "limit": limit})


def _decide(request_id, action):
    access_request = db.session.get(AccessRequest, request_id)
    if access_request is None:
        raise NotFound("This access request does not exist.")
    note = body.text(body.action_members(["note"]), "note")
    with about("note"):
        action(access_request, current_user._get_current_object(), current_mailer(), note=note)
    return success(request_json(access_request))


@same_audience_as(QUEUE)
@document(
    "Approve an access request", "Access", REQUEST, body=NOTE, body_required=False, errors=(404, 409, 413, 415, 422)
)
def approve_request(request_id):
    """Approve a pending request (409 when it was already decided); the person is told by e-mail."""
    return _decide(request_id, access.approve)


@same_audience_as(QUEUE)
@document(
    "Reject an access request", "Access", REQUEST, body=NOTE, body_required=False, errors=(404, 409, 413, 415, 422)
)
def reject_request(request_id):
    """Reject a pending request with an optional note (409 when it was already decided)."""
    return _decide(request_id, access.reject)


@admin_only
@document(
    "List accounts",
    "Accounts",
    array(USER),
    query=[
        query("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH}, "Part of an e-mail or name."),
        query("status", {"enum": ["pending", "approved", "rejected", "suspended"]}, "Only accounts in this state."),
        *PAGING,
    ],
    meta=CURSOR,
    errors=(422,),
)
def users():
    """Every account, oldest first."""
    limit, after = _paging()
    statement = select(User)
    status = request.args.get("status")
    if status is not None:
        if status not in ("pending", "approved", "rejected", "suspended"):
            raise InvalidInput("Please correct the query parameters.", {"status": "Use an account status."})
        statement = statement.where(User.status == status)
    q = normalise_query(request.args.get("q")).lower()
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))
    rows, next_cursor = _page(statement, User.id, limit, after)
    return success([user_json(row) for row in rows], meta={"next": next_cursor, "limit": limit})


def _account_action(user_id, action, with_note=False):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("This account does not exist.")
    # Read (and refuse) the body before anything changes, with or without a note to take.
    payload = body.action_members(["note"] if with_note else [])
    by = current_user._get_current_object()
    if with_note:
        with about("note"):
            action(user, by, note=body.text(payload, "note"))
    else:
        action(user, by)
    return success(user_json(user))


def _account_operation(summary, note=False):
    return document(
        summary,
        "Accounts",
        USER,
        body=NOTE if note else NOTHING,
        body_required=False,
        errors=(404, 409, 413, 415, 422),
    )


@admin_only
@_account_operation("Suspend an account", note=True)
def suspend_user(user_id):
    """Suspend an approved account; it loses access at its next request (not yourself, not the last administrator)."""
    return _account_action(user_id, access.suspend, with_note=True)


@admin_only
@_account_operation("Reinstate an account")
def reinstate_user(user_id):
    """Give a suspended account its access back."""
    return _account_action(user_id, access.reinstate)


@admin_only
@_account_operation("Make an administrator")
def make_admin(user_id):
    """Give an approved account the administrator role."""
    return _account_action(user_id, access.make_admin)


@admin_only
@_account_operation("Revoke the administrator role")
def revoke_admin(user_id):
    """Take the administrator role away (not your own, never the last administrator)."""
    return _account_action(user_id, access.revoke_admin)


ROUTES = [
    ("/v1/access-requests", request_access, "POST"),
    ("/v1/access-requests", access_requests, "GET"),
    ("/v1/access-requests/<id:request_id>/approve", approve_request, "POST"),
    ("/v1/access-requests/<id:request_id>/reject", reject_request, "POST"),
    ("/v1/users", users, "GET"),
    ("/v1/users/<id:user_id>/suspend", suspend_user, "POST"),
    ("/v1/users/<id:user_id>/reinstate", reinstate_user, "POST"),
    ("/v1/users/<id:user_id>/make-admin", make_admin, "POST"),
    ("/v1/users/<id:user_id>/revoke-admin", revoke_admin, "POST"),
]
