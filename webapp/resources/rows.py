"""A list's rows and cells as HTML, built in Python.

A page of 25 rows took some 600 template calls (a macro per row, per cell and per action,
each with its own context), about half of the page's CPU. Built here, a row costs a few
string joins; Django's admin builds its result rows in Python for the same reason
(``items_for_result``). The templates ``_row.html``, ``_row_actions.html``, ``_handle.html``,
``_row_everyone.html`` and ``cells/<name>.html`` call these functions, so overriding a
resource's row template, or naming a cell by a template path, works as before.

Functions that need the page's context (``here``, the moved row's ``focus_id``, the
template globals) take it first, as ``pass_context`` template globals.
"""

from functools import cached_property, lru_cache

from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from jinja2.filters import do_truncate
from markupsafe import Markup

from ..html import html_text
from ..urls import back_office_endpoint, escaped_record_url_maker

# The row templates drawn by ``list_rows`` itself: any other (a resource's own) is rendered per row.
BUILT_IN_ROWS = ("resources/_row.html", "resources/_row_everyone.html")


class RowPage:
    """What the rows of one page share: the resource, the template's context, and the rows' links.

    Rows differ only by their id, so each link's route is built once per page, HTML-escaped
    once too (``escaped_record_url_maker``): each gives a row's link ready for an attribute.
    """

    def __init__(self, context, resource):
        self.context = context
        self.resource = resource

    @cached_property
    def show(self):
        return self._url_maker("show")

    @cached_property
    def edit(self):
        return self._url_maker("edit", next=self.context.get("here"))

    @cached_property
    def confirm_delete(self):
        return self._url_maker("confirm_delete")

    @cached_property
    def delete(self):
        return self._url_maker("delete")

    @cached_property
    def move(self):
        return self._url_maker("move")

    def _url_maker(self, view, **params):
        return escaped_record_url_maker(f"{self.resource.name}.{view}", "record_id", **params)

    @cached_property
    def leading_columns(self):
        return [c for c in self.resource.columns if c.leading]

    @cached_property
    def main_columns(self):
        return [c for c in self.resource.columns if not c.leading]

    @cached_property
    def viewer(self):
        return current_user._get_current_object()  # the proxy costs a lookup on every use

    @cached_property
    def back_office(self):
        """A function of a row's id giving its back-office page, for administrators; None for others."""
        endpoint = back_office_endpoint(self.resource.model)
        return None if endpoint is None else escaped_record_url_maker(f"{endpoint}.details_view", "id")


@pass_context
def list_rows(context, resource, rows, row_template, focus_first=False):
    """The ``<li>`` of every row of a page."""
    last = len(rows) - 1
    if row_template not in BUILT_IN_ROWS:
        template = context.environment.get_template(row_template)
        return Markup(
            "".join(
                template.render(
                    context.get_all(), obj=obj, focus_row=focus_first and n == 0, is_first=n == 0, is_last=n == last
                )
                for n, obj in enumerate(rows)
            )
        )
    page = RowPage(context, resource)
    if row_template == "resources/_row_everyone.html":
        return Markup("\n".join(_everyone_row(page, obj) for obj in rows))
    return Markup("\n".join(_row(page, obj, focus_first and n == 0, n == 0, n == last) for n, obj in enumerate(rows)))


@pass_context
def list_row(context, resource, obj, focus_row=False, is_first=False, is_last=False):
    """One row of a resource's own list: picture, cells, then Edit and Delete (and Move when hand-ordered)."""
    return Markup(_row(RowPage(context, resource), obj, focus_row, is_first, is_last))


@pass_context
def row_actions(context, resource, obj, dom_id, focus_row=False, is_first=False, is_last=False, text_edits=False):
    """A row's buttons: Move up/down (hand-ordered), Edit (unless the text itself opens the editor), Delete."""
    page = RowPage(context, resource)
    return Markup(_actions(page, obj, html_text(dom_id), focus_row, is_first, is_last, text_edits))


@pass_context
def everyone_row(context, resource, obj):
    """A row of an administrator's "everyone's" list: read-only; others' rows open in the back office."""
    return Markup(_everyone_row(RowPage(context, resource), obj))


@pass_context
def list_cell(context, resource, obj, column):
    """One column's value in a row (or on a detail page): a built-in cell, or the template the column names."""
    return Markup(_cell(RowPage(context, resource), obj, column))


def row_handle(resource, obj):
    """The drag handle of a hand-ordered row, with the id the reorder form posts."""
    return Markup(
        f'<input type="hidden" name="ids" value="{html_text(obj.id)}" form="{html_text(resource.name)}-order">\n'
        '<span class="drag-handle" title="Drag to reorder" aria-hidden="true">⠿</span>'
    )


def _row(page, obj, focus_row, is_first, is_last):
    resource = page.resource
    dom_id = html_text(resource.dom_id(obj))
    handle = f"{row_handle(resource, obj)}\n" if resource.positioned else ""
    leading = "".join(_cell(page, obj, c) for c in page.leading_columns)
    main = "".join(_row_cell(page, obj, c) for c in page.main_columns)
    actions = _actions(page, obj, dom_id, focus_row, is_first, is_last, False)
    return (
        f'<li id="{dom_id}" class="record">\n{handle}{leading}\n'
        f'<div class="record-main">\n{main}\n</div>\n{actions}\n</li>'
    )


def _actions(page, obj, dom_id, focus_row, is_first, is_last, text_edits):
    resource = page.resource
    title = html_text(resource.describe(obj))
    parts = ['<div class="record-actions">']
    if resource.positioned:
        parts.append(_move_form(page, obj, title, is_first, is_last))
    if not text_edits:
        edit_url = page.edit(obj.id)
        focus = " data-focus" if focus_row else ""
        parts.append(
            f'<a class="button button-small" href="{edit_url}" hx-get="{edit_url}" hx-target="#{dom_id}" '
            f'hx-swap="outerHTML"{focus}>Edit<span class="visually-hidden"> {title}</span></a>'
        )
    parts.append(
        f'<a class="button button-small button-danger" href="{page.confirm_delete(obj.id)}" '
        f'hx-post="{page.delete(obj.id)}"\n'
        f'hx-confirm="Delete {_attr(resource.singular)} “{title}”? This cannot be undone." '
        f'hx-target="#{dom_id}" hx-swap="outerHTML">Delete<span class="visually-hidden"> {title}</span></a>'
    )
    parts.append("</div>")
    return "\n".join(parts)


def _move_form(page, obj, title, is_first, is_last):
    """Up and down buttons; after a move, focus stays on the button that moved the row (``focus_id``)."""
    moved = page.context.get("focus_id") == obj.id
    focus_up = moved and not is_first and (page.context.get("focus_direction") == "up" or is_last)
    focus_down = moved and not focus_up and not is_last
    move_url = page.move(obj.id)
    name = _attr(page.resource.name)
    return (
        f'<form method="post" action="{move_url}" hx-post="{move_url}" hx-target="#{name}-rows" hx-swap="innerHTML"'
        ' class="inline-form move-form">\n'
        f'<input type="hidden" name="csrf_token" value="{html_text(generate_csrf())}">\n'
        '<button type="submit" name="direction" value="up" class="button button-small button-quiet move-up"'
        f' aria-label="Move “{title}” up" title="Move up"{" data-focus" if focus_up else ""}>↑</button>\n'
        '<button type="submit" name="direction" value="down" class="button button-small button-quiet move-down"'
        f' aria-label="Move “{title}” down" title="Move down"{" data-focus" if focus_down else ""}>↓</button>\n'
        "</form>"
    )


def _everyone_row(page, obj):
    resource = page.resource
    dom_id = resource.dom_id(obj)
    owner = resource.owner_of(obj)
    mine = owner.id == page.viewer.id
    leading = "".join(_cell(page, obj, c) for c in page.leading_columns)
    cells = []
    for column in page.main_columns:
        if column.cell == "link" and not mine:
            cells.append(f'<span class="cell cell-title">{html_text(resource.display(obj, column))}</span>')
        else:
            cells.append(_row_cell(page, obj, column))
    cells.append(
        f'<span class="cell cell-owner muted">{html_text(owner.display_name)} &lt;{html_text(owner.email)}&gt;</span>'
    )
    action = (
        f'<a class="button button-small" href="{page.back_office(obj.id)}" hx-boost="false">'
        f'Open in back office<span class="visually-hidden"> {html_text(resource.describe(obj))}</span></a>'
        if page.back_office
        else ""
    )
    main = "\n".join(cells)
    return (
        f'<li id="{html_text(dom_id)}" class="record">\n{leading}\n<div class="record-main">\n{main}\n</div>\n'
        f'<div class="record-actions">\n{action}\n</div>\n</li>'
    )


@lru_cache(maxsize=1024)
def _attr(text):
    """``text`` (a declared name: a column's, the resource's) escaped, once per process rather than per row."""
    return html_text(text)


def _row_cell(page, obj, column):
    """A cell as a row shows it: after its column's label when the column is ``labelled`` and has a value."""
    cell = _cell(page, obj, column)
    if not column.labelled or not page.resource.display(obj, column):
        return cell
    return f'<span class="cell-labelled"><span class="cell-label">{_attr(column.label)}</span> {cell}</span>'


def _cell(page, obj, column):
    built_in = CELLS.get(column.cell)
    if built_in is None:  # a cell of the app's own: templates/resources/cells/<name>.html, or a path
        template = page.context.environment.get_template(column.template)
        return template.render(page.context.get_all(), obj=obj, column=column)
    return built_in(page, obj, column)


# The cells below give plain HTML strings (escaped where they hold values); the template
# globals above mark the whole row safe once.


def _badge(page, obj, column):
    value, shown = html_text(getattr(obj, column.name)), html_text(page.resource.display(obj, column))
    return f'<span class="cell badge badge-{_attr(column.name)}-{value}">{shown}</span>'


def _email(page, obj, column):
    address = getattr(obj, column.name)
    if not address:
        return ""
    address = html_text(address)
    return f'<a class="cell cell-{_attr(column.name)}" href="mailto:{address}">{address}</a>'


def _excerpt(page, obj, column):
    text = page.resource.display(obj, column)
    if not text:
        return ""
    shown = html_text(do_truncate(page.context.environment, text, 140, killwords=False, end="…"))
    return f'<span class="cell cell-excerpt muted">{shown}</span>'


def _file(page, obj, column):
    asset = getattr(obj, column.name)
    if not asset:
        return ""
    name, url, filename = _attr(column.name), html_text(asset.url), html_text(asset.filename or "")
    return (
        f'<a class="cell cell-file cell-{name}" href="{url}" download="{filename}" rel="noopener">'
        f"{filename or 'Download'}</a>"
    )


def _link(page, obj, column):
    url, shown = page.show(obj.id), html_text(page.resource.display(obj, column))
    return f'<a class="cell cell-title" href="{url}">{shown}</a>'


def _related(page, obj, column):
    related = getattr(obj, column.name)
    if not related:
        return ""
    link = page.resource.field(column.name).link(related)
    name, shown = _attr(column.name), html_text(page.resource.display(obj, column))
    if link:
        return f'<a class="cell cell-{name}" href="{html_text(link)}">{shown}</a>'
    return f'<span class="cell cell-{name}">{shown}</span>'


def _tags(page, obj, column):
    labels = page.resource.field(column.name).labels(getattr(obj, column.name))
    badges = "".join(f'<span class="badge badge-tag">{html_text(tag)}</span>' for tag in labels)
    return f'<span class="cell cell-tags cell-{_attr(column.name)}">{badges}</span>'


def _text(page, obj, column):
    return f'<span class="cell cell-{_attr(column.name)}">{html_text(page.resource.display(obj, column))}</span>'


def _thumbnail(page, obj, column):
    url = page.context["thumbnail_url"](getattr(obj, column.name), "thumb")
    if url:
        return f'<img class="cell cell-thumb" src="{html_text(url)}" alt="" width="48" height="48" loading="lazy">'
    return '<span class="cell cell-thumb cell-thumb-empty" aria-hidden="true"></span>'


def _url(page, obj, column):
    address = getattr(obj, column.name)
    if not address:
        return ""
    shown = html_text(do_truncate(page.context.environment, address, 60, killwords=True, end="…"))
    return (
        f'<a class="cell cell-{_attr(column.name)}" href="{html_text(address)}" rel="nofollow noopener noreferrer"'
        f' target="_blank">{shown}</a>'
    )


# The built-in cells, by the name a Column gives (``Column("due", "Due", cell="badge")``).
CELLS = {
    "badge": _badge,
    "email": _email,
    "excerpt": _excerpt,
    "file": _file,
    "link": _link,
    "related": _related,
    "tags": _tags,
    "text": _text,
    "thumbnail": _thumbnail,
    "url": _url,
}

TEMPLATE_GLOBALS = {
    "list_rows": list_rows,
    "list_row": list_row,
    "row_actions": row_actions,
    "row_handle": row_handle,
    "everyone_row": everyone_row,
    "list_cell": list_cell,
}
