"""The Alembic revisions: they run both ways with data present, match the models, and keep child rows."""

import shutil
import textwrap
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.conftest import app_overrides, create_postgres_database, drop_postgres_database
from webapp import create_app
from webapp.database import autogenerate_filters, ensure_migrations
from webapp.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A database with no tables at all, for this test only."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = create_postgres_database("hyperdesk_migrations")
    yield url
    drop_postgres_database(url)


@pytest.fixture
def migration_app(empty_database_url, tmp_path):
    app = create_app(app_overrides(empty_database_url, UPLOAD_FOLDER=str(tmp_path / "uploads")))
    ensure_migrations(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def current_head():
    """The newest revision in migrations/versions."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def _insert_sample_rows():
    db.session.execute(text("INSERT INTO users (email, name) VALUES ('a@example.com', 'A')"))
    db.session.execute(text("INSERT INTO project (owner_id, name) SELECT id, 'P' FROM users"))
    db.session.execute(text("INSERT INTO specification (project_id, title) SELECT id, 'S' FROM project"))
    db.session.execute(
        text("INSERT INTO bullet_item (specification_id, text, position) SELECT id, 'I', 0 FROM specification")
    )
    db.session.commit()


def _count(table):
    count = db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    db.session.commit()  # release locks: migrations run on their own connection
    return count


def test_upgrade_downgrade_upgrade_with_data(migration_app):
    upgrade()
    _insert_sample_rows()
    assert _count("bullet_item") == 1
    downgrade(revision="base")
    upgrade()
    _insert_sample_rows()
    assert _count("users") == 1
    assert _count("bullet_item") == 1


def test_models_and_migrations_agree(migration_app):
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, **autogenerate_filters(connection.dialect.name)}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_server_defaults_fill_raw_inserts(migration_app):
    upgrade()
    db.session.execute(text("INSERT INTO users (email) VALUES ('raw@example.com')"))
    row = db.session.execute(text("SELECT name, role, status, session_version, created_at FROM users")).one()
    assert (row.name, row.role, row.status, row.session_version) == ("", "user", "pending", 1)
    assert row.created_at is not None
    db.session.rollback()


def test_sqlite_batch_rebuild_of_a_parent_keeps_child_rows(tmp_path, monkeypatch):
    """A batch migration that recreates ``users`` must not cascade-delete projects (SQLite)."""
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations)
    head = current_head()  # the test revision goes on top of the real ones
    (migrations / "versions" / "9999_rebuild_users.py").write_text(
        textwrap.dedent('''
        """Rebuild the users table the way a batch ALTER does on SQLite."""
        import sqlalchemy as sa
        from alembic import op

        revision = "9999"
        down_revision = "{head}"

        def upgrade():
            with op.batch_alter_table("users", recreate="always") as batch:
                batch.add_column(sa.Column("nickname", sa.String(50), nullable=True))

        def downgrade():
            with op.batch_alter_table("users", recreate="always") as batch:
                batch.drop_column("nickname")
    ''').replace("{head}", head)
    )
    url = f"sqlite:///{tmp_path / 'batch.db'}"
    app = create_app(app_overrides(url, UPLOAD_FOLDER=str(tmp_path / "uploads")))
    ensure_migrations(app)
    with app.app_context():
        upgrade(directory=str(migrations), revision=head)
        _insert_sample_rows()
        upgrade(directory=str(migrations))
        assert _count("project") == 1
        assert _count("bullet_item") == 1
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        downgrade(directory=str(migrations), revision=head)
        assert _count("bullet_item") == 1
        # Foreign keys are enforced again once the migration is over.
        with pytest.raises(Exception, match="FOREIGN KEY"):
            db.session.execute(text("INSERT INTO project (owner_id, name) VALUES (999, 'orphan')"))
            db.session.commit()
        db.session.rollback()
        db.engine.dispose()


def _catalogue(query):
    """{first column: second} of a catalogue query (PostgreSQL), read outside the migrations' locks."""
    found = dict(db.session.execute(text(query)).all())
    db.session.commit()
    return found


def _search_indexes():
    """{name: definition} of the projects' trigram indexes."""
    return _catalogue(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'project' AND indexname LIKE '%trgm'"
    )


def test_search_indexes_are_led_by_the_owner_and_built_ones_are_kept(migration_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's (SQLite searches an FTS5 table)")
    upgrade(revision="0011")
    assert all(" gin (name " in d or " gin (description " in d for d in _search_indexes().values())
    upgrade(revision="0012")
    led = _search_indexes()
    assert sorted(led) == ["ix_project_description_trgm", "ix_project_name_trgm"]
    assert all(" gin (owner_id, " in d for d in led.values()), led
    downgrade(revision="0011")
    assert all(" gin (owner_id" not in d for d in _search_indexes().values())
    # An operator built the new indexes first, concurrently and by other names (docs/admin.md):
    # the migration keeps them.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gin"))
        for column in ("name", "description"):
            connection.execute(
                text(
                    f"CREATE INDEX CONCURRENTLY ix_project_{column}_trgm_new ON project"
                    f" USING gin (owner_id, {column} gin_trgm_ops)"
                )
            )
            connection.execute(text(f"DROP INDEX CONCURRENTLY ix_project_{column}_trgm"))
            connection.execute(text(f"ALTER INDEX ix_project_{column}_trgm_new RENAME TO ix_project_{column}_trgm"))
    oids = "SELECT relname, oid FROM pg_class WHERE relname LIKE 'ix_project_%_trgm'"
    built = _catalogue(oids)
    upgrade()
    assert _catalogue(oids) == built


def _statistics_targets():
    """{column: ANALYZE's statistics target} of the projects' searched columns (None: the server's default)."""
    found = _catalogue(
        "SELECT attname, attstattarget FROM pg_attribute"
        " WHERE attrelid = 'project'::regclass AND attname IN ('name', 'description')"
    )
    return {name: (None if target in (None, -1) else target) for name, target in found.items()}


def test_searched_columns_are_sampled_finely_and_the_downgrade_restores_the_default(migration_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("ANALYZE's statistics target is PostgreSQL's")
    from webapp.database import SEARCH_STATISTICS

    upgrade(revision="0012")
    assert _statistics_targets() == {"name": None, "description": None}
    upgrade()
    assert _statistics_targets() == {"name": SEARCH_STATISTICS, "description": SEARCH_STATISTICS}
    downgrade(revision="0012")
    assert _statistics_targets() == {"name": None, "description": None}
