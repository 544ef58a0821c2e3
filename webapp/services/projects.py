"""Project rules beyond plain editing: read-only share links that can be revoked."""

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..exceptions import NotFound
from ..extensions import db
from ..models import AccountStatus, Project, Specification, User
from . import audit

# 32 random bytes (256 bits), URL-safe: 43 characters, far beyond guessing.
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64
# What token_urlsafe makes; anything else is refused before the database sees it (PostgreSQL refuses NUL).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,%d}" % MAX_TOKEN_LENGTH)


def create_share_link(project, actor):
    """Give ``project`` an unguessable read-only link; an existing link is kept as it is."""
    if project.share_token:
        return project.share_token
    project.share_token = secrets.token_urlsafe(TOKEN_BYTES)
    audit.record("project.share_created", actor=actor, target=project)
    db.session.commit()
    return project.share_token


def revoke_share_link(project, actor):
    """Stop the project's link from working at once; False when it had none."""
    if not project.share_token:
        return False
    project.share_token = None
    audit.record("project.share_revoked", actor=actor, target=project)
    db.session.commit()
    return True


def shared_project(token):
    """The project shared under ``token``, its cover, specifications and items (three statements), or NotFound.

    A link works only while its owner's account is approved: a suspended (or otherwise no
    longer approved) owner's links answer "not found", like a revoked one, without saying
    why. The token is kept, so reinstatement brings the links back unless the owner or an
    administrator revoked them meanwhile. Deleting the account deletes its projects.
    """
    if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
        raise NotFound("This link does not work. It may have been revoked.")
    project = db.session.scalar(
        select(Project)
        .join(User, User.id == Project.owner_id)
        .where(Project.share_token == token, User.status == AccountStatus.approved)
        .options(joinedload(Project.cover), selectinload(Project.specifications).selectinload(Specification.items))
    )
    if project is None:
        raise NotFound("This link does not work. It may have been revoked.")
    return project
