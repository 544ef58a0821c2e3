"""A back-office list's rows as HTML, built in one call per page (templates/admin/hyperdesk/list.html).

Jinja would escape each output (a column's name too) and call a block per row and cell; here each
column's formatter and choices are looked up once per page, the type formatter once per type of
value (Flask-Admin tries each type with isinstance for every cell), and a cell's HTML is escaped
once, unless it already is HTML (a formatter's Markup) or a number.
"""

from flask import current_app, request
from jinja2 import pass_context
from markupsafe import Markup, escape

from ..html import html_text
from ..templating import PLAIN_ROW_ACTIONS, ROW_ID_PLACEHOLDER, row_action

MISSING = object()
# How many rendered row icons an app keeps (three per view and page address); where the CSRF token goes in one.
ICONS_KEPT = 1024
CSRF_PLACEHOLDER = "__hyperdesk_csrf_token__"


class ListRowsMixin:
    """What the list template asks its view for: (row, id, row icons, cells) for each row."""

    @pass_context
    def list_rows(self, context, rows, list_columns):
        """(row, id, row icons, cells) for each row of a list page: the icons and the row's ``<td>`` cells as HTML."""
        columns = [
            (
                f'<td class="col-{escape(name)}">',
                name,
                self.column_formatters.get(name),
                self._column_choices_map.get(name),
                "." in name,
            )
            for name, _ in list_columns
        ]
        by_type = self._type_formatter_by_type()
        actions = [[action, MISSING] for action in context.get("list_row_actions") or ()]
        allows, pk_of, shown = self.allows_row_action, self.get_pk_value, []
        for row in rows:
            pk = pk_of(row)
            pk_html = html_text(pk)
            icons = " ".join(  # spaced as inline elements are in a template
                self._row_icon(context, kept, pk, pk_html, row) for kept in actions if allows(kept[0], row)
            )
            cells = []
            for opening, name, column_fmt, choices, dotted in columns:
                # Flask-Admin's _get_list_value: the column's formatter, else the value; its choice, else its type's look.
                if column_fmt is not None:
                    value = column_fmt(self, context, row, name)
                elif dotted:
                    value = self._get_field_value(row, name)
                else:
                    value = getattr(row, name, None)  # what _get_field_value's rec_getattr gives for a plain name
                if choices:
                    value = choices.get(value) or value
                else:
                    type_fmt = by_type.get(type(value), MISSING)
                    if type_fmt is MISSING:
                        type_fmt = self._type_formatter_for(by_type, value)
                    if type_fmt is not None:
                        value = type_fmt(self, value, name)
                kind = type(value)
                cells.append(opening)
                cells.append(value if kind is Markup else str(value) if kind is int else html_text(value))
                cells.append("</td>")
            shown.append((row, pk, Markup(icons), Markup("".join(cells))))
        return shown

    @pass_context
    def list_body_html(self, context, rows, list_columns, actions, action_url):
        """The table's rows as one piece of HTML: select box, row icons and one-click buttons, cells; or the empty row."""
        shown = self.list_rows(context, rows, list_columns)
        if not shown:
            message = escape(self.get_empty_list_message())
            return Markup(f'<tr><td colspan="999"><div class="text-center">{message}</div></td></tr>')
        title = escape(context["_gettext"]("Select record"))
        form = self.row_buttons and self._row_button_form(context, action_url)
        parts = []
        for row, pk, icons, cells in shown:
            pk_html = html_text(pk)
            parts.append("<tr>")
            if actions:
                parts.append(
                    f'<td><input type="checkbox" name="rowid" class="action-checkbox" value="{pk_html}"'
                    f' title="{title}" /></td>'
                )
            if self.column_display_actions:
                parts += ('<td class="list-buttons-column">', icons)
                if form:
                    parts += (self._row_button(form, button, pk_html) for button in self.buttons_for(row))
                parts.append("</td>")
            parts += (cells, "</tr>")
        return Markup("".join(parts))

    def _row_button_form(self, context, action_url):
        # What every one-click button's form of the page shares: where it posts, its token, the way back.
        token = escape(context["csrf_token"]())
        back = escape(context.get("return_url"))
        opening = f'<form class="hd-row-button" method="post" action="{escape(action_url)}">'
        return opening, f'<input type="hidden" name="csrf_token" value="{token}">', back

    @staticmethod
    def _row_button(form, button, pk_html):
        # The markup of templates/admin/hyperdesk/list_blocks.html's row_buttons macro, for one button.
        opening, token, back = form
        return (
            f"{opening}{token}"
            f'<input type="hidden" name="action" value="{escape(button.action)}">'
            f'<input type="hidden" name="rowid" value="{pk_html}">'
            f'<input type="hidden" name="url" value="{back}">'
            f'<button type="submit" class="btn btn-sm btn-{escape(button.style)}">{escape(button.label)}</button>'
            "</form>"
        )

    def _type_formatter_for(self, by_type, value):
        kind = type(value)
        by_type[kind] = next(
            (fmt for typeobj, fmt in self.column_type_formatters.items() if isinstance(value, typeobj)), None
        )
        return by_type[kind]

    def _row_icon(self, context, kept, pk, pk_html, row):
        # kept is [action, its HTML with a placeholder id once rendered (None: it depends on more than the id)].
        action, html = kept
        if html is MISSING:
            kind = type(action)
            plain = kind.__name__ in PLAIN_ROW_ACTIONS and kind.__module__ == "flask_admin.model.template"
            html = kept[1] = self._plain_icon(context, action, row) if plain else None
        if html is None:
            return str(escape(row_action(context, action, pk, row)))
        return html.replace(ROW_ID_PLACEHOLDER, pk_html)

    def _plain_icon(self, context, action, row):
        """A view, edit or delete icon with a placeholder id, rendered once per app, page address and action."""
        # Its HTML depends on the view, the page's address (the icon's way back) and, for delete, the CSRF token,
        # which differs per session and second: that is kept as a placeholder too (a signed token needs no escaping).
        generate = context.get("csrf_token")
        token = str(generate()) if callable(generate) else ""
        key = (request.script_root, self.endpoint, type(action).__name__, action.title, context.get("return_url"))
        icons = current_app.extensions.setdefault("admin_row_icons", {})
        html = icons.get(key)
        if html is None:
            html = str(row_action(context, action, ROW_ID_PLACEHOLDER, row))
            if token:
                html = html.replace(token, CSRF_PLACEHOLDER)
            if len(icons) >= ICONS_KEPT:
                icons.clear()
            icons[key] = html
        return html.replace(CSRF_PLACEHOLDER, token) if token else html

    def _type_formatter_by_type(self):
        """The list's type formatter for each type of value met so far (None: shown as it is)."""
        formatters = self.column_type_formatters
        kept = self.__dict__.get("_list_type_formatters")
        if kept is None or kept[0] is not formatters:
            kept = self._list_type_formatters = (formatters, {})
        return kept[1]
