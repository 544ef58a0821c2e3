"""Indexes for substring search of project names and descriptions, on both databases.

PostgreSQL: a GIN trigram index on the description (the name has one since 0002), so
``ILIKE '%term%'`` on either column is an index scan. SQLite: an FTS5 table with the
trigram tokenizer over name and description, kept in step with ``project`` by triggers.
Measured with ``make bench`` (docs/performance.md).

A later batch migration that rebuilds ``project`` on SQLite drops these triggers with the
old table: recreate them (``create_sqlite_search``) in that revision. tests/test_search.py
fails if they are missing at head.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE project_search USING fts5("
    "name, description, content='project', content_rowid='id', tokenize='trigram')",
    "INSERT INTO project_search(project_search) VALUES ('rebuild')",
    "CREATE TRIGGER project_search_insert AFTER INSERT ON project BEGIN "
    "INSERT INTO project_search(rowid, name, description) VALUES (new.id, new.name, new.description); END",
    "CREATE TRIGGER project_search_delete AFTER DELETE ON project BEGIN "
    "INSERT INTO project_search(project_search, rowid, name, description) "
    "VALUES ('delete', old.id, old.name, old.description); END",
    "CREATE TRIGGER project_search_update AFTER UPDATE OF name, description ON project BEGIN "
    "INSERT INTO project_search(project_search, rowid, name, description) "
    "VALUES ('delete', old.id, old.name, old.description); "
    "INSERT INTO project_search(rowid, name, description) VALUES (new.id, new.name, new.description); END",
]


def create_sqlite_search():
    for statement in SQLITE_SEARCH:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_project_description_trgm",
            "project",
            ["description"],
            postgresql_using="gin",
            postgresql_ops={"description": "gin_trgm_ops"},
            if_not_exists=True,
        )
    else:
        create_sqlite_search()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_project_description_trgm", table_name="project", if_exists=True)
    else:
        for trigger in ("project_search_update", "project_search_delete", "project_search_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS project_search")
