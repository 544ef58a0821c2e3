"""Sign-in page, Google OpenID Connect round trip, development sign-in and sign-out."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..demo import demo_accounts
from ..extensions import db, limiter
from ..permissions import public
from ..security import safe_next
from ..services.accounts import Identity, SignInPolicy, SignInRefused, is_email_address, sign_in
from . import google
from .session import end_session, pop_next, remember_next, start_session

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
        return _failed(failure.reason, failure.message, failure.status)


@bp.get("/google/callback")
@public
@limiter.limit(sign_in_limit)
def google_callback():
    """Finish the Google round trip: verify the identity, then sign the person in."""
    error = request.args.get("error")
    if error:
        message = "Sign-in was cancelled." if error == "access_denied" else "Google could not sign you in."
        description = request.args.get("error_description", "")[:200]
        return _failed(f"provider returned error={error!r} ({description})", message)
    try:
        identity = google.finish_sign_in()
    except google.SignInFailed as failure:
        return _failed(failure.reason, failure.message, failure.status)
    return _complete_sign_in(identity)


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
    return _complete_sign_in(Identity(email=email, sub=None, name=name))


@bp.post("/logout")
@public
def logout():
    """Sign out and go back to the home page."""
    end_session()
    return redirect(url_for("main.home"))


def _complete_sign_in(identity):
    """Find or create the account, start a fresh session, and send the person on."""
    try:
        user = sign_in(identity, SignInPolicy.from_config(current_app.config))
    except SignInRefused as refused:
        db.session.rollback()
        return _failed(f"account refused for {identity.email}: {refused.message}", refused.message, 403)
    default = url_for("main.home") if user.is_approved else url_for("access.status")
    next_path = pop_next(default) if user.is_approved else default
    start_session(user)
    current_app.logger.info("Signed in %s (%s)", user.email, user.status)
    return redirect(next_path)


def _failed(reason, message, status=400):
    """Log why sign-in failed and show the person a friendly page with a way to try again."""
    current_app.logger.warning("Sign-in failed: %s", reason)
    return render_template("auth/failed.html", message=message), status
