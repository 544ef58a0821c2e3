"""The settings page: rows per page and theme, saved per user, with a reset to the defaults."""

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user

from ..htmx import client_redirect, is_htmx, render_page_or_partial, toast
from ..services import settings
from ..templating import THEMES, add_nav_item

bp = Blueprint("settings", __name__)

THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


@bp.record_once
def _add_to_navigation(state):
    add_nav_item(state.app, "settings.edit", "Settings", "Rows per page and light or dark theme.")


def _render(values, errors=None, status=200):
    context = dict(
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
