"""The generic views of a declared resource: list, detail, create, edit, delete (and reorder), one function per method.

Every view answers a full page to ordinary requests (forms post, then redirect) and a
fragment to htmx; another user's ids are a 404 on every route.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy.orm.exc import ObjectDeletedError
from werkzeug.datastructures import CombinedMultiDict

from ..htmx import current_path, is_partial, render_page_or_partial, toast
from ..ids import parse_ids
from ..security import safe_next
from ..services.settings import page_size
from ..templating import add_nav_item
from . import listing, queries, writes
from .blank_forms import blank_new_form
from .fields import InvalidForm
from .forms import FormState
from .list_controls import kept_list_controls
from .registry import Registry, discover
from .relations import RelationField
from .rows import TEMPLATE_GLOBALS as ROW_TEMPLATE_GLOBALS
from .search import normalise_query
from .typed import viewer_zone

DIRECTIONS = ("up", "down")
# The resource a row was just added to without JavaScript: its next page opens the "New" form focused.
CONTINUE_ADDING = "_continue_adding"


@dataclass
class Section:
    """A child resource's list shown on its parent's detail page."""

    resource: object
    listing: object
    form: FormState


class ResourceViews:
    """The view functions for one resource; ``make_blueprint`` routes them."""

    def __init__(self, resource, registry):
        self.resource = resource
        self.registry = registry

    def _submitted(self):
        """The posted values; uploaded files too when a field takes them."""
        if self.resource.multipart:
            return CombinedMultiDict([request.files, request.form])
        return request.form

    def _actor(self):
        """The signed-in user as a model instance (the proxy cannot be stored in a relationship)."""
        return current_user._get_current_object()

    def _parent(self, parent_id):
        if self.resource.parent is None:
            return None
        return queries.get_owned(self.resource.parent.resource, parent_id, current_user)

    def _record(self, record_id):
        return queries.get_owned(self.resource, record_id, current_user)

    def _template(self, name):
        return self.resource.template(name)

    def _new_form(self, focus=False):
        return FormState.blank(self.resource, f"{self.resource.name}-new", focus=focus)

    def _continues_adding(self, resource):
        """True once after a row of ``resource`` was added without htmx: the next "New" form is focused, as with htmx."""
        if session.get(CONTINUE_ADDING) != resource.name:
            return False
        del session[CONTINUE_ADDING]
        return True

    def _row_prefix(self, obj):
        return f"{self.resource.dom_id(obj)}-form"

    def _home_url(self, parent):
        """Where a page about this resource returns: the parent's page, or the list."""
        if parent is None:
            return self.resource.url("index")
        return self.resource.parent.resource.url("show", parent)

    def _list_context(self, parent, listing, form):
        trail = [*parent.trail, (parent.resource, parent.obj)] if parent else []
        return dict(
            resource=self.resource,
            parent=parent.obj if parent else None,
            listing=listing,
            form=form,
            trail=trail,
            here=current_path(),
        )

    def _record_context(self, record, **extra):
        return dict(
            resource=self.resource,
            record=record,
            obj=record.obj,
            parent=record.parent,
            trail=record.trail,
            here=current_path(),
            **extra,
        )

    def index(self, parent_id=None):
        """The user's rows (or the parent's): searched, filtered and sorted as the URL says, one page at a time."""
        sent = list(request.args.items(multi=True))
        kept = [(key, value) for key, value in sent if value != ""]
        if len(kept) < len(sent) and not is_partial():
            # The list form sent without JavaScript names every control: answer at the short URL.
            return redirect(request.path + (f"?{urlencode(kept)}" if kept else ""), 303)
        parent = self._parent(parent_id)
        query = listing.read(self.resource, request.args)
        size = page_size(current_user)
        everyone = self._everyone(parent)
        rows = queries.listing(
            self.resource, current_user, parent and parent.obj, size=size, everyone=everyone, query=query
        )
        context = self._list_context(parent, rows, self._new_form(focus=self._continues_adding(self.resource)))
        if query.after is not None and is_partial():
            return render_template(self._template("_rows.html"), focus_first=True, **context)
        return render_page_or_partial(self._template("list.html"), self._template("_list.html"), **context)

    def _everyone(self, parent):
        """True when an administrator asks for every owner's rows (``?scope=all``) of a top-level list."""
        asked = request.args.get("scope") == "all"
        return asked and parent is None and self.resource.owner is not None and current_user.is_admin

    def new(self, parent_id=None):
        """The form for a new row (a page, or the inline form as a fragment)."""
        parent = self._parent(parent_id)
        context = self._list_context(parent, None, self._new_form(focus=True))
        return render_page_or_partial(self._template("form.html"), self._template("_new.html"), **context)

    def create(self, parent_id=None):
        """Store a new row; invalid input comes back in place (422) with the typed values kept."""
        parent = self._parent(parent_id)
        try:
            obj = writes.create(self.resource, self._submitted(), self._actor(), parent and parent.obj)
        except InvalidForm as error:
            form = FormState.submitted(
                self.resource, self._submitted(), f"{self.resource.name}-new", error, self._actor()
            )
            context = self._list_context(parent, None, form)
            return render_page_or_partial(self._template("form.html"), self._template("_new.html"), 422, **context)
        toast(f"Added {self.resource.singular} “{self.resource.describe(obj)}”.")
        if is_partial():
            context = self._list_context(parent, None, self._new_form(focus=True))
            return render_template(self._template("_created.html"), obj=obj, **context)
        session[CONTINUE_ADDING] = self.resource.name
        return redirect(self._home_url(parent and parent.obj), 303)

    def show(self, record_id):
        """The row's page with its children's lists (or, as a fragment, its list row)."""
        record = self._record(record_id)
        if is_partial():
            return render_template(self._template("_row.html"), focus_row=True, **self._record_context(record))
        size = page_size(current_user)
        sections = [
            Section(
                child,
                queries.listing(child, current_user, record.obj, size=size),
                FormState.blank(child, f"{child.name}-new", focus=self._continues_adding(child)),
            )
            for child in self.registry.children(self.resource)
        ]
        return render_template(self._template("detail.html"), sections=sections, **self._record_context(record))

    def edit(self, record_id):
        """The edit form: a page, or the row turned into a form in place."""
        record = self._record(record_id)
        form = FormState.of(self.resource, record.obj, self._row_prefix(record.obj), focus=True)
        context = self._record_context(record, form=form, next=safe_next(request.args.get("next"), None))
        return render_page_or_partial(self._template("form.html"), self._template("_row_form.html"), **context)

    def update(self, record_id):
        """Save the edited row; invalid input comes back in place (422) with the typed values kept."""
        record = self._record(record_id)
        next_url = safe_next(request.form.get("next"), None)
        try:
            writes.update(self.resource, record.obj, self._submitted(), self._actor())
        except InvalidForm as error:
            form = FormState.submitted(
                self.resource, self._submitted(), self._row_prefix(record.obj), error, self._actor(), record.obj
            )
            context = self._record_context(record, form=form, next=next_url)
            return render_page_or_partial(self._template("form.html"), self._template("_row_form.html"), 422, **context)
        toast(f"Saved {self.resource.singular} “{self.resource.describe(record.obj)}”.")
        if is_partial():
            return render_template(self._template("_row.html"), focus_row=True, **self._record_context(record))
        default = self.resource.url("show", record.obj) if record.parent is None else self._home_url(record.parent)
        return redirect(next_url or default, 303)

    def confirm_delete(self, record_id):
        """Ask before deleting (the page that makes delete safe without JavaScript)."""
        record = self._record(record_id)
        return render_page_or_partial(
            self._template("confirm_delete.html"),
            self._template("_confirm_delete.html"),
            **self._record_context(record),
        )

    def delete(self, record_id):
        """Delete the row (and what it contains); the fragment answer is empty, removing the row."""
        record = self._record(record_id)
        title = self.resource.describe(record.obj)
        writes.delete(self.resource, record.obj, current_user)
        toast(f"Deleted {self.resource.singular} “{title}”.")
        if is_partial():
            return ""
        return redirect(self._home_url(record.parent), 303)

    def move(self, record_id):
        """Move a row one place up or down (the keyboard way to reorder), in one request."""
        record = self._record(record_id)
        direction = request.form.get("direction")
        if direction not in DIRECTIONS:
            abort(400)
        # Read before the write commits: a delete committed meanwhile leaves nothing to reload after it.
        obj_id, title, dom_id = record.obj.id, self.resource.describe(record.obj), self.resource.dom_id(record.obj)
        if writes.move(self.resource, record.obj, direction, current_user):
            toast(f"Moved “{title}” {direction}.")
        if is_partial():
            return self._rows(record.parent, focus_id=obj_id, focus_direction=direction)
        return redirect(f"{self._home_url(record.parent)}#{dom_id}", 303)

    def reorder(self, parent_id):
        """Store the order of the rows as dragged: the ids in their new order, in one request."""
        parent = self._parent(parent_id)
        wanted = parse_ids(request.form.getlist("ids"))
        if writes.reorder(self.resource, parent.obj, wanted, current_user):
            toast("Order saved.")
        if is_partial():
            return self._rows(parent.obj)
        return redirect(self._home_url(parent.obj), 303)

    def lookup(self, field_name):
        """The rows a relation field's type-ahead offers for the text typed so far (a datalist's options)."""
        form_field = self.resource.field(field_name)
        if not isinstance(form_field, RelationField):
            abort(404)
        q = normalise_query((request.args.get(field_name) or request.args.get("q") or "").partition("#")[0])
        rows = form_field.options(current_user, q).rows
        return render_page_or_partial(
            "resources/lookup.html", "resources/_options.html", field=form_field, q=q, rows=rows
        )

    def _rows(self, parent, **focus):
        if parent is not None and _deleted_meanwhile(parent):
            # After a move or reorder commits, the list it answers with may be gone already.
            raise writes.gone(self.resource.parent.resource)
        listing = queries.listing(self.resource, current_user, parent)
        context = dict(resource=self.resource, parent=parent, listing=listing, here=current_path(), **focus)
        return render_template(self._template("_rows.html"), **context)


def register_resources(app, resources=None):
    """Serve each declared resource (all discovered ones by default): blueprint, routes, navigation."""
    registry = app.extensions.setdefault("resources", Registry(app))
    app.jinja_env.globals.setdefault("viewer_zone_name", lambda: str(viewer_zone()))
    app.jinja_env.globals.update(ROW_TEMPLATE_GLOBALS)
    app.jinja_env.globals["blank_new_form"] = blank_new_form
    app.jinja_env.globals["kept_list_controls"] = kept_list_controls
    for resource in discover() if resources is None else resources:
        registry.add(resource)
        app.register_blueprint(make_blueprint(resource, registry))
        if resource.nav is not None:
            nav = resource.nav
            add_nav_item(app, f"{resource.name}.index", nav.label, nav.description, nav.order)
    return registry


def page_routes(resource):
    """(rule, view name, method) of each page route of ``resource``; children's lists nest under the parent."""
    if resource.parent is None:
        collection = f"/{resource.name}/"
    else:
        collection = f"/{resource.parent.resource.name}/<id:parent_id>/{resource.name}/"
    member = f"/{resource.name}/<id:record_id>"
    routes = [
        (collection, "index", "GET"),
        (collection, "create", "POST"),
        (f"{collection}new", "new", "GET"),
        (member, "show", "GET"),
        (f"{member}/edit", "edit", "GET"),
        (f"{member}/edit", "update", "POST"),
        (f"{member}/delete", "confirm_delete", "GET"),
        (f"{member}/delete", "delete", "POST"),
    ]
    if resource.positioned:
        routes += [(f"{member}/move", "move", "POST"), (f"{collection}order", "reorder", "POST")]
    if resource.has_lookups:
        routes.append((f"/{resource.name}/lookup/<field_name>", "lookup", "GET"))
    return routes


def make_blueprint(resource, registry):
    """A blueprint named after the resource, with its page routes."""
    views = ResourceViews(resource, registry)
    bp = Blueprint(resource.name, __name__)
    for rule, name, method in page_routes(resource):
        bp.add_url_rule(rule, name, getattr(views, name), methods=[method])
    return bp


def _deleted_meanwhile(obj):
    """True when ``obj``'s row was deleted by another request since this one loaded it (reloads it if expired)."""
    try:
        obj.id  # noqa: B018  (the attribute read is the check)
    except ObjectDeletedError:
        return True
    return False
