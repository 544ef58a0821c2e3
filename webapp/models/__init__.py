"""The data model; import models from here."""

from .assets import Asset, StorageBackend
from .base import utcnow
from .projects import BulletItem, Project, ProjectStatus, Specification
from .users import AccessRequest, AccountStatus, AuditEvent, RequestStatus, Role, User

__all__ = [
    "AccessRequest",
    "AccountStatus",
    "Asset",
    "AuditEvent",
    "BulletItem",
    "Project",
    "ProjectStatus",
    "RequestStatus",
    "Role",
    "Specification",
    "StorageBackend",
    "User",
    "utcnow",
]
