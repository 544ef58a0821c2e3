"""What every template can use: the theme, the navigation, the CSP nonce, the pending count."""

from dataclasses import dataclass
from datetime import UTC

from flask import current_app, g, has_request_context, request, url_for
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from .html import html_text
from .security import csp_nonce, csrf_token
from .services import pending_requests, site_settings
from .services.settings import THEMES, time_zone
from .urls import back_office_endpoint
from .wording import with_article


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation for approved users."""

    endpoint: str
    label: str
    description: str = ""
    order: int = 100

    @property
    def prefix(self):
        return self.endpoint.rpartition(".")[0] + "."


def add_nav_item(app, endpoint, label, description="", order=100):
    """Show a feature's page in the main navigation: lower ``order`` first, then in the order features are added."""
    items = app.extensions.setdefault("nav_items", [])
    items.append(NavItem(endpoint, label, description, order))
    items.sort(key=lambda item: item.order)  # stable: equal orders keep their registration order


def user_theme():
    """The signed-in user's theme setting, or follow the system."""
    if current_user.is_authenticated:
        theme = (current_user.settings or {}).get("theme")
        if theme in THEMES:
            return theme
    return "system"


def on_clock(moment, zone):
    """``moment`` on ``zone``'s clock, or in UTC when that clock is past the calendar's edge (year 9999 or 1)."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment.astimezone(UTC)


def local_time(moment, pattern):
    """``moment`` (stored in UTC) on the viewer's clock, their settings' time zone, formatted by ``pattern``.

    ``%Z`` in the pattern names the zone ("CET", "UTC"). Signed out, the clock is UTC; a moment the
    zone's clock cannot show (the calendar's last day, east of UTC) is shown in UTC.
    """
    if moment.tzinfo is None:  # a naive moment is read as UTC, as every stored one is
        moment = moment.replace(tzinfo=UTC)
    zone = time_zone(current_user) if has_request_context() and current_user.is_authenticated else UTC
    return on_clock(moment, zone).strftime(pattern)


def pending_access_count():
    """Requests waiting for a decision, for administrators and approvers (0 for everyone else).

    This worker's copy, at most a few seconds old and never older than its own last change
    (``services/pending_requests.py``).
    """
    if current_user.is_authenticated and current_user.can_decide_access:
        return current_app.extensions["pending_access_count"].get()
    return 0


def back_office_url(obj):
    """The back-office page of ``obj`` for administrators, or None."""
    endpoint = back_office_endpoint(type(obj))
    return None if endpoint is None else url_for(f"{endpoint}.details_view", id=obj.id)


# Flask-Admin's own row icons (view, edit, delete) depend on the row only through its id: each is
# rendered once per page with a placeholder and the row's id put in its place (rendered per row,
# they cost about a fifth of a back-office list's CPU). Other row actions render per row as before.
PLAIN_ROW_ACTIONS = {"ViewRowAction", "EditRowAction", "DeleteRowAction"}
ROW_ID_PLACEHOLDER = "__hyperdesk_row_id__"


@pass_context
def row_action(context, action, row_id, row):
    """The HTML of a back-office row action for ``row`` (``action.render_ctx``, once per page for the plain icons)."""
    kind = type(action)
    if kind.__name__ not in PLAIN_ROW_ACTIONS or kind.__module__ != "flask_admin.model.template":
        return action.render(context, row_id, row)
    kept = g.setdefault("row_action_html", {})
    key = (id(action), context.get("return_url"))
    if key not in kept:
        kept[key] = str(action.render(context, ROW_ID_PLACEHOLDER, row))
    return Markup(kept[key].replace(ROW_ID_PLACEHOLDER, html_text(row_id)))


HEAD_ASSETS = "_head_assets.html"
NONCE_PLACEHOLDER = "__hyperdesk_csp_nonce__"


@pass_context
def head_assets(context):
    """The page head's links and scripts (``_head_assets.html``) with this page's nonce.

    They are the same on every page but for the nonce, and building their eight static URLs was
    about a third of the page frame's CPU: they are rendered once per script root and reused.
    """
    if not has_request_context() or context.environment.auto_reload:
        return Markup(context.environment.get_template(HEAD_ASSETS).render(context.get_all()))
    kept = current_app.extensions.setdefault("head_assets", {})
    html = kept.get(request.script_root)
    if html is None:
        template = context.environment.get_template(HEAD_ASSETS)
        html = template.render({**context.get_all(), "csp_nonce": lambda: NONCE_PLACEHOLDER})
        kept[request.script_root] = html
    return Markup(html.replace(NONCE_PLACEHOLDER, html_text(csp_nonce())))


def template_globals():
    """Values every template sees."""
    return {
        "csp_nonce": csp_nonce,
        "csrf_token": csrf_token,  # Flask-WTF's token, made without its compression attempt (security.py)
        "back_office_url": back_office_url,
        "theme": user_theme(),
        "nav_items": current_app.extensions.get("nav_items", []),
        "pending_access_count": pending_access_count,
        # The site's name and banner (Site settings): no database round trip while this process's copy is fresh.
        "site": site_settings.current(),
    }


def register_templating(app):
    """Install the template globals and the navigation's kept count of pending requests."""
    app.extensions["pending_access_count"] = pending_requests.PendingCount()
    pending_requests.watch_changes()
    app.jinja_env.globals["row_action"] = row_action
    app.jinja_env.globals["head_assets"] = head_assets
    app.jinja_env.filters["with_article"] = with_article
    app.jinja_env.filters["local_time"] = local_time
    app.context_processor(template_globals)
