"""Project rules beyond plain editing: read-only share links that can be revoked."""

import secrets

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..errors import NotFound
from ..extensions import db
from ..models import Project, Specification
from . import audit

# 32 random bytes (256 bits), URL-safe: 43 characters, far beyond guessing.
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64


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
    """The project shared under ``token``, its specifications and their items (three statements), or NotFound."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound("This link does not work. It may have been revoked.")
    project = db.session.scalar(
        select(Project)
        .where(Project.share_token == token)
        .options(selectinload(Project.specifications).selectinload(Specification.items))
    )
    if project is None:
        raise NotFound("This link does not work. It may have been revoked.")
    return project
