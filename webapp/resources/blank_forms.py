"""The inline "New" form of a list, rendered once and reused while nothing it shows can differ.

A blank form of fields whose widgets read only the declaration (no per-user options, no
viewer's time zone) is the same HTML for everyone but its CSRF token: it cost about a tenth
of a list page's CPU to render it each time. Forms with errors, focus, typed values, a
resource's own ``_new.html`` or any other widget are rendered as before.
"""

from flask import current_app, has_request_context, request
from jinja2 import pass_context
from markupsafe import Markup

from .forms import FormState

GENERIC_TEMPLATE = "resources/_new.html"
# Widgets whose HTML depends on the field's declaration and value only (relation reads the
# user's rows, datetime the viewer's zone: they are never kept).
STATIC_WIDGETS = frozenset(
    {"text", "textarea", "select", "date", "number", "email", "url", "checkbox", "image", "file", "tags"}
)
# A form per (resource, parent page): the number of parents shown is unbounded, so is this, but for the limit.
MAX_KEPT = 256
CSRF_PLACEHOLDER = "__hyperdesk_csrf_token__"


@pass_context
def blank_new_form(context, resource, form, parent):
    """The kept HTML of ``resource``'s blank "New" form (under ``parent``), or None when it must be rendered in place."""
    key = _key(resource, form, parent)
    if key is None:
        return None
    kept = current_app.extensions.setdefault("blank_new_forms", {})
    html = kept.get(key)
    if html is None:
        template = context.environment.get_template(GENERIC_TEMPLATE)
        shown = {"resource": resource, "form": form, "parent": parent, "csrf_token": lambda: CSRF_PLACEHOLDER}
        html = template.render({**context.get_all(), **shown})
        if CSRF_PLACEHOLDER not in html:  # a template that no longer shows the token: keep nothing
            return None
        if len(kept) >= MAX_KEPT:
            kept.clear()
        kept[key] = html
    return Markup(html.replace(CSRF_PLACEHOLDER, context["csrf_token"]()))


def _key(resource, form, parent):
    if not isinstance(form, FormState) or form.focus or form.errors or current_app.jinja_env.auto_reload:
        return None
    if not has_request_context():  # the key needs the request's script root
        return None
    if resource.template("_new.html") != GENERIC_TEMPLATE:
        return None
    if any(field.widget not in STATIC_WIDGETS for field in resource.fields):
        return None
    try:
        values = tuple(sorted(form.values.items()))
        key = (resource.name, form.prefix, values, getattr(parent, "id", None), request.script_root)
        hash(key)
    except TypeError:  # a value that is a list, say: render it in place
        return None
    return key
