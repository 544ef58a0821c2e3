"""Sign-in page, Google OpenID Connect round trip, development sign-in and sign-out."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..demo import demo_accounts
from ..errors import render_error
from ..extensions import db, limiter
from ..htmx import is_partial
from ..permissions import public
from ..security import safe_next
from ..services.accounts import (
    Identity,
    RegistrationClosed,
    SignInPolicy,
    SignInRefused,
    is_email_address,
    sign_in,
)
from . import google
from .session import (
    end_session,
    pop_invitation,
    pop_next,
    record_sign_in_failure,
    remember_next,
    start_session,
)

bp = Blueprint("auth", __name__)


def sign_in_limit():
    """How often one address may start a sign-in (read per request, so tests can change it)."""
    return current_app.config["RATELIMIT_SIGN_IN"]


@bp.get("/login")
@public
def login():
    """Offer the ways to sign in (Google, and the development sign-in when it is on)."""
    next_path = safe_next(request.args.get("next"), "")
    if current_user.is_authenticated:
        return redirect(safe_next(next_path, url_for("main.home")))
    dev_login_enabled = current_app.config["DEV_LOGIN"]
    return render_template(
        "auth/login.html",
        next_path=next_path,
        google_enabled=google.is_configured(current_app),
        dev_login_enabled=dev_login_enabled,
        demo_accounts=demo_accounts() if dev_login_enabled else [],
    )


@bp.get("/google")
@public
@limiter.limit(sign_in_limit)
def google_start():
    """Send the browser to Google with a fresh state and nonce."""
    if not google.is_configured(current_app):
        abort(404)
    remember_next(request.args.get("next"))
    try:
        return google.authorize_redirect(url_for("auth.google_callback", _external=True))
    except google.SignInFailed as failure:
        return _failed(failure.reason, failure.message, failure.status, audit_reason=failure.kind, method="google")


@bp.get("/google/callback")
@public
@limiter.limit(sign_in_limit)
def google_callback():
    """Finish the Google round trip: verify the identity, then sign the person in."""
    if not google.is_configured(current_app):
        abort(404)  # as /auth/google: without credentials there is no round trip to finish, nor a provider to ask
    error = request.args.get("error")
    if error:
        message = "Sign-in was cancelled." if error == "access_denied" else "Google could not sign you in."
        description = request.args.get("error_description", "")[:200]
        kind = "cancelled" if error == "access_denied" else "provider_error"
        return _failed(
            f"provider returned error={error!r} ({description})", message, audit_reason=kind, method="google"
        )
    try:
        identity = google.finish_sign_in()
    except google.SignInFailed as failure:
        reason, kind = failure.reason, failure.kind
        return _failed(reason, failure.message, failure.status, audit_reason=kind, method="google", email=failure.email)
    return _complete_sign_in(identity, "google")


@bp.post("/dev-login")
@public
@limiter.limit(sign_in_limit)
def dev_login():
    """Sign in as any e-mail address without Google; only in development."""
    if not current_app.config["DEV_LOGIN"]:
        abort(404)
    email = request.form.get("email", "").strip().lower()
    if not is_email_address(email):
        return _failed(f"dev sign-in with invalid e-mail {email!r}", "Enter a valid e-mail address.")
    remember_next(request.form.get("next"))
    name = "".join(char for char in request.form.get("name", "") if char.isprintable()).strip()[:200]
    name = name or email.partition("@")[0].title()
    # It stands in for a Google Workspace account, so it vouches for the address's domain too.
    identity = Identity(email=email, sub=None, name=name, hosted_domain=email.rpartition("@")[2])
    return _complete_sign_in(identity, "development")


@bp.post("/logout")
@public
def logout():
    """End this browser's session on the server (every copy of its cookie too) and go home."""
    end_session()
    return redirect(url_for("main.home"))


def _complete_sign_in(identity, method):
    """Find or create the account, start a fresh session, and send the person on."""
    try:
        user = sign_in(identity, SignInPolicy.from_config(current_app.config), invitation_token=pop_invitation())
    except SignInRefused as refused:
        db.session.rollback()
        reason = f"account refused for {identity.email}: {refused.message}"
        return _failed(
            reason, refused.message, 403, audit_reason="account_refused", method=method, email=identity.email
        )
    except RegistrationClosed as closed:
        db.session.rollback()
        record_sign_in_failure(f"registration_{closed.mode}", method, identity.email)
        current_app.logger.info("No new account for %s: registration is %s", identity.email, closed.mode)
        return render_template("auth/closed.html", message=closed.message, mode=closed.mode), closed.status
    default = url_for("main.home") if user.is_approved else url_for("access.status")
    next_path = pop_next(default) if user.is_approved else default
    start_session(user, method)
    current_app.logger.info("Signed in %s (%s)", user.email, user.status)
    return redirect(next_path)


def _failed(reason, message, status=400, audit_reason=None, method=None, email=None):
    """Log why sign-in failed, audit it, and show the person a friendly page with a way to try again.

    ``audit_reason`` is a fixed word (the log's ``reason`` may quote the provider); a form the
    person mistyped (no ``audit_reason``) is not a sign-in attempt and is not audited.
    """
    current_app.logger.warning("Sign-in failed: %s", reason)
    if audit_reason is not None:
        record_sign_in_failure(audit_reason, method, email)
    if is_partial():
        return render_error(status, message)  # an htmx request gets the error fragment and a toast
    return render_template("auth/failed.html", message=message), status
