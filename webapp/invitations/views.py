"""An invitation link: what the person who opens it sees, and accepting it when already signed in."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ..auth import google
from ..auth.session import remember_invitation
from ..exceptions import DomainError
from ..extensions import db
from ..permissions import public, signed_in
from ..services import accounts, invitations

bp = Blueprint("invitations", __name__)


def _private(response, status):
    """Invitation pages carry a secret in their address: no search engine, no Referer to other sites."""
    response = current_app.make_response((response, status))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<token>")
@public
def open_link(token):
    """Say what the invitation offers; keep it for the sign-in that follows (or offer to accept it now)."""
    try:
        invitation = invitations.find_link(token)
    except DomainError as error:
        return _private(render_template("invitations/link.html", problem=error.message), error.status)
    problem = invitations.unusable_reason(invitation)
    if problem:
        return _private(render_template("invitations/link.html", problem=problem), 410)
    if not current_user.is_authenticated:
        remember_invitation(token)
    page = render_template(
        "invitations/link.html",
        invitation=invitation,
        token=token,
        role=invitations.ROLES[invitation.role],
        google_enabled=google.is_configured(current_app),
    )
    return _private(page, 200)


@bp.post("/<token>")
@signed_in
def accept(token):
    """A signed-in pending person accepts the invitation: approved with its role at once."""
    try:
        accounts.accept_invitation_link(current_user._get_current_object(), token)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("access.status"))
    flash("Welcome: your invitation was accepted.", "success")
    return redirect(url_for("main.home"))
