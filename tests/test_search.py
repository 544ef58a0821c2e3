"""Project search: the same answers on SQLite and PostgreSQL, served by an index on each."""

import pytest
from sqlalchemy import select, text

from webapp.extensions import db
from webapp.models import Project
from webapp.resources.search import substring_filter

NAMES = [
    "Amber Quartz falcon",
    "QUARTZ harbour",
    "quartzite survey",
    "École numérique",
    "ÉCOLE d'été",
    "Straße bauen",
    "100% coverage",
    "snake_case naming",
    'The "quoted" plan',
    "Backslash \\ path",
    "Zebra crossing",
    "Tiny",
]
DESCRIPTIONS = {"Zebra crossing": "Includes a quartz clock.", "Tiny": "ab"}

QUERIES = ["quartz", "QUARTZ", "Quartz f", "école", "ÉCOLE", "été", "straße", "100%", "%", "_", "e_c", '"quoted"', "\\", "ab", "é", "zz", "clock", "o"]


@pytest.fixture
def catalogue(make, approved_user):
    for name in NAMES:
        make.project(approved_user, name=name, description=DESCRIPTIONS.get(name, ""))
    return approved_user


def oracle(query):
    """What a search should find: a case-insensitive substring of the name or description."""
    needle = query.lower()
    return sorted(n for n in NAMES if needle in n.lower() or needle in DESCRIPTIONS.get(n, "").lower())


def search(query):
    statement = select(Project.name).where(substring_filter([Project.name, Project.description], query))
    return sorted(db.session.scalars(statement))


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_exactly_the_case_insensitive_substrings(catalogue, query):
    assert search(query) == oracle(query)


def test_search_follows_renames_and_deletes(make, approved_user):
    project = make.project(approved_user, name="Amber Quartz falcon")
    assert search("quartz") == ["Amber Quartz falcon"]
    project.name = "Amber Opal falcon"
    db.session.commit()
    assert search("quartz") == [] and search("opal") == ["Amber Opal falcon"]
    db.session.delete(project)
    db.session.commit()
    assert search("opal") == []


def test_search_through_the_page_matches_on_both_databases(client, sign_in, catalogue):
    sign_in.as_user(catalogue)
    page = client.get("/projects/?q=quartz", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert all(name in page for name in oracle("quartz"))
    assert "École numérique" not in page


def explain(query):
    """The database's plan for a project search, as text."""
    statement = select(Project.id).where(substring_filter([Project.name, Project.description], query))
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.connection().exec_driver_sql(prefix + sql).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_search_uses_an_index(catalogue, backend):
    if backend == "sqlite":
        triggers = db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")).all()
        assert triggers == ["project_search_delete", "project_search_insert", "project_search_update"]
        assert "VIRTUAL TABLE INDEX" in explain("quartz")
    else:
        # A dozen rows would be read sequentially anyway: ask whether the index can serve.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = explain("quartz")
        assert "ix_project_name_trgm" in plan and "ix_project_description_trgm" in plan, plan
        db.session.rollback()
