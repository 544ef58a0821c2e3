"""The settings page: rows per page, theme and time zone, saved per user, with a reset to the defaults; the sessions."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.session import current_session, live_sessions, sign_out_everywhere_else
from ..htmx import client_redirect, is_htmx, is_partial, render_page_or_partial, toast
from ..services import settings
from ..services.settings import THEMES
from ..templating import add_nav_item

bp = Blueprint("settings", __name__)

THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


@bp.record_once
def _add_to_navigation(state):
    # Last: a person's own settings come after every feature's pages.
    description = "Rows per page, theme and time zone; where you are signed in; API keys."
    add_nav_item(state.app, "settings.edit", "Settings", description, order=1000)
    # settings/_sessions.html lists the signed-in person's sessions itself, wherever it is rendered.
    state.app.jinja_env.globals.update(live_sessions_of=live_sessions, current_session=current_session)


def _render(values, errors=None, status=200):
    context = dict(
        time_zone_form=_time_zone_context(settings.preferences(current_user)["time_zone"]),
        values=values,
        errors=errors or {},
        page_sizes=settings.PAGE_SIZES,
        themes=[(theme, THEME_LABELS[theme]) for theme in THEMES],
        defaults=settings.DEFAULTS,
    )
    return render_page_or_partial("settings/edit.html", "settings/_form.html", status, **context)


def _reload():
    # The theme lives on <html>, which no swap replaces: load the whole page again.
    url = url_for("settings.edit")
    if is_htmx():
        return client_redirect(current_app.response_class(status=204), url)
    return redirect(url, 303)


@bp.get("/")
def edit():
    """Show the user's current preferences."""
    return _render(settings.preferences(current_user))


@bp.post("/")
def update():
    """Save the chosen page size and theme; a value outside the offered ones is refused (422)."""
    try:
        settings.update(current_user, request.form.get("page_size"), request.form.get("theme"))
    except settings.InvalidSettings as error:
        return _render(request.form.to_dict(), error.errors, 422)
    toast("Settings saved.")
    return _reload()


@bp.post("/reset")
def reset():
    """Go back to the default page size and theme."""
    settings.reset(current_user)
    toast("Settings reset to the defaults.")
    return _reload()


def _time_zone_context(chosen, error=None):
    return {"chosen": chosen, "zones": settings.time_zones(), "error": error}


@bp.post("/time-zone")
def update_time_zone():
    """Save the zone dates and times are shown and typed in; an unknown zone is refused (422)."""
    chosen = request.form.get("time_zone", "")
    try:
        settings.set_time_zone(current_user, chosen)
    except settings.InvalidSettings as error:
        context = {"time_zone_form": _time_zone_context(chosen, error.errors["time_zone"])}
        return render_page_or_partial("settings/time_zone.html", "settings/_time_zone.html", 422, **context)
    toast("Time zone saved.")
    return _reload()


@bp.post("/sessions/end-others")
def end_other_sessions():
    """Sign out every other browser and device, and every API token; this browser stays signed in (as GitHub does)."""
    ended = sign_out_everywhere_else(current_user)
    toast(f"Signed out everywhere else ({ended} other session{'s' if ended != 1 else ''} ended).")
    if is_partial():
        return render_template("settings/_sessions.html")
    return redirect(url_for("settings.edit") + "#sessions", 303)
