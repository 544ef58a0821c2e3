"""The back office at /admin, built per app (a module-level Admin breaks a second create_app)."""

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from ..security import csp_nonce
from .views import DashboardView


def init_admin(app):
    """Build the Admin for ``app``, add its views, and tell the access gate which URLs it owns."""
    admin = Admin(
        app,
        name="Hyperdesk",
        url="/admin",
        index_view=DashboardView(name="Dashboard", url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    # Flask-Admin keeps its views in a private list and offers no public accessor.
    app.extensions["admin_blueprints"] = {view.endpoint for view in admin._views}
    return admin
