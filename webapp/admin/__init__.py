"""The back office at /admin, built per app (a module-level Admin breaks a second create_app)."""

from flask_admin import Admin
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme

from ..models import AccessRequest, Asset, AuditEvent, BulletItem, Project, Specification, User
from ..security import csp_nonce
from . import history
from .views import (
    AccessRequestView,
    AssetView,
    AuditLogView,
    BulletItemView,
    DashboardView,
    ProjectView,
    SpecificationView,
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
    admin.add_view(AccessRequestView(AccessRequest, name="Access requests", category=PEOPLE, url="/admin/access-requests"))
    admin.add_view(ProjectView(Project, name="Projects", category=RECORDS, url="/admin/projects"))
    admin.add_view(SpecificationView(Specification, name="Specifications", category=RECORDS, url="/admin/specifications"))
    admin.add_view(BulletItemView(BulletItem, name="Bullet items", category=RECORDS, url="/admin/bullet-items"))
    admin.add_view(AssetView(Asset, name="Assets", category=RECORDS, url="/admin/assets"))
    admin.add_view(AuditLogView(AuditEvent, name="Audit log", url="/admin/audit-log"))
    admin.add_link(MenuLink(name="Back to Hyperdesk", endpoint="main.home", class_name="hd-back-link"))
    history.install()
    # Flask-Admin keeps its views in a private list and offers no public accessor.
    app.extensions["admin_blueprints"] = {view.endpoint for view in admin._views}
    # Pages link a record to its back-office page through this (webapp/templating.py).
    app.extensions["admin_model_endpoints"] = {
        view.model: view.endpoint for view in admin._views if getattr(view, "model", None) is not None
    }
    return admin
