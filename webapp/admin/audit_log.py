"""The Audit log page: who did what to which record, and when; read-only, filterable, exportable."""

from flask import url_for
from markupsafe import Markup
from werkzeug.routing import BuildError

from . import formatters
from .base import AdminModelView


def _target_column(view, context, model, name):
    """The target as a link to its back-office page when there is one."""
    if not model.target_type:
        return ""
    text = f"{model.target_type} #{model.target_id}"
    try:
        url = url_for(f"admin_{model.target_type}.details_view", id=model.target_id)
    except BuildError:
        return text
    return Markup('<a href="{}">{}</a>').format(url, text)


def _actor_column(view, context, model, name):
    return model.actor_email or Markup('<i class="text-muted">system</i>')


class AuditLogView(AdminModelView):
    """Every recorded decision and back-office change; nobody can add, edit or delete entries."""

    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("id", "created_at", "actor_email", "action", "target", "details", "ip")
    column_details_list = (
        "id",
        "created_at",
        "actor_email",
        "actor_id",
        "action",
        "target_type",
        "target_id",
        "details",
        "ip",
    )
    column_export_list = column_details_list
    column_filters = ("actor.email", "actor_id", "action", "target_type", "target_id", "created_at")
    column_sortable_list = ("id", "created_at")
    column_formatters = {"target": _target_column, "details": formatters.details_column, "actor_email": _actor_column}
    column_formatters_detail = {"details": formatters.details_column}
    column_labels = {
        "created_at": "When",
        "actor_email": "Who",
        "actor.email": "Actor's e-mail",
        "actor_id": "Actor id",
        "ip": "IP",
    }
