"""Images for any model's image field: check, store, attach, replace, release, purge.

The only module that calls Cloudinary. Unit of work: ``store_image`` commits the new,
unattached Asset on its own (call it before changing other rows); ``replace_image`` and
``release`` commit the change and then delete the old file; ``set_image`` only changes
the field, for a service that commits itself and then calls ``destroy_released()``.
An asset is orphaned (``orphaned_at`` set) from its upload until a field points at it, and
again once released; ``purge_orphans`` deletes orphans whose files could not be deleted at once.
"""

import io
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..config import ConfigError
from ..errors import Conflict
from ..extensions import db
from ..models import Asset, StorageBackend, utcnow
from ..uploads import fields
from ..uploads.images import CONTENT_TYPES, SIZES, Limits, UploadError, clean_image
from ..uploads.storage import LocalStorage, StorageError, StoredFile

__all__ = ["UploadError", "store_image", "chosen_image", "own_asset", "set_image", "replace_image", "release",
           "destroy_released", "purge_orphans", "thumbnail_url"]

log = logging.getLogger(__name__)
UPLOAD_TIMEOUT = 60
DESTROY_TIMEOUT = 15
UNAVAILABLE = "The image could not be stored because the image service is not answering. Nothing was saved; please try again in a moment."
GONE = "This image is no longer available. Please upload it again."
EXT_OF = {content_type: ext for ext, content_type in CONTENT_TYPES.items()}


def cloudinary_options(url):
    """SDK options read from CLOUDINARY_URL, passed on every call so no global SDK config is used."""
    parts = urlsplit(url)
    if parts.scheme != "cloudinary" or not (parts.username and parts.password and parts.hostname):
        raise ConfigError(["CLOUDINARY_URL must look like cloudinary://API_KEY:API_SECRET@CLOUD_NAME."])
    query = {key: {"true": True, "false": False}.get(value, value) for key, value in parse_qsl(parts.query)}
    distribution = parts.path.strip("/") or None
    options = {
        "cloud_name": parts.hostname, "api_key": unquote(parts.username), "api_secret": unquote(parts.password),
        "private_cdn": bool(distribution), "secure_distribution": distribution,
        # Explicit None values keep any global SDK configuration (e.g. from the environment) out.
        "upload_prefix": None, "oauth_token": None, "upload_preset": None, "cname": None,
        # Delivery over HTTPS, unless the URL names its own domain (cname) or says otherwise.
        "secure": "cname" not in query,
    }
    options.update(query)
    return options


class CloudinaryStorage:
    """Signed server-side uploads into one folder per environment; thumbnails as URL transformations.

    The SDK (and the HTTP stack under it) is imported on first use, so workers of an app
    without Cloudinary, or that have not yet served an image, do not carry it.
    """

    kind = StorageBackend.cloudinary

    def __init__(self, url, folder):
        self.options = cloudinary_options(url)
        self.folder = folder

    def save(self, image):
        import cloudinary.exceptions
        import cloudinary.uploader

        try:
            result = cloudinary.uploader.upload(
                io.BytesIO(image.data), folder=self.folder, resource_type="image", type="upload",
                overwrite=False, allowed_formats=sorted(CONTENT_TYPES), timeout=UPLOAD_TIMEOUT, **self.options)
        except (cloudinary.exceptions.Error, ValueError) as error:
            raise StorageError(f"Cloudinary upload failed: {error}") from error
        return StoredFile(result["public_id"], result["secure_url"], result["bytes"], result["width"],
                          result["height"], image.content_type)

    def delete(self, key):
        import cloudinary.exceptions
        import cloudinary.uploader

        try:
            result = cloudinary.uploader.destroy(key, resource_type="image", type="upload", invalidate=True,
                                                 timeout=DESTROY_TIMEOUT, **self.options)
        except (cloudinary.exceptions.Error, ValueError) as error:
            raise StorageError(f"Cloudinary destroy of {key} failed: {error}") from error
        if result.get("result") not in ("ok", "not found"):
            raise StorageError(f"Cloudinary destroy of {key} answered {result!r}")

    def thumbnail_url(self, asset, size):
        import cloudinary.utils

        width, height = SIZES[size]
        url, _ = cloudinary.utils.cloudinary_url(
            asset.key, resource_type="image", type="upload", format=EXT_OF.get(asset.content_type),
            width=width, height=height, crop="fill", gravity="auto", quality="auto", **self.options)
        return url


@dataclass(frozen=True)
class Backends:
    """This app's storage: local disk always (to serve and delete local files), Cloudinary when configured."""

    limits: Limits
    local: LocalStorage
    cloudinary: Optional[CloudinaryStorage]

    @property
    def current(self):
        return self.cloudinary or self.local


def init_app(app):
    """Build the storage backends from the app's configuration."""
    config = app.config
    remote = None
    if config["CLOUDINARY_URL"]:
        folder = config["CLOUDINARY_FOLDER"] or f"hyperdesk/{config['APP_ENV']}"
        remote = CloudinaryStorage(config["CLOUDINARY_URL"], folder)
    app.extensions["uploads"] = Backends(Limits.from_config(config), LocalStorage(config["UPLOAD_FOLDER"]), remote)


def backends():
    """The storage backends of the current app."""
    return current_app.extensions["uploads"]


def storage_for(asset):
    """The backend holding ``asset``'s file, or None when this app cannot reach it."""
    found = backends()
    return found.local if asset.storage == StorageBackend.local else found.cloudinary


def store_image(file, owner):
    """Check, clean and store an uploaded image; commits an unattached Asset owned by ``owner``.

    Raises UploadError (nothing stored, no row) when the file is refused or storage fails.
    """
    image = clean_image(file.stream, backends().limits)
    storage = backends().current
    try:
        stored = storage.save(image)
    except StorageError:
        log.exception("Storing an upload failed")
        raise UploadError(UNAVAILABLE, status=503) from None
    asset = Asset(owner=owner, storage=storage.kind, key=stored.key, url=stored.url, content_type=stored.content_type,
                  bytes=stored.bytes, width=stored.width, height=stored.height, orphaned_at=utcnow())
    db.session.add(asset)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        _delete_quietly(storage, stored.key)
        raise
    return asset


def chosen_image(form, files, name, user, current=None):
    """The asset a submitted form chose for image field ``name``, storing a file sent without JavaScript.

    ``name`` holds an asset id (from the htmx upload), ``name_file`` a file, ``name_remove``
    a tick to clear it; a form without the field keeps ``current``.
    """
    upload = files.get(f"{name}_file")
    if upload is not None and upload.filename:
        return store_image(upload, user)
    if form.get(f"{name}_remove"):
        return None
    if name not in form:
        return current
    raw = form.get(name, "").strip()
    if not raw:
        return None
    if current is not None and raw == str(current.id):
        return current
    asset = own_asset(raw, user)
    # Only the uploader's own, not yet attached uploads may be attached (released ones have no owner).
    if asset is None or asset.orphaned_at is None:
        raise UploadError(GONE)
    return asset


def own_asset(raw_id, user):
    """The asset a form value names when ``user`` uploaded it, else None (ids of others reveal nothing)."""
    raw_id = (raw_id or "").strip()
    if not (raw_id.isdigit() and 0 < int(raw_id) < 2**31):
        return None
    asset = db.session.get(Asset, int(raw_id))
    return asset if asset is not None and user is not None and asset.owner_id == user.id else None


def set_image(holder, name, asset):
    """Point ``holder``'s image field at ``asset`` (None: no image) without committing."""
    fields.image_field(type(holder), name)
    setattr(holder, name, asset)


def replace_image(holder, name, asset):
    """Set the image field, commit, then delete the replaced image's file."""
    set_image(holder, name, asset)
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        # The new asset was purged between the upload and this save.
        db.session.rollback()
        raise UploadError(GONE, status=409) from None
    destroy_released()
    return holder


def release(asset):
    """Give up an asset no field points at (e.g. an upload the user discarded) and delete it."""
    if fields.is_referenced(db.session, asset.id):
        raise Conflict("This image is still in use.")
    fields.mark_released(db.session, asset)
    db.session.commit()
    destroy_released()


def destroy_released():
    """Delete the files and rows of assets released by committed changes; returns the ids deleted."""
    return [asset_id for asset_id in sorted(fields.take_destroy_queue(db.session)) if _destroy(asset_id)]


def _destroy(asset_id):
    """Delete one orphan's file, then its row; a failure is logged and the orphan kept for the purge."""
    asset = db.session.scalar(
        select(Asset).where(Asset.id == asset_id).with_for_update().execution_options(populate_existing=True))
    if asset is None or asset.orphaned_at is None or fields.is_referenced(db.session, asset_id):
        if asset is not None and asset.orphaned_at is not None:
            asset.orphaned_at = None  # something points at it again: it is not an orphan
        db.session.commit()
        return False
    storage = storage_for(asset)
    try:
        if storage is None:
            raise StorageError(f"{asset.storage} is not configured in this app")
        storage.delete(asset.key)
    except StorageError as error:
        db.session.rollback()
        log.warning("Could not delete orphaned asset %s (%s); purge-orphan-assets will retry: %s",
                    asset_id, asset.key, error)
        return False
    db.session.delete(asset)
    db.session.commit()
    return True


@dataclass(frozen=True)
class PurgeReport:
    """What one purge run did."""

    marked: int
    restored: int
    deleted: int
    failed: int


def purge_orphans(older_than=timedelta(hours=1)):
    """Orphan unreferenced assets, restore referenced ones, then delete orphans older than ``older_than``."""
    now = utcnow()
    referenced = fields.referenced_ids()
    marked = db.session.execute(
        update(Asset).where(Asset.orphaned_at.is_(None), Asset.id.not_in(referenced)).values(orphaned_at=now),
        execution_options={"synchronize_session": False}).rowcount
    restored = db.session.execute(
        update(Asset).where(Asset.orphaned_at.is_not(None), Asset.id.in_(referenced)).values(orphaned_at=None),
        execution_options={"synchronize_session": False}).rowcount
    db.session.commit()
    due = db.session.scalars(select(Asset.id).where(Asset.orphaned_at <= now - older_than).order_by(Asset.id)).all()
    deleted = sum(1 for asset_id in due if _destroy(asset_id))
    return PurgeReport(marked, restored, deleted, len(due) - deleted)


def thumbnail_url(asset, size="thumb"):
    """The URL of ``asset`` cropped to a named size ('thumb', 'card'), or its full image for size None."""
    if asset is None:
        return None
    if size is not None and size not in SIZES:
        raise ValueError(f"unknown thumbnail size {size!r}; use one of {', '.join(SIZES)}")
    storage = storage_for(asset)
    if size is None or storage is None:
        return asset.url
    return storage.thumbnail_url(asset, size)


def _delete_quietly(storage, key):
    try:
        storage.delete(key)
    except StorageError:
        log.warning("Could not remove %s after a failed save; it is stored but unrecorded", key)
