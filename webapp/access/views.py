"""The newcomer's status page and request form, and the administrators' approval queue."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..exceptions import DomainError, NotFound
from ..extensions import db, limiter
from ..htmx import is_partial, render_page_or_partial, toast
from ..ids import parse_ids
from ..models import AccessRequest, RequestStatus
from ..permissions import approvers_only, signed_in
from ..services import access
from ..services.mail import current_mailer

bp = Blueprint("access", __name__)


def _policy():
    """The access rules as the site settings say for this request."""
    return access.AccessPolicy.current()


def _per_user():
    """Rate-limit key for the signed-in person, whatever address they come from."""
    return f"user:{current_user.get_id().partition(':')[0]}"


def _request_limit():
    """How often one address, and one person, may post the access form."""
    return current_app.config["RATELIMIT_ACCESS_REQUEST"]


@bp.get("/")
@signed_in
def status():
    """Show where the account stands, and the request form when the person may ask."""
    if current_user.is_approved:
        return redirect(url_for("main.home"))
    return render_template("access/status.html", **_status_context())


@bp.post("/request")
@signed_in
@limiter.limit(_request_limit)
@limiter.limit(_request_limit, key_func=_per_user)
def submit_request():
    """Record why the person wants access; a bad reason comes back in place with the text kept."""
    reason = request.form.get("reason", "")
    try:
        access.request_access(current_user, reason, _policy(), current_mailer())
    except access.InvalidInput as error:
        context = _status_context(reason=reason, error=error.message)
        return render_page_or_partial("access/status.html", "access/_request_panel.html", error.status, **context)
    except DomainError as error:
        # Asked already, in the cooldown, suspended: the page was stale, so show the current state.
        db.session.rollback()
        toast(error.message, "error")
    else:
        toast("Thank you. An administrator will look at your request soon.")
    if is_partial():
        return render_template("access/_request_panel.html", **_status_context())
    return redirect(url_for("access.status"))


def _status_context(reason="", error=None):
    """What the status page shows: the latest request, and whether (or from when) the person may ask."""
    policy = _policy()
    latest = access.latest_request(current_user)
    may_ask_at = access.can_ask_again_at(current_user, policy)
    may_ask = (
        current_user.status in ("pending", "rejected")
        and may_ask_at is None
        and not (latest is not None and latest.status == RequestStatus.pending)
    )
    return {
        "user": current_user,
        "latest": latest,
        "may_ask": may_ask,
        "may_ask_at": may_ask_at,
        "reason": reason,
        "error": error,
        "reason_min": policy.reason_min if policy.reason_required else 0,
        "reason_required": policy.reason_required,
        "reason_max": access.REASON_MAX,
    }


@bp.get("/queue")
@approvers_only
def queue():
    """Pending requests, oldest first, with the reasons given."""
    pending = db.session.scalars(
        select(AccessRequest)
        .options(joinedload(AccessRequest.user))
        .where(AccessRequest.status == RequestStatus.pending)
        .order_by(AccessRequest.created_at, AccessRequest.id)
    ).all()
    return render_page_or_partial("access/queue.html", "access/_queue_list.html", requests=pending)


@bp.post("/queue/<id:request_id>/<any(approve, reject):decision>")
@approvers_only
def decide(request_id, decision):
    """Approve or reject one request; the row is replaced by its outcome."""
    access_request = db.session.get(AccessRequest, request_id)
    if access_request is None:
        raise NotFound("This access request does not exist.")
    note = request.form.get("note", "")
    action = access.approve if decision == "approve" else access.reject
    try:
        action(access_request, current_user, current_mailer(), note=note)
    except DomainError as error:
        db.session.rollback()
        toast(error.message, "error")
        db.session.refresh(access_request)
    else:
        toast(f"{access_request.user.email}: {access_request.status}.")
    if is_partial():
        return render_template("access/_queue_row.html", req=access_request)
    return redirect(url_for("access.queue"))


@bp.post("/queue/batch")
@approvers_only
def decide_batch():
    """Apply one decision to every selected request."""
    decision = request.form.get("decision")
    ids = parse_ids(request.form.getlist("ids"))
    if decision not in ("approve", "reject") or not ids:
        toast("Select at least one request and a decision.", "error")
    else:
        try:
            decided, problems = access.decide_many(
                ids, current_user, decision, current_mailer(), note=request.form.get("note")
            )
        except DomainError as error:
            db.session.rollback()
            toast(error.message, "error")
        else:
            if decided:
                toast(f"{len(decided)} request(s) {decided[0].status}.")
            for problem in problems:
                toast(problem, "error")
    return redirect(url_for("access.queue")) if not is_partial() else queue()
