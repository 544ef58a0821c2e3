"""The data model; import models from here."""

from .api_keys import ApiKey, KeyScope
from .assets import Asset, StorageBackend
from .base import utcnow
from .outbox import OutboxMessage, OutboxStatus
from .projects import BulletItem, Project, ProjectStatus, Specification
from .sessions import UserSession
from .site import Invitation, InvitationKind, InvitationState, SiteSetting
from .users import AccessRequest, AccountStatus, AuditEvent, RequestStatus, Role, User

__all__ = [
    "AccessRequest",
    "AccountStatus",
    "ApiKey",
    "Asset",
    "AuditEvent",
    "BulletItem",
    "Invitation",
    "InvitationKind",
    "InvitationState",
    "KeyScope",
    "OutboxMessage",
    "OutboxStatus",
    "Project",
    "ProjectStatus",
    "RequestStatus",
    "Role",
    "SiteSetting",
    "Specification",
    "StorageBackend",
    "User",
    "UserSession",
    "utcnow",
]
