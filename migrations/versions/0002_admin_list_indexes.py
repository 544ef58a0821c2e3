"""Indexes for back-office lists: projects sorted by name or creation, searched by name; requests, undecided first.

Measured with bench/admin_scale.py on a million rows per table (docs/admin.md): without them,
sorting projects by name or creation time and searching a rare name each took 0.7-0.9 s,
and the access requests list (undecided first) took 4 s.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Trigram indexes answer ILIKE '%term%'. pg_trgm is a trusted extension: the database
        # owner may create it (Render's default user can).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # IF NOT EXISTS: on a big live table an operator can build these first with
    # CREATE INDEX CONCURRENTLY (docs/admin.md), and this step then does nothing.
    op.create_index("ix_project_created_at", "project", ["created_at"], if_not_exists=True)
    op.create_index("ix_project_name", "project", ["name"], if_not_exists=True)
    if op.get_bind().dialect.name == "postgresql":
        # A GIN trigram index; SQLite searches through an FTS5 table instead (revision 0003).
        op.create_index(
            "ix_project_name_trgm",
            "project",
            ["name"],
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
            if_not_exists=True,
        )
    op.create_index("ix_access_request_decided_at_id", "access_request", ["decided_at", "id"], if_not_exists=True)


def downgrade():
    op.drop_index("ix_access_request_decided_at_id", table_name="access_request")
    op.drop_index("ix_project_name_trgm", table_name="project", if_exists=True)
    op.drop_index("ix_project_name", table_name="project")
    op.drop_index("ix_project_created_at", table_name="project")
    # pg_trgm stays: other objects may use it, and it costs nothing unused.
