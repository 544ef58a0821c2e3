"""What every template can use: the theme, the navigation, the CSP nonce, the pending count."""

from dataclasses import dataclass

from flask import current_app, url_for
from flask_login import current_user

from .security import csp_nonce

THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation for approved users."""

    endpoint: str
    label: str
    description: str = ""

    @property
    def prefix(self):
        return self.endpoint.rpartition(".")[0] + "."


def add_nav_item(app, endpoint, label, description=""):
    """Show a feature's page in the main navigation."""
    app.extensions.setdefault("nav_items", []).append(NavItem(endpoint, label, description))


def user_theme():
    """The signed-in user's theme setting, or follow the system."""
    if current_user.is_authenticated:
        theme = (current_user.settings or {}).get("theme")
        if theme in THEMES:
            return theme
    return "system"


def pending_access_count():
    """Requests waiting for a decision, for administrators (0 for everyone else)."""
    from .services.access import pending_count

    if current_user.is_authenticated and current_user.is_admin:
        return pending_count()
    return 0


def back_office_url(obj):
    """The back-office page of ``obj`` for administrators, or None."""
    endpoint = current_app.extensions.get("admin_model_endpoints", {}).get(type(obj))
    if endpoint is None or not (current_user.is_authenticated and current_user.is_admin):
        return None
    return url_for(f"{endpoint}.details_view", id=obj.id)


def template_globals():
    """Values every template sees."""
    return {
        "csp_nonce": csp_nonce,
        "back_office_url": back_office_url,
        "theme": user_theme(),
        "nav_items": current_app.extensions.get("nav_items", []),
        "pending_access_count": pending_access_count,
    }


def register_templating(app):
    """Install the template globals."""
    app.context_processor(template_globals)
