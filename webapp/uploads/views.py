"""Image uploads: the htmx upload endpoint behind every image field, and local file serving."""

import re
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, request, send_from_directory
from flask_login import current_user

from ..extensions import limiter
from ..htmx import is_htmx, render_page_or_partial
from ..permissions import public
from . import service as uploads
from .files import FILE_TYPES
from .images import CONTENT_TYPES, SIZES

bp = Blueprint("uploads", __name__)

ONE_YEAR = 365 * 24 * 3600
# A stored image is inert data: even opened directly, it may run nothing and load nothing.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
DOM_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,99}")


@dataclass(frozen=True)
class FieldSpec:
    """How the image field that posted is drawn: its input name, label, preview size and element id."""

    name: str
    label: str = "Image"
    size: str = "card"
    dom_id: str = ""

    @classmethod
    def from_form(cls, form):
        name = form.get("image_field_name", "")
        size = form.get("image_field_size", "card")
        dom_id = form.get("image_field_id") or f"image-field-{name}"
        if not FIELD_NAME.fullmatch(name) or size not in SIZES or not DOM_ID.fullmatch(dom_id):
            abort(400)
        return cls(name, form.get("image_field_label", "Image")[:80] or "Image", size, dom_id)


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
        return render_page_or_partial(
            "uploads/upload.html", "uploads/_image_field.html", _form_status(error), **context
        )
    context.update(asset=asset, value=str(asset.id), message="Uploaded. Save the form to keep it.")
    return render_page_or_partial("uploads/upload.html", "uploads/_image_field.html", **context)


@bp.get("/files/<name>")
@public
def local_file(name):
    """Serve a locally stored image or document: public but unguessable, cached for a year, never sniffed.

    Documents are always downloads (``Content-Disposition: attachment``), never shown in the app's origin.
    """
    storage = uploads.backends().local
    if storage.path_for(name) is None:
        abort(404)
    ext = name.rpartition(".")[2]
    document = FILE_TYPES.get(ext) if ext not in CONTENT_TYPES else None
    mimetype = document.content_type if document else CONTENT_TYPES[ext]
    response = send_from_directory(
        storage.folder, name, mimetype=mimetype, max_age=ONE_YEAR, as_attachment=document is not None
    )
    # Names are random and never reused, so a cached copy can never be stale.
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    return response
