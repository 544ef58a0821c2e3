"""The example domain in the back office: projects, specifications, bullet items and image assets."""

from flask import url_for

from ..models import Asset, Project, Specification, User
from . import formatters
from .base import AdminModelView
from .lookups import lookup


class ProjectView(AdminModelView):
    """Every project of every user: search by name, filter by owner, status and dates."""

    column_list = ("id", "cover", "name", "owner", "status", "created_at", "updated_at")
    column_details_list = ("id", "cover", "name", "description", "owner", "status", "share_token", "created_at", "updated_at")
    column_export_list = ("id", "name", "description", "owner", "status", "cover_asset_id", "created_at", "updated_at")
    column_searchable_list = ("name",)
    column_filters = ("owner.email", "owner_id", "status", "created_at")
    # Only indexed orders: a sort without an index reads the whole table (docs/admin.md).
    column_sortable_list = ("id", "name", "created_at")
    column_formatters = {"cover": formatters.thumbnail_column}
    column_formatters_detail = {"cover": formatters.thumbnail_column}
    column_labels = {"owner.email": "Owner's e-mail", "owner_id": "Owner id"}
    form_columns = ("name", "owner", "status", "description", "cover")
    form_ajax_refs = {"owner": lookup("owner", User, "email", "name"), "cover": lookup("cover", Asset, "key")}

    def search_placeholder(self):
        return "Project name"

    def related_links(self, model):
        return [
            ("Its specifications", url_for("admin_specification.index_view", flt0_project_id_equals=model.id)),
            ("Owner", url_for("admin_users.details_view", id=model.owner_id)),
        ]


class SpecificationView(AdminModelView):
    """Specifications inside projects: search by title, filter by project and dates."""

    column_list = ("id", "title", "project", "created_at", "updated_at")
    column_searchable_list = ("title",)
    column_filters = ("project_id", "project.name", "created_at")
    column_sortable_list = ("id",)
    column_labels = {"project_id": "Project id", "project.name": "Project name"}
    form_columns = ("project", "title", "body")
    form_ajax_refs = {"project": lookup("project", Project, "name")}

    def search_placeholder(self):
        return "Specification title"

    def related_links(self, model):
        return [
            ("Its bullet items", url_for("admin_bullet_item.index_view", flt0_specification_id_equals=model.id)),
            ("Its project", url_for("admin_project.details_view", id=model.project_id)),
        ]


class BulletItemView(AdminModelView):
    """The ordered lines of specifications: search the text, filter by specification and dates."""

    column_list = ("id", "text", "position", "specification", "created_at", "updated_at")
    column_searchable_list = ("text",)
    column_filters = ("specification_id", "specification.title", "created_at")
    column_sortable_list = ("id",)
    column_labels = {"specification_id": "Specification id", "specification.title": "Specification title"}
    form_columns = ("specification", "text", "position")
    form_ajax_refs = {"specification": lookup("specification", Specification, "title")}

    def search_placeholder(self):
        return "Item text"


class AssetView(AdminModelView):
    """Uploaded images with thumbnails: search by key, filter by owner, storage and dates."""

    column_list = ("id", "preview", "key", "storage", "content_type", "bytes", "width", "height", "owner", "created_at", "orphaned_at")
    column_details_list = ("id", "preview", "key", "url", "storage", "content_type", "bytes", "width", "height", "owner", "created_at", "orphaned_at")
    column_export_list = ("id", "key", "url", "storage", "content_type", "bytes", "width", "height", "owner", "created_at", "orphaned_at")
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

