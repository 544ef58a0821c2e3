"""Back-office pages from declarations: each declared resource's Flask-Admin view, derived from its fields.

What a page shows, searches, filters, sorts, picks and links is read from the resource's
declaration (``webapp/*/declarations.py``); ``Resource(back_office=BackOffice(...))`` changes
what the derivation cannot guess (webapp/resources/backoffice.py).
"""

from dataclasses import dataclass

import wtforms
from flask import url_for
from flask_admin.form.widgets import Select2Widget
from flask_wtf import FlaskForm
from sqlalchemy import inspect
from wtforms.validators import InputRequired

from ..extensions import db
from ..models import Asset, User
from ..resources import ChoiceField, FileField, ImageField, RelationField, TagsField
from ..resources.declaration import FILTERABLE
from . import formatters, paging
from .base import AdminModelView
from .lookups import lookup
from .ordered import PositionField, move_to_the_end

TIMESTAMPS = ("created_at", "updated_at")


class DeclaredForm(FlaskForm):
    """A back-office form whose declared fields store what the pages would store (an enum, a rounded decimal…)."""

    declared = {}

    def populate_obj(self, obj):
        for name, form_field in self._fields.items():
            declared = self.declared.get(name)
            if declared is None:
                form_field.populate_obj(obj, name)
            else:
                setattr(obj, name, declared.stored(form_field.data))


class DeclaredView(AdminModelView):
    """A declared resource's page: its attributes are filled in by :func:`declared_view`."""

    form_base_class = DeclaredForm
    dashboard_count = True
    resource = None
    registry = None
    placeholder = ""
    form_order = ()  # every input, in the declared order (``form_columns`` are the ones Flask-Admin makes)
    _owner_joined = False

    def scaffold_form(self):
        """Flask-Admin's form for the pickers and plain columns, with each declared field's own WTForms field."""
        form_class = super().scaffold_form()  # only ``form_columns``: what the declaration does not define
        declared = {f.name: f for f in self.resource.fields if f.name not in self.form_ajax_refs}
        own = {name: admin_form_field(f) for name, f in declared.items()}
        scope = _scope(self.resource)
        if scope.relationship is None:
            # No relationship to pick from: the owner's (or parent's) id is typed.
            own[scope.column] = wtforms.IntegerField(self.column_labels[scope.column], [InputRequired()])
        if self.resource.positioned:
            column = self.resource.order.column
            own[column] = PositionField(self.get_column_name(column), resource=self.resource, parent_field=scope.shown)
        for name, unbound in own.items():
            setattr(form_class, name, unbound)
        counter = min(getattr(form_class, name).creation_counter for name in self.form_order)
        for offset, name in enumerate(self.form_order):
            getattr(form_class, name).creation_counter = counter + offset  # the declared order
        form_class.declared = declared
        return form_class

    def scaffold_auto_joins(self):
        """The relationships each list row joins, but the owner's: ``get_query`` joins it with only what is shown."""
        joins = super().scaffold_auto_joins()
        self._owner_joined = any(join.key == self._owner_relationship for join in joins)
        return [join for join in joins if join.key != self._owner_relationship]

    def get_query(self):
        # Every further column of the owner would be converted again for each row of a list.
        query = super().get_query()
        return query.options(self.resource.owner_load) if self._owner_joined else query

    @property
    def _owner_relationship(self):
        return _scope(self.resource).relationship if self.resource.owner is not None else None

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if self.resource.positioned:
            form[self.resource.order.column].place(form, model)

    def on_model_delete(self, model):
        super().on_model_delete(model)
        if self.resource.positioned:
            # Deleted from the end of its list, the row leaves the others 0..n-2 (Flask-Admin deletes it next).
            move_to_the_end(self.resource, model.id, getattr(model, self.resource.parent.fk))

    def search_placeholder(self):
        return self.placeholder

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        # A one-word search of the list in its default order reads the pages' full-text index newest first and
        # stops at a page (SQLite); elsewhere the search below, page by page as before.
        ids = self._newest_matches(page, sort_column, sort_desc, search, filters, execute, page_size)
        if ids is None:
            return super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        paging.remember_keyset_order()
        return None, paging.rows_in_order(self, self.model.id, ids)

    def _newest_matches(self, page, sort_column, sort_desc, search, filters, execute, page_size):
        """The ids of the page of a one-word search read newest first from the full-text index, or None."""
        terms = (search or "").split()
        if not (execute and len(terms) == 1 and not filters and self._searches_as_the_pages()):
            return None
        if not paging.walks_the_key(self, self.model.id, sort_column, sort_desc):
            return None
        cursor = paging.read_cursor() if page else None
        if page and (cursor is None or cursor[0] != "after"):
            return None  # a page number alone, or the way back: by OFFSET or the index walked the other way
        query = self.resource.newest_matches(terms[0], cursor and cursor[1], page_size or self.page_size)
        return None if query is None else list(db.session.scalars(query))

    def _apply_search(self, query, count_query, joins, count_joins, search):
        # The pages' search clause for each word (all words must match, as in Flask-Admin): the same rows as
        # ILIKE '%word%' on each searched column, found through the same indexes (PostgreSQL's trigram indexes
        # on the columns, SQLite's FTS5 table for words of three characters or more).
        terms = search.split()
        if not self._searches_as_the_pages() or (len(terms) > 1 and db.engine.dialect.name == "sqlite"):
            # Several words on SQLite: the FTS5 lookup of a common word lists most of the table before the
            # others narrow it (slower than checking the rows newest first); Flask-Admin's ILIKE clauses then.
            return super()._apply_search(query, count_query, joins, count_joins, search)
        for term in terms:
            query = query.filter(self.resource.search_clause(term))
            if count_query is not None:
                count_query = count_query.filter(self.resource.search_clause(term))
        return query, count_query, joins, count_joins

    def _searches_as_the_pages(self):
        return list(self.resource.search) == list(self.column_searchable_list)

    def related_links(self, model):
        """Its children's lists, then its parent's page (or its owner's)."""
        links = []
        for child in self.registry.children(self.resource):
            view = declared_views(self.admin).get(child.name)
            arg = view and view.equals_filter_arg(child.parent.fk)
            if arg:
                links.append((f"Its {view.name.lower()}", url_for(f"{view.endpoint}.index_view", **{arg: model.id})))
        if self.resource.parent is not None:
            parent = declared_views(self.admin).get(self.resource.parent.resource.name)
            if parent is not None:
                url = url_for(f"{parent.endpoint}.details_view", id=getattr(model, self.resource.parent.fk))
                links.append((f"Its {self.resource.parent.resource.singular}", url))
        else:
            links.append(("Owner", url_for("admin_users.details_view", id=getattr(model, self.resource.owner))))
        return links

    def equals_filter_arg(self, column_name):
        """The URL parameter (``flt0_<name>_equals``) filtering this list by ``column_name``, or None."""
        for index, flt in enumerate(self._filters or ()):
            column = getattr(flt, "column", None)
            if getattr(column, "key", None) == column_name and str(flt.operation()) == "equals":
                return f"flt0_{self.get_filter_arg(index, flt)}"
        return None


def admin_form_field(form_field):
    """The declared field's unbound WTForms field (with its default), with inputs Flask-Admin's layout shows well."""
    options = {"default": form_field.default} if form_field.default not in (None, "") else {}
    if form_field.widget == "datetime":
        options["widget"] = wtforms.widgets.DateTimeLocalInput()
    elif isinstance(form_field, ChoiceField) or getattr(form_field, "choices", None):
        options["widget"] = Select2Widget(multiple=isinstance(form_field, TagsField))
    return form_field.form_field(**options)


def declared_views(admin):
    """The declared resources' views of ``admin``, by resource name."""
    return {view.resource.name: view for view in admin._views if isinstance(view, DeclaredView)}


@dataclass(frozen=True)
class Scope:
    """Whose row it is: its owner's or parent's column, and the relationship built on it (if the model has one)."""

    relationship: str | None
    column: str

    @property
    def shown(self):
        """What the list and the form show: the related row, else its id."""
        return self.relationship or self.column


def _scope(resource):
    column = resource.owner or resource.parent.fk
    try:
        return Scope(resource.relationship_on(column), column)
    except ValueError:
        return Scope(None, column)


def _has(model, name):
    return name in inspect(model).attrs


def list_columns(resource):
    """id, the declared columns but long texts, the owner (or parent) after the row's name, then the timestamps."""
    names = [c.name for c in resource.columns if c.cell != "excerpt"]
    scope = _scope(resource).shown
    extra = [n for n in (["position"] if resource.positioned else []) + [scope] if n not in names]
    links = [i for i, c in enumerate(resource.columns) if c.cell == "link" and c.name in names]
    anchor = names.index(resource.columns[links[0]].name) + 1 if links else _after_title(names, resource)
    names[anchor:anchor] = extra
    return ["id", *names, *(t for t in TIMESTAMPS if _has(resource.model, t))]


def _after_title(names, resource):
    return names.index(resource.title) + 1 if resource.title in names else len(names)


def details_columns(resource):
    """Everything: the list's columns, then every other declared value and plain column, then the timestamps."""
    names = [n for n in list_columns(resource) if n not in TIMESTAMPS]
    declared = [c.name for c in resource.columns] + [f.name for f in resource.fields]
    plain = [
        attr.key
        for attr in inspect(resource.model).column_attrs
        if not any(c.primary_key or c.foreign_keys for c in attr.columns)
    ]
    for name in declared + plain:
        if name not in names and name not in TIMESTAMPS:
            names.append(name)
    return names + [t for t in TIMESTAMPS if _has(resource.model, t)]


def export_columns(resource):
    """The details' columns, an image or file as its id (a spreadsheet has no use for a picture)."""
    files = {f.name for f in resource.fields if isinstance(f, ImageField)}
    return [_fk_of(resource, n) if n in files else n for n in details_columns(resource)]


def _fk_of(resource, relationship_name):
    return next(iter(inspect(resource.model).relationships[relationship_name].local_columns)).key


def _label(resource, name):
    column = next((c for c in resource.columns if c.name == name), None)
    form_field = resource.field(name)
    return column.label if column else form_field.label if form_field else None


def labels(resource):
    """Column and filter labels: the declared ones, and names for the owner's and parent's filters."""
    found = {}
    for name in {c.name for c in resource.columns} | {f.name for f in resource.fields}:
        found[name] = _label(resource, name)
    scope = _scope(resource)
    if resource.owner is not None:
        found.update({f"{scope.relationship}.email": "Owner's e-mail", scope.column: "Owner id"})
    elif scope.relationship is None:
        found[scope.column] = f"{resource.parent.resource.singular.capitalize()} id"
    else:
        parent = resource.parent.resource
        title = _label(parent, parent.title) or parent.title
        noun = parent.singular[:1].upper() + parent.singular[1:]
        found.update({scope.column: f"{noun} id", f"{scope.relationship}.{parent.title}": f"{noun} {title.lower()}"})
    for form_field in resource.fields:
        if isinstance(form_field, RelationField):
            found[_fk_of(resource, form_field.name)] = f"{form_field.label} id"
    return found


def filters(resource, converter):
    """Owner (e-mail and id) or parent (id and name), each choice, yes/no, date and relation field, creation time."""
    scope = _scope(resource)
    if scope.relationship is None:
        found = [scope.column]
    elif resource.owner is not None:
        found = [f"{scope.relationship}.email", scope.column]
    else:
        found = [scope.column, f"{scope.relationship}.{resource.parent.resource.title}"]
    for form_field in resource.fields:
        if not isinstance(form_field, FILTERABLE):
            continue
        if isinstance(form_field, ChoiceField):
            model_column = resource.model.__table__.c[resource.column(form_field.name).property.columns[0].key]
            label = _label(resource, form_field.name)
            kind = type(model_column.type).__name__
            found += converter.convert(kind, model_column, label, options=form_field.choices) or [form_field.name]
        elif isinstance(form_field, RelationField):
            found.append(_fk_of(resource, form_field.name))
        else:
            found.append(form_field.name)
    return found + (["created_at"] if _has(resource.model, "created_at") else [])


def sortable(resource):
    """The list's columns an index walks in order (the primary key, or a column leading an index)."""
    table = resource.model.__table__
    leading = {"id"}
    for index in [*table.indexes, *table.constraints]:
        columns = list(getattr(index, "columns", []))
        if columns and getattr(index, "_ddl_if", None) is None:
            leading.add(columns[0].key)
    return [n for n in list_columns(resource) if n in leading and n in table.c]


def pickers(resource):
    """AJAX pickers: the owner (or parent), related rows, images and files; never a list of every row."""
    scope, found = _scope(resource).relationship, {}
    if scope is not None and resource.owner is not None:
        found[scope] = lookup(scope, User, "email", "name")
    elif scope is not None:
        found[scope] = lookup(scope, resource.parent.resource.model, resource.parent.resource.title)
    for form_field in resource.fields:
        if isinstance(form_field, FileField):
            found[form_field.name] = lookup(form_field.name, Asset, "key", "filename")
        elif isinstance(form_field, ImageField):
            found[form_field.name] = lookup(form_field.name, Asset, "key")
        elif isinstance(form_field, RelationField):
            found[form_field.name] = lookup(form_field.name, form_field.target, form_field.title)
    return found


def cell_formatters(resource):
    """Thumbnails (or download links) for images and files, badges for choices, labels for tags and related rows."""
    found = {}
    for form_field in resource.fields:
        if isinstance(form_field, ImageField):
            found[form_field.name] = formatters.thumbnail_column
        elif isinstance(form_field, ChoiceField):
            found[form_field.name] = _badge
        elif isinstance(form_field, TagsField | RelationField):
            found[form_field.name] = _text(form_field)
    return found


def export_formatters(resource):
    """Related rows by their name in a spreadsheet (other values as stored)."""
    return {f.name: _text(f) for f in resource.fields if isinstance(f, RelationField)}


def _badge(view, context, model, name):
    return formatters.badge(getattr(model, name))


def _text(form_field):
    def show(view, context, model, name):
        return form_field.text(getattr(model, name))

    return show


def declared_view(resource, registry):
    """The view class of ``resource``'s back-office page, derived from its declaration."""
    office = resource.back_office
    scope = _scope(resource).shown
    pickers_ = pickers(resource)
    order = [scope, *(f.name for f in resource.fields), *(["position"] if resource.positioned else [])]
    search = list(resource.search) or [resource.title]
    words = [(_label(resource, n) or n).lower() for n in search]
    placeholder = " or ".join(words)
    attributes = dict(
        resource=resource,
        registry=registry,
        column_list=list(office.columns or list_columns(resource)),
        column_details_list=list(office.details or details_columns(resource)),
        column_export_list=list(office.export or export_columns(resource)),
        column_searchable_list=search,
        column_sortable_list=sortable(resource),
        column_labels=labels(resource),
        column_formatters=cell_formatters(resource),
        column_formatters_export=export_formatters(resource),
        form_order=order,
        form_columns=[name for name in order if name in pickers_],  # the position is a PositionField
        form_ajax_refs=pickers_,
        placeholder=office.placeholder or placeholder[:1].upper() + placeholder[1:],
        __doc__=f"The {resource.plural} of every owner, from their declaration.",
    )
    attributes.update(office.options)
    view = type(f"{resource.model.__name__}View", (DeclaredView,), attributes)
    view.column_filters = filters(resource, view.filter_converter)
    return view


def add_declared_views(admin, registry, resources=None):
    """Add the page of each declared resource (all registered ones by default) to ``admin``'s menu."""
    for resource in registry.resources.values() if resources is None else resources:
        office = resource.back_office
        if office is None:
            continue
        view = declared_view(resource, registry)
        label, url = office.label_for(resource), office.url_for(resource)
        admin.add_view(view(resource.model, name=label, category=office.category, url=url))
