"""Uploaded images and documents in the back office (declared resources get their pages from webapp/admin/declared.py)."""

from ..models import User
from . import formatters
from .base import AdminModelView
from .lookups import lookup


class AssetView(AdminModelView):
    """Uploaded images with thumbnails: search by key, filter by owner, storage and dates."""

    dashboard_count = True

    column_list = (
        "id",
        "preview",
        "key",
        "storage",
        "content_type",
        "bytes",
        "width",
        "height",
        "owner",
        "created_at",
        "orphaned_at",
    )
    column_details_list = (
        "id",
        "preview",
        "key",
        "url",
        "storage",
        "content_type",
        "bytes",
        "width",
        "height",
        "owner",
        "created_at",
        "orphaned_at",
    )
    column_export_list = tuple(name for name in column_details_list if name != "preview")  # no pictures in a CSV
    column_searchable_list = ("key",)
    column_filters = ("owner.email", "owner_id", "storage", "content_type", "created_at", "orphaned_at")
    column_sortable_list = ("id",)
    column_formatters = {"preview": formatters.thumbnail_column}
    column_formatters_detail = {"preview": formatters.thumbnail_column}
    column_labels = {"owner.email": "Owner's e-mail", "owner_id": "Owner id", "orphaned_at": "Orphaned"}
    form_columns = ("owner", "storage", "key", "url", "content_type", "bytes", "width", "height")
    form_ajax_refs = {"owner": lookup("owner", User, "email", "name")}

    def search_placeholder(self):
        return "Storage key"
