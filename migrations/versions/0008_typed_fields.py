"""Typed fields in the example domain: a project's due date, list indexes for its sort and filter, documents' names.

- project.due_date (a DateField in the pages), with (owner_id, due_date) for the date filter;
- (owner_id, name, id) for the projects list's "Name A–Z" sort (a keyset walk);
- asset.filename: a stored document's own name (FileField), None for images.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN on both databases (SQLite has both since 3.35): a batch rebuild of
# ``project`` would drop the search triggers of revision 0003 with the old table.


def upgrade():
    op.add_column("project", sa.Column("due_date", sa.Date(), nullable=True))
    op.create_index("ix_project_owner_id_name", "project", ["owner_id", "name", "id"])
    op.create_index("ix_project_owner_id_due_date", "project", ["owner_id", "due_date"])
    op.add_column("asset", sa.Column("filename", sa.String(255), nullable=True))


def downgrade():
    op.drop_column("asset", "filename")
    op.drop_index("ix_project_owner_id_due_date", table_name="project")
    op.drop_index("ix_project_owner_id_name", table_name="project")
    op.drop_column("project", "due_date")
