"""The declarative layer: a model declared in a test gets working, owner-only pages from the defaults."""

import io
import re

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tests.plugins.accounts import SignIn
from webapp.extensions import db
from webapp.models import User
from webapp.projects.declarations import PROJECTS, SPECIFICATIONS
from webapp.resources import Column, Field, NavEntry, Parent, Position, Resource, TextField, substring_filter
from webapp.resources.registry import Registry
from webapp.resources.views import register_resources
from webapp.security import safe_next
from webapp.templating import add_nav_item

HX = {"HX-Request": "true"}


class ThrowawayBase(DeclarativeBase):
    """Metadata of its own: the app's schema and the migrations check never see these tables."""


class Bookmark(ThrowawayBase):
    """A fourth model, as a developer would add it (here without a migration: the test makes its table)."""

    __tablename__ = "test_bookmark"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey(User.__table__.c.id, ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(500), default="")


class Note(ThrowawayBase):
    """An ordered child of a bookmark."""

    __tablename__ = "test_note"
    __table_args__ = (UniqueConstraint("bookmark_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bookmark_id: Mapped[int] = mapped_column(ForeignKey(Bookmark.id, ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


BOOKMARKS = Resource(
    model=Bookmark,
    name="bookmarks",
    singular="bookmark",
    plural="bookmarks",
    title="title",
    owner="owner_id",
    fields=[
        TextField("title", "Title", required=True, max_length=100),
        TextField("address", "Address", max_length=500),
    ],
    columns=[Column("title", "Title", cell="link"), Column("address", "Address")],
    search=("title", "address"),
    nav=NavEntry("Bookmarks", "Links worth keeping."),
)

NOTES = Resource(
    model=Note,
    name="notes",
    singular="note",
    plural="notes",
    title="text",
    parent=Parent(BOOKMARKS, "bookmark_id"),
    order=Position(),
    fields=[TextField("text", "Note", required=True, max_length=200)],
    columns=[Column("text", "Note")],
)


class FileNameField(Field):
    """A file field, as an upload feature would declare one: here it keeps only the file's name."""

    widget = "file"
    multipart = True

    def raw(self, data):
        upload = data.get(self.name)
        return getattr(upload, "filename", "") or ""


UPLOADED = Resource(
    model=Bookmark,
    name="uploaded",
    singular="upload",
    plural="uploads",
    title="title",
    owner="owner_id",
    fields=[FileNameField("title", "File", required=True)],
    columns=[Column("title", "File")],
)


@pytest.fixture
def declared(app):
    """The app serving bookmarks and their notes, with their tables made for this test only."""
    register_resources(app, [BOOKMARKS, NOTES, UPLOADED])
    ThrowawayBase.metadata.create_all(db.engine)
    yield
    db.session.remove()
    ThrowawayBase.metadata.drop_all(db.engine)


@pytest.fixture
def alice(declared, approved_user, sign_in):
    """Alice, signed in, on the app with bookmarks."""
    return sign_in.as_user(approved_user)


def bookmark_of(user, title="Docs"):
    bookmark = Bookmark(owner_id=user.id, title=title, address="https://example.org/")
    db.session.add(bookmark)
    db.session.commit()
    return bookmark


def test_declared_model_gets_a_list_page_from_the_default_templates(client, alice):
    bookmark_of(alice, "Flask docs")
    html = client.get("/bookmarks/").get_data(as_text=True)
    assert "<html" in html and "<h1>Bookmarks" in html and ">Flask docs</a>" in html
    assert 'href="/bookmarks/"' in html and ">Bookmarks</a>" in html  # its navigation entry


def test_declared_model_is_created_inline_for_its_owner(client, alice):
    response = client.post("/bookmarks/", data={"title": "htmx", "address": "https://htmx.org/"}, headers=HX)
    bookmark = db.session.scalar(select(Bookmark))
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert (bookmark.title, bookmark.owner_id) == ("htmx", alice.id)


def test_declared_model_validates_its_fields(client, alice):
    response = client.post("/bookmarks/", data={"title": "", "address": "x"}, headers=HX)
    assert response.status_code == 422 and "Title is required." in response.get_data(as_text=True)


def test_declared_model_is_edited_searched_and_deleted(client, alice):
    bookmark_id = bookmark_of(alice, "Old").id
    assert (
        client.post(f"/bookmarks/{bookmark_id}/edit", data={"title": "New", "address": ""}, headers=HX).status_code
        == 200
    )
    assert ">New</a>" in client.get("/bookmarks/?q=NE", headers=HX).get_data(as_text=True)
    assert client.post(f"/bookmarks/{bookmark_id}/delete").status_code == 303
    assert db.session.scalar(select(Bookmark)) is None


def test_declared_model_hides_other_peoples_rows(app, client, alice, make):
    theirs = bookmark_of(make.user(), "Private")
    assert "Private" not in client.get("/bookmarks/").get_data(as_text=True)
    for method, path in [
        ("GET", "/bookmarks/{}"),
        ("POST", "/bookmarks/{}/edit"),
        ("POST", "/bookmarks/{}/delete"),
        ("POST", "/bookmarks/{}/notes/"),
    ]:
        assert client.open(path.format(theirs.id), method=method, data={"title": "x", "text": "x"}).status_code == 404


def test_declared_child_is_listed_added_and_reordered_on_its_parent_page(client, alice):
    bookmark_id = bookmark_of(alice).id
    for text in ("first", "second"):
        client.post(f"/bookmarks/{bookmark_id}/notes/", data={"text": text}, headers=HX)
    notes = db.session.scalars(select(Note).order_by(Note.position)).all()
    assert [(n.text, n.position) for n in notes] == [("first", 0), ("second", 1)]
    client.post(f"/notes/{notes[1].id}/move", data={"direction": "up"}, headers=HX)
    page = client.get(f"/bookmarks/{bookmark_id}").get_data(as_text=True)
    assert 'id="notes-section"' in page and page.index(">second<") < page.index(">first<")


def test_a_file_field_is_added_by_declaration(client, alice):
    form = client.get("/uploaded/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and '<input type="file" id="uploaded-new-title" name="title"' in form
    response = client.post(
        "/uploaded/", data={"title": (io.BytesIO(b"%PDF"), "plan.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 303 and db.session.scalar(select(Bookmark.title)) == "plan.pdf"


def test_a_model_without_its_own_templates_uses_the_defaults_and_projects_use_theirs(app, declared):
    registry = app.extensions["resources"]
    assert registry.template(BOOKMARKS, "detail.html") == "resources/detail.html"
    assert registry.template(PROJECTS, "detail.html") == "projects/detail.html"


def test_children_are_found_through_their_parent(app, declared):
    registry = app.extensions["resources"]
    assert registry.children(BOOKMARKS) == [NOTES]
    assert registry.children(PROJECTS) == [SPECIFICATIONS]


def test_a_child_cannot_be_registered_before_its_parent(app):
    with pytest.raises(ValueError, match="before its child"):
        Registry(app).add(NOTES)


def test_a_name_cannot_be_registered_twice(app):
    with pytest.raises(ValueError, match="already registered"):
        app.extensions["resources"].add(PROJECTS)


@pytest.mark.parametrize(
    "options, message",
    [
        ({}, "exactly one of owner= .* or parent="),
        ({"owner": "owner_id", "parent": Parent(PROJECTS, "owner_id")}, "exactly one"),
        ({"owner": "nobody_id"}, "has no attribute"),
        ({"owner": "owner_id", "search": ("summary",)}, "has no attribute"),
    ],
)
def test_declarations_are_checked_when_written(options, message):
    with pytest.raises(ValueError, match=message):
        Resource(model=Bookmark, name="x", singular="x", plural="xs", title="title", **options)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("/projects/?q=a", "/projects/?q=a"),
        ("https://evil.example/", None),
        ("//evil.example", None),
        ("/\\evil", None),
        ("", None),
        ("projects", None),
        # Values urllib's parser raises on (a bracket opens an IPv6 host; NFKC folds to a "/").
        ("//[", None),
        ("http://[", None),
        ("//a\u2100b/", None),
        ("/search?q=[", "/search?q=["),
    ],
)
def test_only_paths_on_this_site_are_followed_after_saving(value, expected):
    assert safe_next(value, None) == expected


def test_search_on_a_table_without_an_index_is_a_lowercase_like_on_sqlite():
    compiled = substring_filter([Bookmark.title], "Mix%", dialect="sqlite").compile(dialect=sqlite.dialect())
    sql = str(compiled).lower()
    assert "lower(test_bookmark.title) like" in sql and "escape" in sql
    assert list(compiled.params.values()) == ["%mix\\%%"]


def test_search_is_an_ilike_on_postgresql():
    compiled = substring_filter([Bookmark.title], "Mix_", dialect="postgresql").compile(dialect=postgresql.dialect())
    assert "test_bookmark.title ilike" in str(compiled).lower()
    assert list(compiled.params.values()) == ["%Mix\\_%"]


def test_signed_in_pages_need_an_approved_account(app, declared, pending_user):
    client = app.test_client()
    SignIn(client).as_user(pending_user)
    assert client.get("/bookmarks/").headers["Location"].endswith("/access/")


CELLED = Resource(
    model=Bookmark,
    name="celled",
    singular="bookmark",
    plural="bookmarks",
    title="title",
    owner="owner_id",
    fields=[TextField("title", "Title", required=True, max_length=100)],
    columns=[Column("title", "Title", cell="celled/_title.html"), Column("address", "Address", cell="domain")],
)

# A cell type of the app's own (templates/resources/cells/domain.html) and a cell named by its path.
OWN_CELLS = {
    "resources/cells/domain.html": '<em class="cell cell-domain">{{ obj.address.split("/")[2] }}</em>',
    "celled/_title.html": '<b class="cell">{{ obj.title }} ({{ resource.singular }})</b>',
}


def test_a_column_can_name_a_cell_of_the_apps_own_or_a_template_path(app, client, approved_user, sign_in):
    app.jinja_env.loader = ChoiceLoader([DictLoader(OWN_CELLS), app.jinja_env.loader])
    register_resources(app, [CELLED])
    ThrowawayBase.metadata.create_all(db.engine)
    try:
        bookmark_of(sign_in.as_user(approved_user), title="Docs <1>")
        page = client.get("/celled/").get_data(as_text=True)
        assert '<em class="cell cell-domain">example.org</em>' in page
        assert '<b class="cell">Docs &lt;1&gt; (bookmark)</b>' in page
    finally:
        db.session.remove()
        ThrowawayBase.metadata.drop_all(db.engine)


def test_a_declared_resource_takes_its_place_in_the_navigation_by_its_order(app, client, alice):
    add_nav_item(app, "bookmarks.index", "Bookmarks first", order=1)
    html = client.get("/bookmarks/").get_data(as_text=True)
    nav = re.search(r'<ul class="nav-links".*?</ul>', html, re.S).group(0)
    labels = re.findall(r">([^<>]+)</a>", nav)
    # Projects declares 10, a declaration without an order takes 100, Settings 1000.
    assert labels == ["Bookmarks first", "Projects", "Bookmarks", "Settings"]
