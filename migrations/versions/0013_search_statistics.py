"""Searched project columns sampled more finely by ANALYZE, so a word's matches are guessed right (PostgreSQL).

The planner chooses between reading every match from the trigram index and walking the table
newest first until the page is full by its guess of how many rows match, made from the values
ANALYZE keeps (100 by default). At 1,000,000 projects a word in 1% of the names was guessed rare
after one ANALYZE in three, and everyone's search then read all 10,000 matches: 19-63 ms of the
database's time instead of 4.3 ms (the benchmark's W2 for administrators, 137 → 43 requests per
second between two runs of the same code). With 500 values the guess held in six ANALYZEs out of
six (with 1,000 in ten of ten), for about 0.2 ms more planning per search (docs/performance.md).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from alembic import op

from webapp.database import SEARCH_STATISTICS, set_search_statistics

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = ["name", "description"]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        set_search_statistics(op, "project", COLUMNS, SEARCH_STATISTICS)
        op.execute("ANALYZE project")  # now, not at autovacuum's next visit


def downgrade():
    set_search_statistics(op, "project", COLUMNS, -1)
