"""The API keys section of the settings page: create a key (shown once), list them with their last use, revoke."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..exceptions import InvalidInput, NotFound
from ..htmx import is_partial, render_page_or_partial, toast
from ..services import credentials

bp = Blueprint("api_keys", __name__)

EXPIRY_LABELS = {30: "30 days", 90: "90 days", 365: "1 year", None: "Never (until revoked)"}


@bp.record_once
def _add_template_helpers(state):
    # The settings page includes settings/_api_keys.html, which lists the signed-in person's keys itself.
    state.app.jinja_env.globals.update(
        api_keys_of=credentials.keys_of,
        api_key_expiry_choices=[(days or "never", EXPIRY_LABELS[days]) for days in credentials.EXPIRY_CHOICES],
    )


def _section(status=200, **context):
    """The keys section as a fragment, or for a plain form post a page of its own (the new key is never flashed)."""
    context.setdefault("key_form", {})
    return render_page_or_partial("api/key_created.html", "settings/_api_keys.html", status, **context)


@bp.post("/")
def create():
    """Make a key; the whole key is shown this once (never stored, never sent again)."""
    form = request.form
    try:
        made = credentials.create_key(current_user, form.get("name"), form.get("scope"), form.get("expires_in"))
    except InvalidInput as error:
        body, status = _section(422, key_form=form.to_dict(), key_errors=error.errors)
        return body, status, {"Cache-Control": "no-store"}
    toast(f"Created API key “{made.key.name}”. Copy it now: it will not be shown again.")
    body, status = _section(new_key=made)
    return body, status, {"Cache-Control": "no-store"}


@bp.post("/<id:key_id>/revoke")
def revoke(key_id):
    """Revoke one of your keys: it stops working at its next use."""
    key = credentials.owned_key(current_user, key_id)
    if key is None:
        raise NotFound("This API key does not exist, or is not yours.")
    credentials.revoke(key, current_user)
    toast(f"Revoked API key “{key.name}”.")
    if is_partial():
        return render_template("settings/_api_keys.html", key_form={})
    return redirect(url_for("settings.edit") + "#api-keys", 303)
