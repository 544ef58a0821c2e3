"""The public read-only page behind a share link, and the owner's buttons to create or revoke it."""

from flask import Blueprint, make_response, redirect, render_template
from flask_login import current_user

from ..htmx import is_partial, toast
from ..permissions import public
from ..projects.declarations import PROJECTS
from ..resources.queries import get_owned
from ..services import projects

bp = Blueprint("share", __name__)


@bp.get("/<token>")
@public
def view(token):
    """Show a shared project to anyone holding the link, without edit controls, hidden from search engines."""
    project = projects.shared_project(token)
    status = PROJECTS.field("status").label_for(project.status)
    response = make_response(render_template("share/project.html", project=project, status_label=status))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    # The token is the secret: keep it out of Referer headers and shared caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/projects/<id:project_id>")
def create(project_id):
    """Create the project's read-only link (its owner only)."""
    project = get_owned(PROJECTS, project_id, current_user).obj
    projects.create_share_link(project, current_user)
    toast("Share link ready. Anyone with it can read this project.")
    return _panel(project)


@bp.post("/projects/<id:project_id>/revoke")
def revoke(project_id):
    """Revoke the project's link: it answers 'not found' from now on."""
    project = get_owned(PROJECTS, project_id, current_user).obj
    if projects.revoke_share_link(project, current_user):
        toast("Share link revoked.")
    return _panel(project)


def _panel(project):
    if is_partial():
        return render_template("share/_panel.html", project=project, focus=True)
    return redirect(PROJECTS.url("show", project) + "#share-panel", 303)
