"""The back office at /admin, built per app (a module-level Admin breaks a second create_app)."""

from flask_admin import Admin
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme

from ..models import AccessRequest, ApiKey, Asset, AuditEvent, User
from ..security import csp_nonce
from . import history, site
from .api_keys import ApiKeyView
from .declared import add_declared_views
from .outbox import OutboxView
from .views import (
    AccessRequestView,
    AssetView,
    AuditLogView,
    DashboardView,
    UserView,
)

PEOPLE = "People"
RECORDS = "Records"


def init_admin(app):
    """Build the Admin for ``app``, add its views, and tell the access gate which URLs it owns."""
    admin = Admin(
        app,
        name="Hyperdesk",
        url="/admin",
        index_view=DashboardView(name="Dashboard", url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="admin/hyperdesk/base.html", fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(UserView(User, name="Users", category=PEOPLE, url="/admin/users"))
    admin.add_view(
        AccessRequestView(AccessRequest, name="Access requests", category=PEOPLE, url="/admin/access-requests")
    )
    add_declared_views(admin, app.extensions["resources"])
    admin.add_view(AssetView(Asset, name="Assets", category=RECORDS, url="/admin/assets"))
    admin.add_view(ApiKeyView(ApiKey, name="API keys", category=PEOPLE, url="/admin/api-keys"))
    admin.add_view(AuditLogView(AuditEvent, name="Audit log", url="/admin/audit-log"))
    admin.add_view(OutboxView(name="Outbox", url="/admin/outbox"))
    site.register(admin)  # site settings, invitations (webapp/admin/site.py)
    admin.add_link(MenuLink(name="Back to the site", endpoint="main.home", class_name="hd-back-link"))
    history.install()
    note_views(app, admin)
    return admin


def note_views(app, admin):
    """Tell the access gate which blueprints are the back office's, and the pages which records have a page there."""
    app.extensions.pop("admin_menus", None)  # menus kept before these views were added lack them
    # Flask-Admin keeps its views in a private list and offers no public accessor.
    app.extensions["admin_blueprints"] = {view.endpoint for view in admin._views}
    # The roles each view admits, for the access gate (webapp/permissions.py); administrators only by default.
    app.extensions["back_office_roles"] = {
        view.endpoint: tuple(getattr(view, "back_office_roles", ("admin",))) for view in admin._views
    }
    # Pages link a record to its back-office page through this (webapp/templating.py).
    app.extensions["admin_model_endpoints"] = {
        view.model: view.endpoint for view in admin._views if getattr(view, "model", None) is not None
    }


def add_resource_pages(app, resources):
    """Give resources served after the factory ran (``register_resources`` in a test) their back-office pages."""
    admin = next(a for a in app.extensions["admin"] if a.endpoint == "admin")
    add_declared_views(admin, app.extensions["resources"], resources)
    note_views(app, admin)
