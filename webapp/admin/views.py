"""Back-office views: only approved administrators reach any of them."""

from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user


class AdminAccessMixin:
    """Admit approved administrators; send others to sign-in (anonymous) or a 403 page."""

    def is_accessible(self):
        return current_user.is_authenticated and current_user.is_admin

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)


class DashboardView(AdminAccessMixin, AdminIndexView):
    """The back office's home page."""

    @expose("/")
    def index(self):
        return self.render("admin/index.html")
