"""The Users page: find people, correct their names, and change their status or role through the rules."""

from functools import partial

from flask import url_for
from flask_admin.actions import action
from flask_login import current_user

from ..models import AccountStatus, Role
from ..services import access
from .actions import apply_to_users
from .base import AdminModelView, RowButton


def owned_lists(admin, user_id):
    """Links to the person's rows of each declared top-level resource in the back office."""
    links = []
    for view in admin._views:
        resource = getattr(view, "resource", None)
        arg = resource is not None and resource.owner and view.equals_filter_arg(resource.owner)
        if arg:
            links.append((f"Their {view.name.lower()}", url_for(f"{view.endpoint}.index_view", **{arg: user_id})))
    return links


def _is_other(row):
    return current_user.is_authenticated and row.id != current_user.id


class UserView(AdminModelView):
    """People: search, filters, name edits, and suspend / reinstate / make admin / revoke admin.

    Role and status are not form fields: they change only through ``services.access``, which
    refuses to suspend or demote yourself or the last administrator.
    """

    can_create = False  # accounts come from Google sign-in or `flask create-admin`
    can_delete = False  # suspend instead: the audit trail keeps naming the person
    column_list = ("id", "email", "name", "role", "status", "created_at", "last_login_at")
    column_searchable_list = ("email", "name")
    column_filters = ("role", "status", "created_at", "last_login_at")
    column_sortable_list = ("id", "email")
    column_details_exclude_list = ("session_version",)
    column_export_exclude_list = ("session_version", "settings", "google_sub")
    form_columns = ("name",)
    column_labels = {"last_login_at": "Last sign-in"}
    row_buttons = (
        RowButton(
            "suspend", "Suspend", "outline-danger", lambda row: _is_other(row) and row.status == AccountStatus.approved
        ),
        RowButton("reinstate", "Reinstate", "outline-success", lambda row: row.status == AccountStatus.suspended),
        RowButton(
            "make_admin",
            "Make admin",
            "outline-primary",
            lambda row: row.role != Role.admin and row.status == AccountStatus.approved,
        ),
        RowButton(
            "revoke_admin", "Revoke admin", "outline-secondary", lambda row: _is_other(row) and row.role == Role.admin
        ),
        RowButton(
            "make_user",
            "Make user",
            "outline-secondary",
            lambda row: row.role in (Role.approver, Role.auditor) and row.status == AccountStatus.approved,
        ),
    )

    def search_placeholder(self):
        return "E-mail or name"

    def related_links(self, model):
        return [
            *owned_lists(self.admin, model.id),
            (
                "Their access requests",
                url_for("admin_access_request.index_view", flt0_persons_email_equals=model.email),
            ),
            ("What they did (audit log)", url_for("admin_audit_event.index_view", flt0_actor_id_equals=model.id)),
        ]

    @action("make_approver", "Make approver", "Let the selected people decide access requests (and nothing else)?")
    def action_make_approver(self, ids):
        """Give each selected approved person the approver role."""
        apply_to_users(ids, partial(access.set_role, role=Role.approver), "Now approvers")

    @action("make_auditor", "Make auditor", "Let the selected people read the back office and the audit log?")
    def action_make_auditor(self, ids):
        """Give each selected approved person the auditor role."""
        apply_to_users(ids, partial(access.set_role, role=Role.auditor), "Now auditors")

    @action("make_user", "Make ordinary user", "Take the approver or auditor role from the selected people?")
    def action_make_user(self, ids):
        """Give each selected approver or auditor the ordinary user role back."""
        apply_to_users(ids, partial(access.set_role, role=Role.user), "Now ordinary users")

    @action("suspend", "Suspend", "Suspend the selected accounts? They lose access at their next request.")
    def action_suspend(self, ids):
        """Suspend each selected account."""
        apply_to_users(ids, access.suspend, "Suspended")

    @action("reinstate", "Reinstate")
    def action_reinstate(self, ids):
        """Give each selected suspended account its access back."""
        apply_to_users(ids, access.reinstate, "Reinstated")

    @action("make_admin", "Make admin", "Give the selected people the administrator role?")
    def action_make_admin(self, ids):
        """Make each selected approved person an administrator."""
        apply_to_users(ids, access.make_admin, "Now administrators")

    @action("revoke_admin", "Revoke admin", "Remove the administrator role from the selected people?")
    def action_revoke_admin(self, ids):
        """Take the administrator role from each selected person."""
        apply_to_users(ids, access.revoke_admin, "No longer administrators")
