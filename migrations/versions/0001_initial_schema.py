"""Initial schema: users, access requests, audit log, projects, specifications, items, assets.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def timestamp(name, nullable=False):
    """A UTC timestamp column; the database fills it in for raw inserts."""
    default = None if nullable else sa.text("CURRENT_TIMESTAMP")
    return sa.Column(name, sa.DateTime(timezone=True), server_default=default, nullable=nullable)


def enum(name, *values):
    """A VARCHAR with a CHECK constraint (no native PostgreSQL enum type to drop)."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=max(map(len, values)))


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("picture_url", sa.String(length=1000), nullable=True),
        sa.Column("google_sub", sa.String(length=255), nullable=True),
        sa.Column("role", enum("role", "user", "admin"), server_default="user", nullable=False),
        sa.Column(
            "status",
            enum("status", "pending", "approved", "rejected", "suspended"),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("session_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("settings", JSON, server_default=sa.text("'{}'"), nullable=False),
        timestamp("last_login_at", nullable=True),
        timestamp("updated_at"),
        timestamp("created_at"),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("google_sub", name=op.f("uq_users_google_sub")),
    )
    op.create_index(op.f("ix_users_status"), "users", ["status"])

    op.create_table(
        "access_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status", enum("status", "pending", "approved", "rejected"), server_default="pending", nullable=False
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        timestamp("decided_at", nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_access_request_decided_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_access_request_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_request")),
    )
    op.create_index(op.f("ix_access_request_decided_by_id"), "access_request", ["decided_by_id"])
    op.create_index("ix_access_request_status_created", "access_request", ["status", "created_at"])
    op.create_index(
        "uq_access_request_one_pending",
        "access_request",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("storage", enum("storage", "local", "cloudinary"), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        timestamp("orphaned_at", nullable=True),
        timestamp("created_at"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_asset_owner_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset")),
        sa.UniqueConstraint("storage", "key", name=op.f("uq_asset_storage_key")),
    )
    op.create_index(op.f("ix_asset_orphaned_at"), "asset", ["orphaned_at"])
    op.create_index(op.f("ix_asset_owner_id"), "asset", ["owner_id"])

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("details", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_event_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_action"), "audit_event", ["action"])
    op.create_index(op.f("ix_audit_event_actor_id"), "audit_event", ["actor_id"])
    op.create_index("ix_audit_event_created_at", "audit_event", ["created_at"])
    op.create_index("ix_audit_event_target", "audit_event", ["target_type", "target_id"])

    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "status", enum("status", "draft", "active", "on_hold", "done"), server_default="draft", nullable=False
        ),
        sa.Column("cover_asset_id", sa.Integer(), nullable=True),
        sa.Column("share_token", sa.String(length=64), nullable=True),
        timestamp("updated_at"),
        timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["cover_asset_id"], ["asset.id"], name=op.f("fk_project_cover_asset_id_asset"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_project_owner_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("share_token", name=op.f("uq_project_share_token")),
    )
    op.create_index(op.f("ix_project_cover_asset_id"), "project", ["cover_asset_id"])
    op.create_index("ix_project_owner_id_id", "project", ["owner_id", "id"])
    op.create_index(op.f("ix_project_status"), "project", ["status"])

    op.create_table(
        "specification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        timestamp("updated_at"),
        timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_specification_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specification")),
    )
    op.create_index("ix_specification_project_id_id", "specification", ["project_id", "id"])

    op.create_table(
        "bullet_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("specification_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        timestamp("updated_at"),
        timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["specification_id"],
            ["specification.id"],
            name=op.f("fk_bullet_item_specification_id_specification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bullet_item")),
        sa.UniqueConstraint("specification_id", "position", name=op.f("uq_bullet_item_specification_id_position")),
    )


def downgrade():
    # Children first; dropping a table drops its indexes and constraints with it.
    for table in ("bullet_item", "specification", "project", "audit_event", "asset", "access_request", "users"):
        op.drop_table(table)
