"""The back office's home page: who is waiting, how many people and records there are, what happened last."""

from flask_admin import AdminIndexView, expose
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import AccessRequest, AccountStatus, Asset, AuditEvent, BulletItem, Project, RequestStatus, Specification, User
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
    """The back office's home page."""

    @expose("/")
    def index(self):
        """Pending requests first, then people, records and the latest audit entries."""
        records = [
            ("Projects", row_count(Project), "admin_project.index_view"),
            ("Specifications", row_count(Specification), "admin_specification.index_view"),
            ("Bullet items", row_count(BulletItem), "admin_bullet_item.index_view"),
            ("Assets", row_count(Asset), "admin_asset.index_view"),
        ]
        return self.render(
            "admin/index.html",
            pending_count=access.pending_count(),
            waiting=oldest_waiting(),
            users=users_by_status(),
            records=records,
            events=latest_events(),
        )
