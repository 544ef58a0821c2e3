"""The back office's home page: who is waiting, how many people and records there are, what happened last."""

from flask import redirect, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import AccessRequest, AccountStatus, AuditEvent, RequestStatus, User
from ..services import access
from .base import AdminAccessMixin
from .counts import row_count

WAITING_SHOWN = 5
EVENTS_SHOWN = 10


def users_by_status():
    """Accounts per status, every status listed (zero when none)."""
    counts = dict(db.session.execute(select(User.status, func.count()).group_by(User.status)).all())
    return [(status, counts.get(status, 0)) for status in AccountStatus]


def oldest_waiting(limit=WAITING_SHOWN):
    """The requests that have waited longest."""
    return db.session.scalars(
        select(AccessRequest)
        .options(joinedload(AccessRequest.user))
        .where(AccessRequest.status == RequestStatus.pending)
        .order_by(AccessRequest.created_at, AccessRequest.id)
        .limit(limit)
    ).all()


def latest_events(limit=EVENTS_SHOWN):
    """The most recent audit entries."""
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).all()


class DashboardView(AdminAccessMixin, AdminIndexView):
    """The back office's home page (an approver's is the access requests list, all they may use)."""

    back_office_roles = ("admin", "auditor", "approver")

    @expose("/")
    def index(self):
        """Pending requests first, then people, records and the latest audit entries."""
        if not (current_user.is_admin or current_user.is_auditor):
            return redirect(url_for("admin_access_request.index_view"))
        records = [
            (view.name, row_count(view.model), f"{view.endpoint}.index_view")
            for view in self.admin._views
            if getattr(view, "dashboard_count", False)
        ]
        return self.render(
            "admin/index.html",
            pending_count=access.pending_count(),
            waiting=oldest_waiting(),
            users=users_by_status(),
            records=records,
            events=latest_events(),
        )
