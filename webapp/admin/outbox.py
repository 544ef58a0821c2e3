"""The Outbox page: e-mail not delivered yet (waiting for a retry, or given up on), with "Send again"."""

from flask import current_app, flash
from flask_admin.actions import action

from ..ids import parse_ids
from ..models import OutboxMessage, OutboxStatus
from ..services import outbox
from .base import AdminModelView


def _recipients_column(view, context, model, name):
    return ", ".join(model.recipients or [])


class OutboxView(AdminModelView):
    """Undelivered mail, oldest first; sent mail is not listed (``flask outbox purge`` removes it)."""

    can_create = False
    can_edit = False
    can_delete = False
    column_default_sort = ("id", False)
    column_list = ("id", "created_at", "status", "recipients", "subject", "attempts", "next_attempt_at", "last_error")
    column_details_list = (
        "id",
        "created_at",
        "status",
        "recipients",
        "subject",
        "body",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "claimed_by",
        "last_error",
        "message_id",
    )
    column_filters = ("status", "created_at")
    column_searchable_list = ("subject",)
    column_sortable_list = ("id", "created_at")
    column_formatters = {"recipients": _recipients_column}
    column_formatters_detail = {"recipients": _recipients_column}
    column_labels = {"created_at": "Written", "next_attempt_at": "Next attempt", "last_error": "Last error"}

    def __init__(self, **kwargs):
        super().__init__(OutboxMessage, **kwargs)

    def get_query(self):
        return super().get_query().where(OutboxMessage.status != OutboxStatus.sent)

    def get_count_query(self):
        return super().get_count_query().where(OutboxMessage.status != OutboxStatus.sent)

    def search_placeholder(self):
        return "Subject"

    @action("retry", "Send again", "Send the selected messages again now?")
    def action_retry(self, ids):
        """Make the selected messages due now; the delivery thread sends them within seconds."""
        count = outbox.retry(parse_ids(str(value) for value in ids)) if ids else 0
        current_app.extensions["outbox"].wake()
        flash(f"{count} message(s) will be sent again.", "success")
