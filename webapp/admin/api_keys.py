"""The API keys page: everyone's keys with their owner, scope, expiry and last use; revoke through the rules."""

from flask_admin.actions import action
from flask_login import current_user

from ..exceptions import DomainError
from ..extensions import db
from ..models import ApiKey
from ..services import credentials
from .actions import report, selected
from .base import AdminModelView, RowButton


class ApiKeyView(AdminModelView):
    """Personal API keys: listed, searched, revoked; never created or edited here (the owner makes them, shown once)."""

    can_create = False
    can_edit = False
    can_delete = False  # revoke instead: the audit trail keeps naming the key
    column_list = ("id", "user", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    column_details_exclude_list = ("key_hash",)
    column_export_exclude_list = ("key_hash",)
    column_searchable_list = ("prefix", "name", "user.email")
    column_filters = ("scope", "revoked_at", "expires_at", "last_used_at", "user.email")
    column_labels = {"user": "Owner", "user.email": "Owner's e-mail", "prefix": "Key starts with"}
    row_buttons = (RowButton("revoke", "Revoke", "outline-danger", lambda row: row.revoked_at is None),)

    def search_placeholder(self):
        return "Key prefix, name or owner's e-mail"

    @action("revoke", "Revoke", "Revoke the selected keys? Anything using them stops working at its next request.")
    def action_revoke(self, ids):
        """Revoke each selected key (already revoked ones are reported)."""
        done, refused = [], []
        for key in selected(ApiKey, ids):
            try:
                credentials.revoke(key, current_user._get_current_object())
            except DomainError as error:
                db.session.rollback()
                refused.append(f"{key.prefix}: {error.message}")
            else:
                done.append(key.prefix)
        report(done, refused, "Revoked")
