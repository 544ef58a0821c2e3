"""Who may create, revoke and open a project's share link."""

from tests import factories

from . import NOT_APPROVED, REDIRECT, ROLES, Route, outcomes

OWNER_CHANGES = {"user": REDIRECT, "other_user": 404, "admin": 404}


def _shared(w):
    """The world's project, shared (made once per world)."""
    if not w.project.share_token:
        w.project.share_token = "matrix-share-token-0123456789abcdefghijklmnop"
        factories.db.session.commit()
    return {"token": w.project.share_token}


ROUTES = [
    # The link is the permission: anyone holding it reads the project, in any account state.
    Route("GET", "share.view", {role: 200 for role in ROLES}, args=_shared),
    Route(
        "POST",
        "share.create",
        outcomes(NOT_APPROVED, **OWNER_CHANGES),
        args=lambda w: {"project_id": w.project.id},
    ),
    Route(
        "POST",
        "share.revoke",
        outcomes(NOT_APPROVED, **OWNER_CHANGES),
        args=lambda w: {"project_id": w.project.id},
    ),
]
