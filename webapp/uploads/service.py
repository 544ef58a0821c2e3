"""Images for any model's image field: check, store, attach, replace, release, purge.

Storage is reached only through the backends in ``storage/``. Unit of work: ``store_image`` commits the new,
unattached Asset on its own (call it before changing other rows); ``replace_image`` and
``release`` commit the change and then delete the old file; ``set_image`` only changes
the field, for a service that commits itself and then calls ``destroy_released()``.
An asset is orphaned (``orphaned_at`` set) from its upload until a field points at it, and
again once released; ``purge_orphans`` deletes orphans whose files could not be deleted at once.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..exceptions import Conflict
from ..extensions import db
from ..ids import parse_id
from ..models import Asset, StorageBackend, utcnow
from . import tracking
from .decoding import DecodeSlots
from .files import clean_file
from .images import SIZES, Limits, UploadError, clean_image
from .storage import StorageError
from .storage.cloudinary import CloudinaryStorage
from .storage.local import LocalStorage

__all__ = [
    "UploadError",
    "store_image",
    "chosen_image",
    "own_asset",
    "set_image",
    "replace_image",
    "release",
    "destroy_released",
    "purge_orphans",
    "thumbnail_url",
]

log = logging.getLogger(__name__)
UNAVAILABLE = "The image could not be stored because the image service is not answering. Nothing was saved; please try again in a moment."
GONE = "This image is no longer available. Please upload it again."
NOT_A_FILE = "This field takes a file chosen with the file picker, not text. Please choose the file again."


@dataclass(frozen=True)
class Backends:
    """This app's storage: local disk always (to serve and delete local files), Cloudinary when configured."""

    limits: Limits
    local: LocalStorage
    cloudinary: CloudinaryStorage | None
    decoding: DecodeSlots

    @property
    def current(self):
        return self.cloudinary or self.local


def init_backends(app):
    """Build the storage backends from the app's configuration."""
    config = app.config
    remote = None
    if config["CLOUDINARY_URL"]:
        folder = config["CLOUDINARY_FOLDER"] or f"hyperdesk/{config['APP_ENV']}"
        remote = CloudinaryStorage(config["CLOUDINARY_URL"], folder)
    decoding = DecodeSlots(config["UPLOAD_DECODES"], config["UPLOAD_DECODE_WAIT"])
    app.extensions["uploads"] = Backends(
        Limits.from_config(config), LocalStorage(config["UPLOAD_FOLDER"]), remote, decoding
    )


def backends():
    """The storage backends of the current app."""
    return current_app.extensions["uploads"]


def storage_for(asset):
    """The backend holding ``asset``'s file, or None when this app cannot reach it."""
    found = backends()
    return found.local if asset.storage == StorageBackend.local else found.cloudinary


def store_image(file, owner):
    """Check, clean and store an uploaded image; commits an unattached Asset owned by ``owner``.

    Raises UploadError (nothing stored, no row) when the file is refused or storage fails, and
    Busy (503) when this process is already decoding as many images as it may.
    """
    found = backends()
    storage = found.current
    with found.decoding.slot():
        # Only encoded bytes leave the block: the decoded pixels are freed before storage is called.
        image = clean_image(file.stream, found.limits, thumbnails=not storage.makes_thumbnails)
    try:
        stored = storage.save(image)
    except StorageError:
        log.exception("Storing an upload failed")
        raise UploadError(UNAVAILABLE, status=503) from None
    return _record(storage, stored, owner)


def store_file(file, owner, types, max_bytes):
    """Check and store an uploaded document of one of ``types``; commits an unattached Asset owned by ``owner``.

    Raises UploadError (nothing stored, no row) when the file is refused or storage fails.
    """
    document = clean_file(file, types, max_bytes)
    storage = backends().current
    try:
        stored = storage.save_file(document)
    except StorageError:
        log.exception("Storing an uploaded document failed")
        raise UploadError(UNAVAILABLE.replace("image", "file"), status=503) from None
    return _record(storage, stored, owner, filename=document.filename)


def _record(storage, stored, owner, filename=None):
    """Commit the row of a file just stored, unattached; remove the file again if the row cannot be written."""
    asset = Asset(
        owner=owner,
        storage=storage.kind,
        key=stored.key,
        url=stored.url,
        content_type=stored.content_type,
        bytes=stored.bytes,
        width=stored.width,
        height=stored.height,
        filename=filename,
        orphaned_at=utcnow(),
    )
    db.session.add(asset)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        _delete_quietly(storage, stored.key)
        raise
    return asset


def is_document(asset):
    """True for a stored document (a file field's), False for an image."""
    return not asset.content_type.startswith("image/")


def chosen_image(form, files, name, user, current=None, store=None):
    """The asset a submitted form chose for image field ``name``, storing a file sent without JavaScript.

    ``name`` holds an asset id (from the htmx upload), ``name_file`` a file, ``name_remove``
    a tick to clear it; a form without the field keeps ``current``. ``store(file, user)``
    stores a sent file (default: as an image; file fields pass their own).
    """
    upload = files.get(f"{name}_file")
    if isinstance(upload, str):
        # A text part under the file's name: a crafted request, or a client that forgot multipart.
        if upload:
            raise UploadError(NOT_A_FILE)
        upload = None
    if upload is not None and upload.filename:
        return (store or store_image)(upload, user)
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
    asset_id = parse_id((raw_id or "").strip())
    if asset_id is None or asset_id >= 2**31:
        return None
    asset = db.session.get(Asset, asset_id)
    return asset if asset is not None and user is not None and asset.owner_id == user.id else None


def set_image(holder, name, asset):
    """Point ``holder``'s image field at ``asset`` (None: no image) without committing."""
    tracking.image_field(type(holder), name)
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
    if tracking.is_referenced(db.session, asset.id):
        raise Conflict("This image is still in use.")
    tracking.mark_released(db.session, asset)
    db.session.commit()
    destroy_released()


def destroy_released():
    """Delete the files and rows of assets released by committed changes; returns the ids deleted."""
    return [asset_id for asset_id in sorted(tracking.take_destroy_queue(db.session)) if _destroy(asset_id)]


def _destroy(asset_id):
    """Delete one orphan's file, then its row; a failure is logged and the orphan kept for the purge."""
    asset = db.session.scalar(
        select(Asset).where(Asset.id == asset_id).with_for_update().execution_options(populate_existing=True)
    )
    if asset is None or asset.orphaned_at is None or tracking.is_referenced(db.session, asset_id):
        if asset is not None and asset.orphaned_at is not None:
            asset.orphaned_at = None  # something points at it again: it is not an orphan
        db.session.commit()
        return False
    storage = storage_for(asset)
    try:
        if storage is None:
            raise StorageError(f"{asset.storage} is not configured in this app")
        storage.delete(asset.key, resource_type="raw" if is_document(asset) else "image")
    except StorageError as error:
        db.session.rollback()
        log.warning(
            "Could not delete orphaned asset %s (%s); purge-orphan-assets will retry: %s", asset_id, asset.key, error
        )
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
    referenced = tracking.referenced_ids()
    marked = db.session.execute(
        update(Asset).where(Asset.orphaned_at.is_(None), Asset.id.not_in(referenced)).values(orphaned_at=now),
        execution_options={"synchronize_session": False},
    ).rowcount
    restored = db.session.execute(
        update(Asset).where(Asset.orphaned_at.is_not(None), Asset.id.in_(referenced)).values(orphaned_at=None),
        execution_options={"synchronize_session": False},
    ).rowcount
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
    if size is None or storage is None or is_document(asset):
        return asset.url
    return storage.thumbnail_url(asset, size)


def _delete_quietly(storage, key):
    try:
        storage.delete(key)
    except StorageError:
        log.warning("Could not remove %s after a failed save; it is stored but unrecorded", key)
