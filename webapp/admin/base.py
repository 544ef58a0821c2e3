"""What every back-office view shares: the admin-only gate, CSRF through Flask-WTF, the look, fast lists, history."""

from flask import abort, current_app, flash, has_request_context, redirect, request, url_for
from flask_admin.contrib.sqla import ModelView
from flask_admin.helpers import is_safe_url
from flask_admin.model.template import DeleteRowAction
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from ..extensions import db
from ..permissions import admits_to_back_office
from ..templating import user_theme
from ..urls import url_for_record
from . import formatters, paging
from .filters import HyperdeskFilterConverter
from .history import recording_changes
from .inputs import ClientInputMixin
from .list_page import ListPageMixin
from .list_rows import ListRowsMixin

# Cells a spreadsheet would read as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# How many menus an app keeps (one per page, role and kind of request; all are dropped when full).
MENUS_KEPT = 256
# How many URLs of Flask-Admin's static files an app keeps once built (its templates link about 20).
STATIC_URLS_KEPT = 100

# Endpoints of a model view that show or take a change: an auditor reads, never writes.
WRITE_FORMS = frozenset({"create_view", "edit_view", "delete_view", "ajax_update", "action_view"})


def request_memo(name):
    """A dict kept on this request only (``g`` outlives a request where a caller holds the app context)."""
    kept = vars(request._get_current_object())
    memo = kept.get(f"hyperdesk_{name}")
    if memo is None:
        memo = kept[f"hyperdesk_{name}"] = {}
    return memo


def _is_readable_url(target):
    """False for a return address Flask-Admin's own check cannot read: urlparse raises ValueError on "//[x"."""
    try:
        is_safe_url(target)
    except ValueError:
        return False
    return True


def forget_unreadable_return_url():
    """Take a return address (``url``) that urlparse cannot read out of ``request.values``, so it counts as absent.

    Flask-Admin's get_redirect_target() reads ``request.values["url"]`` through is_safe_url(), which raises on
    such an address, and some views ask only after their change is committed (an action, a save, a delete):
    a 500 over a stored change. Absent, every view returns to its list. Only ``values`` changes: a form field
    named ``url`` (an asset's) still reads ``request.form``.
    """
    target = request.values.get("url")
    if target is None or _is_readable_url(target):
        return
    request.values = CombinedMultiDict(
        [
            MultiDict([(key, value) for key, value in part.items(multi=True) if key != "url"])
            for part in request.values.dicts
        ]
    )


def _reading_only():
    """True for an auditor's request: every change is hidden (and refused by the gate and the view)."""
    return has_request_context() and current_user.is_authenticated and current_user.is_auditor


class AdminAccessMixin:
    """Admit the roles this view names (administrators; auditors to read); others get sign-in or a 403 page.

    The access gate (webapp/permissions.py) already guards every admin blueprint with the
    same ``back_office_roles``; this is the second lock, finer (an auditor never reaches a
    form that changes data), and it hides menu entries from anyone it would refuse.
    """

    back_office_roles = ("admin", "auditor")

    def _handle_view(self, name, **kwargs):
        # Runs before every exposed method of every back-office view, so no view can trip on the address.
        forget_unreadable_return_url()
        return super()._handle_view(name, **kwargs)

    def is_accessible(self):
        # Asked once per view for the request itself, and again for every menu entry, its category and the
        # templates' checks (some 40 times a page): answered once per view, user and role for this request.
        user = current_user._get_current_object()
        key = (self.endpoint, id(user), getattr(user, "role", None), getattr(user, "status", None))
        answers = request_memo("admin_accessible")
        if key not in answers:
            answers[key] = self.admits_request(user)
        return answers[key]

    def admits_request(self, user):
        """Whether ``user`` may make this request to this view (is_accessible, before the memo)."""
        if not (user.is_authenticated and admits_to_back_office(user, self.endpoint, request.method)):
            return False
        if user.is_auditor:
            return (request.endpoint or "").rpartition(".")[2] not in WRITE_FORMS
        return True

    def get_url(self, endpoint, **kwargs):
        if not endpoint.endswith(".static"):
            return super().get_url(endpoint, **kwargs)
        # The layout links some 20 of Flask-Admin's static files on every page; their URLs never change.
        kept = current_app.extensions.setdefault("admin_static_urls", {})
        key = (request.script_root, endpoint, tuple(sorted(kwargs.items())))
        url = kept.get(key)
        if url is None:
            url = super().get_url(endpoint, **kwargs)
            if len(kept) < STATIC_URLS_KEPT:
                kept[key] = url
        return url

    def kept_menu(self, part="menu"):
        """The menu's HTML as rendered before for this page, this kind of request and this role; None if not yet.

        ``part`` names what the HTML holds: the menu (hyperdesk/base.html), or the menu and its links (list.html).
        """
        return current_app.extensions.get("admin_menus", {}).get(self._menu_key(part))

    def keep_menu(self, html, part="menu"):
        """Keep the menu's HTML for the next such page (templates/admin/hyperdesk/base.html, list.html)."""
        menus = current_app.extensions.setdefault("admin_menus", {})
        if len(menus) >= MENUS_KEPT:
            menus.clear()
        menus[self._menu_key(part)] = html
        return html

    def _menu_key(self, part):
        # What the menu depends on: which entry is this page (the view), which entries the user's role and
        # status admit for this request (method and endpoint: an auditor's write forms), and the URLs' root.
        user = current_user._get_current_object()
        role = (getattr(user, "role", None), getattr(user, "status", None), user.is_authenticated)
        return (part, self.endpoint, request.endpoint, request.method, request.script_root, role)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)

    def render(self, template, **kwargs):
        # Flask-Admin passes its own `theme` object to templates; the user's light/dark
        # choice travels under another name.
        kwargs.setdefault("color_theme", user_theme())
        return super().render(template, **kwargs)


def _unless_reading(name):
    def read(view):
        return getattr(view, f"_declared_{name}") and not _reading_only()

    def write(view, value):
        setattr(view, f"_declared_{name}", value)

    return property(read, write)


class RowButton:
    """A one-click action in a list row: a small POST form to the view's action endpoint."""

    def __init__(self, action, label, style="secondary", applies=lambda row: True):
        self.action = action
        self.label = label
        self.style = style
        self.applies = applies


class AdminModelView(AdminAccessMixin, ListPageMixin, ListRowsMixin, ClientInputMixin, ModelView):
    """The base of every model page in the back office.

    Subclasses say which columns to list, search, filter and edit; this class makes every
    list cheap on big tables, every POST carry the app's CSRF token, every create,
    edit and delete leave an audit entry in the same transaction, and every value read
    from the browser pass the app's id and text rules (inputs.py).
    """

    # The app's CSRFProtect checks every POST; Flask-Admin's SecureForm would reject its tokens.
    form_base_class = FlaskForm
    # One flat template (its frame from list_page.py); inline-editable columns need Flask-Admin's own list.
    list_template = "admin/hyperdesk/list.html"
    blocks_list_template = "admin/hyperdesk/list_blocks.html"
    details_template = "admin/hyperdesk/details.html"
    filter_converter = HyperdeskFilterConverter()

    # Big tables: no COUNT(*) per page view, newest first along the primary key index.
    simple_list_pager = True
    # Readable filter parameters (?flt0_status_equals=active) that other pages can link to.
    named_filter_urls = True
    column_default_sort = ("id", True)
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    can_view_details = True
    can_export = True
    export_types = ["csv"]
    # An export streams at most this many rows of the current search and filters.
    export_max_rows = 50_000
    # Whether the dashboard shows this table's row count.
    dashboard_count = False
    column_type_formatters = formatters.TYPE_FORMATTERS
    column_type_formatters_detail = formatters.DETAIL_TYPE_FORMATTERS
    column_type_formatters_export = formatters.EXPORT_TYPE_FORMATTERS
    row_buttons = ()
    _declared_can_create = _declared_can_edit = _declared_can_delete = True
    can_create = _unless_reading("can_create")
    can_edit = _unless_reading("can_edit")
    can_delete = _unless_reading("can_delete")

    def __init_subclass__(cls, **kwargs):
        # can_create / can_edit / can_delete as a view declares them, turned off for an auditor's requests
        # (the list then offers no Create tab, edit or delete buttons, bulk delete or inline edits).
        super().__init_subclass__(**kwargs)
        for name in ("can_create", "can_edit", "can_delete"):
            declared = cls.__dict__.get(name)
            if isinstance(declared, bool):
                setattr(cls, f"_declared_{name}", declared)
                setattr(cls, name, _unless_reading(name))

    def __init__(self, model, **kwargs):
        kwargs.setdefault("endpoint", f"admin_{model.__tablename__}")
        kwargs.setdefault("url", f"/admin/{model.__tablename__.replace('_', '-')}")
        super().__init__(model, db, **kwargs)

    def get_url(self, endpoint, **kwargs):
        # Every list row links to view, edit and delete with only its id changing.
        if "id" in kwargs:
            record_id = kwargs.pop("id")
            return url_for_record(endpoint, "id", record_id, **kwargs)
        return super().get_url(endpoint, **kwargs)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        # A deep page finds its ids first (by cursor where it can), then joins owners and images for those
        # rows only (paging.py).
        key = getattr(self.model, self._primary_key, None) if isinstance(self._primary_key, str) else None
        if not (execute and key is not None):
            return super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        keyset = paging.walks_the_key(self, key, sort_column, sort_desc)
        if keyset:
            paging.remember_keyset_order()
        cursor = paging.read_cursor() if keyset and page else None
        if cursor is not None:
            count, query = super().get_list(None, sort_column, sort_desc, search, filters, False, page_size=False)
            rows = paging.keyset_rows(query, key, cursor, page_size or self.page_size)
            if rows is not None:
                return count, rows
            ids = paging.keyset_ids(query, key, cursor, page_size or self.page_size)
            return count, paging.rows_in_order(self, key, ids)
        if not page:
            return super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        count, query = super().get_list(page, sort_column, sort_desc, search, filters, False, page_size)
        return count, paging.rows_in_order(self, key, paging.page_ids(query, key))

    def render(self, template, **kwargs):
        rows = kwargs.get("data")
        if template == self.list_template and rows and kwargs.get("num_pages") is None and paging.keyset_order_noted():
            kwargs["pager_url"] = paging.keyset_pager(self, kwargs["page"], rows)
        if template == AdminModelView.list_template and self.column_editable_list:
            # The flat list has no inline-edit widgets (X-editable forms per row): Flask-Admin's list has.
            template = self.blocks_list_template
        return super().render(template, **kwargs)

    def _get_list_extra_args(self):
        # The pager's cursor belongs to one link: other links of the page (sorts, filters, page sizes,
        # the return address of a form) start over from the page number.
        args = super()._get_list_extra_args()
        for name in paging.CURSOR_ARGS:
            args.extra_args.pop(name, None)
        return args

    def delete_form(self):
        # The list's templates write their own delete and batch-action forms (templates/admin/model/row_actions.html,
        # templates/admin/actions.html): its page builds neither of Flask-Admin's forms (WTForms, a CSRF token each).
        return None if self._is_list_page() else super().delete_form()

    def action_form(self, obj=None):
        return None if self._is_list_page() else super().action_form(obj)

    def _is_list_page(self):
        return request.endpoint == f"{self.endpoint}.index_view"

    def create_model(self, form):
        with recording_changes(current_user):
            return super().create_model(form)

    def update_model(self, form, model):
        with recording_changes(current_user):
            return super().update_model(form, model)

    def delete_model(self, model):
        with recording_changes(current_user):
            return super().delete_model(model)

    def handle_view_exception(self, exc):
        if isinstance(exc, IntegrityError):
            # The database refused the change (a duplicate or a missing reference); say so
            # without echoing the SQL.
            flash("The database refused this change: it conflicts with another record.", "error")
            return True
        if isinstance(exc, DataError | OverflowError):
            # A value the form's checks let through and the column cannot hold (PostgreSQL's DataError; SQLite's
            # driver raises OverflowError for an integer beyond 64 bits): the person's input, not a bug to trace.
            current_app.logger.warning("The database refused a value of a back-office form: %s", type(exc).__name__)
            flash(
                "The database could not store a value of this form (a number or a text too large); nothing was changed.",
                "error",
            )
            return True
        return super().handle_view_exception(exc)

    def get_export_value(self, model, name):
        value = super().get_export_value(model, name)
        if isinstance(value, Markup):
            # A list formatter's HTML has no place in a spreadsheet: its text only.
            value = value.striptags()
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            # A spreadsheet would run "=HYPERLINK(...)" typed by a user; a leading quote keeps it text.
            return "'" + value
        return value

    def is_action_allowed(self, name):
        return not _reading_only() and super().is_action_allowed(name)

    def buttons_for(self, row):
        """The one-click actions that apply to ``row`` (the service still has the last word)."""
        return [button for button in self.row_buttons if self.is_action_allowed(button.action) and button.applies(row)]

    def allows_row_action(self, action, row):
        """Whether the list shows the standard ``action`` (view, edit, delete) for ``row``."""
        return True

    def search_placeholder(self):
        return f"Search {self.name.lower()}"

    def related_links(self, model):
        """(label, url) pairs shown under a record's details: its children, its history."""
        return []


class ReadOnlyRowsMixin:
    """For views whose decided rows must not be deleted: hides and refuses their delete."""

    def row_is_locked(self, row):
        raise NotImplementedError

    def allows_row_action(self, action, row):
        return not (isinstance(action, DeleteRowAction) and self.row_is_locked(row))

    def delete_model(self, model):
        if self.row_is_locked(model):
            flash(Markup("{} can no longer be deleted.").format(formatters.label(model)), "error")
            return False
        return super().delete_model(model)
