"""The Alembic revision of a scaffolded model, rendered by Alembic from the model's own table (so the two agree)."""

import re
from pathlib import Path

from alembic.autogenerate import render_python_code
from alembic.config import Config
from alembic.operations import ops
from alembic.script import ScriptDirectory

from ..database import render_item

REVISION_FILE = re.compile(r"(\d{4})_\w+\.py")
TEMPLATE = '''"""{title}

Revision ID: {revision}
Revises: {down_revision}
"""

import sqlalchemy as sa
from alembic import op

from webapp.database import create_search_index, drop_search_index

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade():
{upgrade}
    create_search_index(op, "{table}", {searched!r}, scope="{scope}")


def downgrade():
    drop_search_index(op, "{table}", {searched!r})
{downgrade}
'''


def head_and_next(versions):
    """The current head revision and the next free four-digit number, from ``migrations/versions``."""
    config = Config()
    config.set_main_option("script_location", str(Path(versions).parent))
    heads = ScriptDirectory.from_config(config).get_heads()
    if len(heads) != 1:
        raise ValueError(f"the migrations have {len(heads)} heads ({', '.join(heads)}); merge them first")
    numbers = [int(m.group(1)) for p in Path(versions).iterdir() if (m := REVISION_FILE.fullmatch(p.name))]
    return heads[0], f"{max(numbers, default=0) + 1:04d}"


def render(table, searched, scope, revision, down_revision, title):
    """The revision's source: create ``table`` with its indexes and the search index; downgrade drops them.

    ``scope``: the column a person's list is narrowed by (owner or parent), leading the search index.
    """
    indexes = [i for i in sorted(table.indexes, key=lambda i: i.name) if not i.name.endswith("_trgm")]
    upgrade = ops.UpgradeOps(
        ops=[ops.CreateTableOp.from_table(table), *(ops.CreateIndexOp.from_index(i) for i in indexes)]
    )
    downgrade = ops.DowngradeOps(
        ops=[*(ops.DropIndexOp.from_index(i) for i in reversed(indexes)), ops.DropTableOp.from_table(table)]
    )
    code = {
        name: render_python_code(step, render_item=render_item, user_module_prefix="sa.")
        for name, step in (("upgrade", upgrade), ("downgrade", downgrade))
    }
    source = TEMPLATE.format(
        title=title,
        revision=revision,
        down_revision=down_revision,
        table=table.name,
        searched=list(searched),
        scope=scope,
        **{name: _body(text) for name, text in code.items()},
    )
    if "postgresql." in source:
        source = source.replace(
            "from alembic import op\n", "from alembic import op\nfrom sqlalchemy.dialects import postgresql\n"
        )
    return source


def _body(text):
    """Alembic's rendering without its "commands auto generated" comments."""
    lines = [line for line in text.splitlines() if "### " not in line and line.strip()]
    return "\n".join(lines)
