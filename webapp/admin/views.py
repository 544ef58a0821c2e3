"""The back office's views, gathered so ``init_admin`` can add them (each lives in its own module)."""

from .access_requests import AccessRequestView
from .audit_log import AuditLogView
from .base import AdminAccessMixin, AdminModelView
from .content import AssetView
from .dashboard import DashboardView
from .declared import DeclaredView
from .users import UserView

__all__ = [
    "AccessRequestView",
    "AdminAccessMixin",
    "AdminModelView",
    "AssetView",
    "AuditLogView",
    "DashboardView",
    "DeclaredView",
    "UserView",
]
