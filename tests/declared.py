"""Valid values and rows for any declared resource, read from its declaration (the matrices and scaffolded tests use them)."""

from contextlib import contextmanager

from werkzeug.datastructures import MultiDict

from tests.plugins.client import TestClient
from webapp.extensions import db
from webapp.resources import ChoiceField, ImageField, TextAreaField, TextField, writes


def sample_json(form_field):
    """A valid JSON value for a field: the first choice, some text, no image; optional typed fields left empty."""
    if isinstance(form_field, ImageField):
        return None
    if not isinstance(form_field, TextField | TextAreaField | ChoiceField) and not form_field.required:
        return None  # a date, a number, a relation…: left empty
    if getattr(form_field, "choices", None):
        return form_field.choices[0][0]
    return "Sample value"[: form_field.max_length or None]


def sample_body(resource):
    """A valid API body for a new row of ``resource``."""
    return {f.name: sample_json(f) for f in resource.fields}


def sample_form(resource, **values):
    """A valid form for a new row of ``resource``, as a browser sends it (``values`` replace single fields)."""
    form = MultiDict()
    for form_field in resource.fields:
        form.setlist(form_field.name, form_field.form_values(sample_json(form_field)))
    for name, value in values.items():
        form.setlist(name, value if isinstance(value, list) else [value])
    return form


def make_row(resource, owner, parent=None):
    """A new row of ``resource`` owned by ``owner`` (made through the pages' own writes), with its ancestors."""
    if resource.parent is not None and parent is None:
        parent = make_row(resource.parent.resource, owner)
    obj = writes.create(resource, sample_form(resource), owner, parent)
    db.session.commit()
    return obj


@contextmanager
def app_declaring(app_config, monkeypatch, resources, metadata):
    """The application serving ``resources`` too (pages and API), with ``metadata``'s tables made for this test only."""
    from tests.conftest import empty_all_tables
    from webapp import create_app
    from webapp.resources import views

    discovered = views.discover()
    monkeypatch.setattr(views, "discover", lambda: [*discovered, *resources])
    app = create_app(app_config)
    app.test_client_class = TestClient
    with app.app_context():
        metadata.create_all(db.engine)
        try:
            yield app
        finally:
            db.session.remove()
            metadata.drop_all(db.engine)
            empty_all_tables()
            db.session.remove()
            db.engine.dispose()
