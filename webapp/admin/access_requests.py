"""The Access requests page: pending first, decided ones read-only, batch approve / reject with a note."""

from flask import abort, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.helpers import get_redirect_target
from flask_admin.model.template import DeleteRowAction
from flask_login import current_user
from markupsafe import Markup

from ..exceptions import DomainError
from ..extensions import db
from ..ids import parse_ids
from ..models import AccessRequest, RequestStatus, Role
from ..services import access
from ..services.mail import current_mailer
from .actions import report, selected
from .base import AdminModelView, ReadOnlyRowsMixin, RowButton

DECISIONS = {"approve": "Approve", "reject": "Reject"}
DONE = {"approve": "Approved", "reject": "Rejected"}


def _is_pending(row):
    return row.status == RequestStatus.pending


def _reason_column(view, context, model, name):
    reason = model.reason
    short = reason if len(reason) <= 90 else reason[:89] + "…"
    return Markup('<span title="{}">{}</span>').format(reason, short)


class AccessRequestView(ReadOnlyRowsMixin, AdminModelView):
    """Requests for access: the decision goes through ``services.access`` with an optional note.

    Flask-Admin actions carry no form, so Approve and Reject (one row or a selection) first
    show a confirmation page with a note field, which posts to ``decide``.
    """

    can_create = False
    can_edit = False  # a request holds the person's own words; a decision is the only change
    column_list = ("id", "user", "status", "reason", "created_at", "decided_by", "decided_at", "decision_note")
    column_searchable_list = ("user.email", "user.name")
    column_filters = ("status", "created_at", "decided_at", "user.email")
    column_sortable_list = ("id",)
    column_formatters = {"reason": _reason_column}
    column_formatters_export = {}  # the CSV gets the whole reason as written, not the list's markup
    column_labels = {"user": "Person", "user.email": "Person's e-mail", "decision_note": "Note"}
    row_buttons = (
        RowButton("approve", "Approve", "outline-success", _is_pending),
        RowButton("reject", "Reject", "outline-danger", _is_pending),
    )

    back_office_roles = ("admin", "auditor", "approver")

    def row_is_locked(self, row):
        return row.is_decided

    def admits_request(self, user):
        if not super().admits_request(user):
            return False
        if user.role != Role.approver:
            return True
        # An approver decides requests here and reads them; nothing else (no delete, no other action).
        name = (request.endpoint or "").rpartition(".")[2]
        if name == "action_view":
            return request.form.get("action") in DECISIONS
        return name not in ("create_view", "edit_view", "delete_view", "ajax_update")

    def allows_row_action(self, action, row):
        if isinstance(action, DeleteRowAction) and current_user.role == Role.approver:
            return False
        return super().allows_row_action(action, row)

    def is_action_allowed(self, name):
        if current_user.role == Role.approver and name not in DECISIONS:
            return False
        return super().is_action_allowed(name)

    def search_placeholder(self):
        return "Person's e-mail or name"

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        if sort_column is None:
            # Undecided requests (no decision time) first, then the latest decisions: one
            # backward walk of the (decided_at, id) index, however long the history grows.
            return query.order_by(AccessRequest.decided_at.desc().nulls_first(), AccessRequest.id.desc()), joins
        return super()._apply_sorting(query, joins, sort_column, sort_desc)

    @action("approve", "Approve")
    def action_approve(self, ids):
        """Ask for a note, then approve the selected pending requests."""
        return self._confirm(ids, "approve")

    @action("reject", "Reject")
    def action_reject(self, ids):
        """Ask for a note, then reject the selected pending requests."""
        return self._confirm(ids, "reject")

    def _confirm(self, ids, decision, note="", error=None, status=200):
        requests = selected(AccessRequest, ids)
        body = self.render(
            "admin/access_requests/decide.html",
            decision=decision,
            decision_label=DECISIONS[decision],
            pending=[item for item in requests if not item.is_decided],
            decided=[item for item in requests if item.is_decided],
            note=note,
            error=error,
            note_max=access.NOTE_MAX,
            return_url=self._return_url(),
        )
        return body, status

    @expose("/decide/", methods=("POST",))
    def decide(self):
        """Apply the confirmed decision, with the note, to every selected pending request."""
        decision = request.form.get("decision")
        if decision not in DECISIONS:
            abort(400)
        ids = parse_ids(request.form.getlist("rowid"))
        note = request.form.get("note", "")
        return_url = self._return_url()  # read before the decision is committed: nothing may fail after it
        try:
            access.validate_note(note)
            decided, problems = access.decide_many(
                ids, current_user._get_current_object(), decision, current_mailer(), note=note
            )
        except DomainError as error:
            db.session.rollback()
            return self._confirm(ids, decision, note, error.message, error.status)
        report([item.user.email for item in decided], problems, DONE[decision])
        return redirect(return_url)

    def _return_url(self):
        """The page to go back to: the form's ``url`` when safe (base.py drops one urlparse cannot read), else the list."""
        return get_redirect_target() or self.get_url(".index_view")
