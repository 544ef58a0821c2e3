"""Images for any model: checking and cleaning, storage backends, tracking of referenced assets, and their views.

``init_app`` starts the feature for an app (called from the factory's ``register_extensions``).
"""

from flask import current_app

from ..extensions import db
from . import service, tracking
from .images import ACCEPT, SIZES


def init_app(app):
    """Give the app its storage backends, the template helpers image fields use, and the clean-up after requests."""
    service.init_backends(app)
    tracking.install()
    app.jinja_env.globals.update(thumbnail_url=service.thumbnail_url, image_sizes=SIZES, image_accept=ACCEPT)
    app.after_request(_destroy_released)


def _destroy_released(response):
    """Delete files released by this request's commits (services that forgot to, the back office)."""
    try:
        service.destroy_released()
    except Exception:  # deleting files is housekeeping: it must never break the answer
        db.session.rollback()
        current_app.logger.exception("Deleting released assets failed; purge-orphan-assets will retry")
    return response
