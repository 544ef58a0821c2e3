"""Project search: the same answers on SQLite and PostgreSQL, served by an index on each."""

import pytest
from sqlalchemy import select, text

from webapp.extensions import db
from webapp.models import Project
from webapp.resources import search as search_module
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

QUERIES = [
    "quartz",
    "QUARTZ",
    "Quartz f",
    "école",
    "ÉCOLE",
    "été",
    "straße",
    "100%",
    "%",
    "_",
    "e_c",
    '"quoted"',
    "\\",
    "ab",
    "é",
    "zz",
    "clock",
    "o",
]


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
    statement = select(Project.name).where(substring_filter([Project.name, Project.description], query, indexed=True))
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


def explain(query, owner=None):
    """The database's plan for a project search (of ``owner``'s projects when given), as text."""
    statement = select(Project.id).where(substring_filter([Project.name, Project.description], query, indexed=True))
    if owner is not None:
        statement = statement.where(Project.owner_id == owner.id)
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
        # A person's search can start from their rows in the search index itself (its leading column),
        # so it reads only their matches; the owner's B-tree indexes are set aside (this transaction
        # only), as on a dozen rows the planner would rather walk those.
        owners = text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'project' AND indexdef LIKE '%btree (owner_id%'"
        )
        for name in db.session.scalars(owners).all():
            db.session.execute(text(f'DROP INDEX "{name}"'))
        lines = explain("quartz", owner=catalogue).splitlines()
        served = [after for line, after in zip(lines, lines[1:], strict=False) if "_trgm" in line]
        assert served and all("Index Cond" in line and f"owner_id = {catalogue.id}" in line for line in served), lines
        db.session.rollback()


def test_every_indexed_declared_search_has_its_index_and_statistics_at_head(app, backend):
    from webapp.database import SEARCH_STATISTICS

    indexed = [r for r in app.extensions["resources"].resources.values() if r.search_index]
    assert indexed, "the projects' search is declared indexed"
    for resource in indexed:
        table = resource.model.__tablename__
        if backend == "sqlite":
            names = set(
                db.session.scalars(text("SELECT name FROM sqlite_master WHERE name LIKE :p"), {"p": f"{table}_search%"})
            )
            assert {f"{table}_search", f"{table}_search_insert", f"{table}_search_update"} <= names
        else:
            found = db.session.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"), {"t": table}
            )
            definitions = dict(found.all())
            scope = resource.owner if resource.parent is None else resource.parent.fk
            for column in resource.search:
                # Led by the column a person's list is narrowed by (create_search_index's scope).
                assert f"({scope}, {column} gin_trgm_ops)" in definitions[f"ix_{table}_{column}_trgm"], definitions
            # Sampled finely (create_search_index does it; a migration that indexes by hand must too),
            # or the planner may guess a common word rare and read all its matches.
            targets = db.session.execute(
                text("SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)"),
                {"t": table},
            )
            sampled = {name: target for name, target in targets.all() if name in resource.search}
            assert sampled == dict.fromkeys(resource.search, SEARCH_STATISTICS), sampled


def test_the_migration_helper_indexes_a_new_table_and_removes_the_index(app, backend):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import Column, Integer, MetaData, String, Table

    from webapp.database import SEARCH_STATISTICS, create_search_index, drop_search_index

    notes = Table(
        "test_note_search",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("shelf", Integer),
        Column("body", String(100)),
    )
    with db.engine.begin() as connection:
        notes.create(connection)
        operations = Operations(MigrationContext.configure(connection))
        create_search_index(operations, "test_note_search", ["body"], scope="shelf")
        rows = [
            {"shelf": 1, "body": "Quartz clock"},
            {"shelf": 2, "body": "Quartz lamp"},
            {"shelf": 1, "body": "Opal ring"},
        ]
        connection.execute(notes.insert(), rows)
    try:
        found = db.session.scalars(select(notes.c.body).where(substring_filter([notes.c.body], "quartz", indexed=True)))
        assert sorted(found) == ["Quartz clock", "Quartz lamp"]
        shelf = substring_filter([notes.c.body], "quartz", indexed=True, scope=notes.c.shelf == 1)
        assert list(db.session.scalars(select(notes.c.body).where(notes.c.shelf == 1, shelf))) == ["Quartz clock"]
        if backend == "postgresql":
            definition = db.session.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_test_note_search_body_trgm'")
            )
            assert "gin (shelf, body gin_trgm_ops)" in definition
            target = "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'test_note_search'::regclass AND attname = 'body'"
            assert db.session.scalar(text(target)) == SEARCH_STATISTICS
        plan = explain_table(notes, "quartz")
        assert ("VIRTUAL TABLE INDEX" in plan) if backend == "sqlite" else True
        db.session.rollback()
    finally:
        with db.engine.begin() as connection:
            drop_search_index(Operations(MigrationContext.configure(connection)), "test_note_search", ["body"])
            notes.drop(connection)


def test_the_migration_helper_indexes_a_table_and_a_column_named_with_words_sql_keeps(app):
    # `flask scaffold orders` makes the table "order"; its search triggers failed to compile on SQLite.
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import Column, Integer, MetaData, String, Table

    from webapp.database import create_search_index, drop_search_index

    orders = Table("order", MetaData(), Column("id", Integer, primary_key=True), Column("group", String(100)))
    with db.engine.begin() as connection:
        orders.create(connection)
        create_search_index(Operations(MigrationContext.configure(connection)), "order", ["group"])
        connection.execute(orders.insert(), [{"group": "Quartz clock"}, {"group": "Opal ring"}, {"group": "Jade"}])
        connection.execute(orders.update().where(orders.c.id == 2).values(group="Quartz lamp"))
        connection.execute(orders.delete().where(orders.c.id == 1))
    try:
        found = db.session.scalars(
            select(orders.c.group).where(substring_filter([orders.c.group], "quartz", indexed=True))
        )
        assert list(found) == ["Quartz lamp"]
        db.session.rollback()
    finally:
        with db.engine.begin() as connection:
            drop_search_index(Operations(MigrationContext.configure(connection)), "order", ["group"])
            orders.drop(connection)


def explain_table(table, query):
    statement = select(table.c.id).where(substring_filter([table.c.body], query, indexed=True))
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    return "\n".join(str(row[-1]) for row in db.session.connection().exec_driver_sql(prefix + sql).all())


@pytest.mark.parametrize("query", QUERIES)
def test_a_search_of_ones_own_rows_finds_the_same(catalogue, query):
    statement = select(Project.name).where(
        Project.owner_id == catalogue.id,
        substring_filter(
            [Project.name, Project.description], query, indexed=True, scope=Project.owner_id == catalogue.id
        ),
    )
    assert sorted(db.session.scalars(statement)) == oracle(query)


def test_a_search_of_ones_own_rows_starts_from_them_on_sqlite(catalogue, backend):
    """The owner's index finds their rows and each is checked: no lookup of every match in the table first."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's planner chooses between the owner index and the trigram indexes itself")
    statement = (
        select(Project.id)
        .where(
            Project.owner_id == catalogue.id,
            substring_filter(
                [Project.name, Project.description], "quartz", indexed=True, scope=Project.owner_id == catalogue.id
            ),
        )
        .order_by(Project.id.desc())
        .limit(26)
    )
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = "\n".join(str(row[-1]) for row in db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "VIRTUAL TABLE" not in plan and "ix_project_owner" in plan, plan


def own_search_plan(owner, query="quartz"):
    scope = Project.owner_id == owner.id
    statement = (
        select(Project.id)
        .where(scope, substring_filter([Project.name, Project.description], query, indexed=True, scope=scope))
        .order_by(Project.id.desc())
        .limit(26)
    )
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    return "\n".join(str(row[-1]) for row in db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


@pytest.mark.parametrize("query", QUERIES)
def test_a_search_of_many_own_rows_goes_through_the_index_and_finds_the_same(catalogue, query, monkeypatch):
    monkeypatch.setattr(search_module, "SCAN_IN_PLACE_ROWS", 2)  # the catalogue's owner has more rows than that
    scope = Project.owner_id == catalogue.id
    statement = select(Project.name).where(
        scope, substring_filter([Project.name, Project.description], query, indexed=True, scope=scope)
    )
    assert sorted(db.session.scalars(statement)) == oracle(query)


def test_only_a_person_with_many_rows_searches_through_the_full_text_table_on_sqlite(catalogue, backend, monkeypatch):
    """Checked in place, 10,000 rows cost 16 ms where the FTS5 lookup of a rare word costs 1 ms."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's planner chooses between the owner index and the trigram indexes itself")
    assert "VIRTUAL TABLE" not in own_search_plan(catalogue)
    monkeypatch.setattr(search_module, "SCAN_IN_PLACE_ROWS", len(NAMES) - 1)
    assert "VIRTUAL TABLE" in own_search_plan(catalogue)
    monkeypatch.setattr(search_module, "SCAN_IN_PLACE_ROWS", len(NAMES))
    assert "VIRTUAL TABLE" not in own_search_plan(catalogue)
