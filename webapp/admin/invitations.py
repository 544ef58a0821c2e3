"""The Invitations page: invite addresses or make a link, list every invitation with its state, revoke."""

from flask import redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_login import current_user
from markupsafe import Markup

from ..exceptions import DomainError, InvalidInput
from ..extensions import db
from ..models import Invitation
from ..services import invitations
from ..services.mail import current_mailer
from .actions import report, selected
from .base import AdminModelView, RowButton

STATE_STYLES = {"sent": "info", "active": "info", "used": "success", "expired": "secondary", "revoked": "danger"}


def _state(view, context, model, name):
    state = str(model.state())
    return Markup('<span class="badge badge-pill badge-{}" data-state="{}">{}</span>').format(
        STATE_STYLES[state], state, state
    )


def _uses(view, context, model, name):
    return f"{model.use_count} of {model.max_uses}"


def _is_live(row):
    return row.is_usable


class InvitationView(AdminModelView):
    """Invitations, newest first. New ones come from the two forms (addresses, or a link shown once)."""

    can_create = False
    can_edit = False
    can_delete = False  # revoke instead: the audit trail keeps naming the invitation
    list_template = "admin/invitations/list.html"
    column_list = (
        "id",
        "kind",
        "email",
        "token_hint",
        "role",
        "state",
        "uses",
        "expires_at",
        "created_by",
        "created_at",
        "last_used_by",
        "last_used_at",
        "revoked_at",
    )
    column_details_exclude_list = ("token_hash",)
    column_export_list = ("id", "kind", "email", "token_hint", "role", "state", "uses", "expires_at", "created_at")
    column_searchable_list = ("email", "token_hint")
    column_filters = ("kind", "role", "email", "expires_at", "revoked_at", "created_at")
    column_sortable_list = ("id",)
    column_formatters = {"state": _state, "uses": _uses}
    column_formatters_export = {"state": lambda v, c, m, n: str(m.state()), "uses": _uses}
    column_labels = {"token_hint": "Link starts with", "last_used_by": "Used by", "last_used_at": "Used"}
    row_buttons = (RowButton("revoke", "Revoke", "outline-danger", _is_live),)

    def __init__(self, **kwargs):
        super().__init__(Invitation, **kwargs)

    def search_placeholder(self):
        return "E-mail or link start"

    @action("revoke", "Revoke", "Revoke the selected invitations? They can no longer be used.")
    def action_revoke(self, ids):
        """Revoke each selected invitation (already revoked ones are reported)."""
        done, refused = [], []
        for invitation in selected(Invitation, ids):
            label = invitation.email or f"link {invitation.token_hint}…"
            try:
                invitations.revoke(invitation, current_user._get_current_object())
            except DomainError as error:
                db.session.rollback()
                refused.append(f"{label}: {error.message}")
            else:
                done.append(label)
        report(done, refused, "Revoked")

    @expose("/invite/", methods=("GET", "POST"))
    def invite(self):
        """Invite one or many addresses with a role; each gets an e-mail (through the outbox)."""
        form = request.form if request.method == "POST" else {}
        if request.method == "GET":
            return self._invite_page(form)
        try:
            addresses = invitations.parse_addresses(form.get("addresses"))
            role = invitations.parse_role(form.get("role"))
            days = invitations.parse_number(form.get("days"), "days", 1, invitations.MAX_DAYS, invitations.DEFAULT_DAYS)
            created, skipped = invitations.invite(
                addresses, role, days, current_user._get_current_object(), current_mailer()
            )
        except InvalidInput as error:
            db.session.rollback()
            return self._invite_page(form, error.errors, error.status)
        report([item.email for item in created], skipped, "Invited")
        return redirect(self.get_url(".index_view"))

    @expose("/link/", methods=("GET", "POST"))
    def link(self):
        """Make an invitation link (role, expiry, uses); its address is shown once, on the answer to this form."""
        form = request.form if request.method == "POST" else {}
        if request.method == "GET":
            return self._link_page(form)
        try:
            role = invitations.parse_role(form.get("role"))
            days = invitations.parse_number(form.get("days"), "days", 1, invitations.MAX_DAYS, invitations.DEFAULT_DAYS)
            uses = invitations.parse_number(form.get("uses"), "uses", 1, invitations.MAX_USES, 1)
            invitation, token = invitations.create_link(role, days, uses, current_user._get_current_object())
        except InvalidInput as error:
            db.session.rollback()
            return self._link_page(form, error.errors, error.status)
        link = current_mailer().link("invitations.open_link", token=token)
        response = self._link_page({}, created=invitation, link=link)
        return response[0], 201, {"Cache-Control": "no-store"}

    def _invite_page(self, form, errors=None, status=200):
        body = self.render(
            "admin/invitations/invite.html",
            form=form,
            errors=errors or {},
            roles=invitations.ROLES,
            default_days=invitations.DEFAULT_DAYS,
            max_days=invitations.MAX_DAYS,
            max_addresses=invitations.MAX_ADDRESSES,
        )
        return body, status

    def _link_page(self, form, errors=None, status=200, created=None, link=None):
        body = self.render(
            "admin/invitations/link.html",
            form=form,
            errors=errors or {},
            roles=invitations.ROLES,
            default_days=invitations.DEFAULT_DAYS,
            max_days=invitations.MAX_DAYS,
            max_uses=invitations.MAX_USES,
            created=created,
            link=link,
        )
        return body, status
