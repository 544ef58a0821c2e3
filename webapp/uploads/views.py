"""Image uploads: the htmx upload endpoint behind every image field, local file serving, a cover demo."""

import re
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user

from ..errors import NotFound
from ..extensions import db, limiter
from ..htmx import is_htmx, render_page_or_partial, toast
from ..models import Project
from ..permissions import public
from ..services import uploads
from .images import ACCEPT, CONTENT_TYPES, SIZES

bp = Blueprint("uploads", __name__)

ONE_YEAR = 365 * 24 * 3600
# A stored image is inert data: even opened directly, it may run nothing and load nothing.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@bp.record_once
def _setup(state):
    """Give each app its storage backends and the template helpers image fields use."""
    uploads.init_app(state.app)
    state.app.jinja_env.globals.update(thumbnail_url=uploads.thumbnail_url, image_sizes=SIZES, image_accept=ACCEPT)


@bp.after_app_request
def _destroy_released(response):
    """Delete files released by this request's commits (services that forgot to, the back office)."""
    try:
        uploads.destroy_released()
    except Exception:  # deleting files is housekeeping: it must never break the answer
        db.session.rollback()
        current_app.logger.exception("Deleting released assets failed; purge-orphan-assets will retry")
    return response


@dataclass(frozen=True)
class FieldSpec:
    """How the image field that posted is drawn: its input name, label and preview size."""

    name: str
    label: str = "Image"
    size: str = "card"

    @classmethod
    def from_form(cls, form):
        name = form.get("image_field_name", "")
        size = form.get("image_field_size", "card")
        if not FIELD_NAME.fullmatch(name) or size not in SIZES:
            abort(400)
        return cls(name, form.get("image_field_label", "Image")[:80] or "Image", size)


def _form_status(error):
    # htmx swaps only 422 answers in place; a plain form post can show the precise status.
    return 422 if is_htmx() else error.status


def _per_user():
    return f"user:{current_user.get_id().partition(':')[0]}"


def _upload_limit():
    return current_app.config["RATELIMIT_UPLOAD"]


@bp.post("/images")
@limiter.limit(_upload_limit, key_func=_per_user)
def upload_image():
    """Store the image picked in an image field; answer with the field showing the preview or why not."""
    field = FieldSpec.from_form(request.form)
    current = uploads.own_asset(request.form.get(field.name), current_user)
    context = {"field": field, "asset": current, "value": request.form.get(field.name, "")}
    upload = request.files.get(f"{field.name}_file")
    try:
        if upload is None or not upload.filename:
            raise uploads.UploadError("Choose an image file to upload.")
        asset = uploads.store_image(upload, current_user._get_current_object())
    except uploads.UploadError as error:
        context["error"] = error.message
        return render_page_or_partial("uploads/upload.html", "uploads/_image_field.html", _form_status(error), **context)
    context.update(asset=asset, value=str(asset.id), message="Uploaded. Save the form to keep it.")
    return render_page_or_partial("uploads/upload.html", "uploads/_image_field.html", **context)


@bp.get("/files/<name>")
@public
def local_file(name):
    """Serve a locally stored image: public but unguessable, cached for a year, never sniffed."""
    storage = uploads.backends().local
    if storage.path_for(name) is None:
        abort(404)
    response = send_from_directory(storage.folder, name, mimetype=CONTENT_TYPES[name.rpartition(".")[2]], max_age=ONE_YEAR)
    # Names are random and never reused, so a cached copy can never be stale.
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    return response


def _own_project(project_id):
    project = db.session.get(Project, project_id)
    if project is None or project.owner_id != current_user.id:
        raise NotFound("This project does not exist.")
    return project


@bp.get("/demo/projects/<int:project_id>/cover")
def cover_demo(project_id):
    """Demo until the project form has its cover field: change one project's cover image."""
    project = _own_project(project_id)
    return render_template("uploads/cover_demo.html", project=project, asset=project.cover)


@bp.post("/demo/projects/<int:project_id>/cover")
def save_cover_demo(project_id):
    """Save the cover chosen in the demo form (an uploaded asset id, or a file sent without JavaScript)."""
    project = _own_project(project_id)
    try:
        user = current_user._get_current_object()
        asset = uploads.chosen_image(request.form, request.files, "cover", user, current=project.cover)
        uploads.replace_image(project, "cover", asset)
    except uploads.UploadError as error:
        db.session.rollback()
        pending = uploads.own_asset(request.form.get("cover"), current_user)
        return render_template("uploads/cover_demo.html", project=project, asset=pending or project.cover,
                               error=error.message), _form_status(error)
    toast("Cover image saved." if project.cover else "Cover image removed.")
    return redirect(url_for("uploads.cover_demo", project_id=project.id), code=303)
