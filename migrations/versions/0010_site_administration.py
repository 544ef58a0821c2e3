"""Site administration: site settings, invitations, the approver and auditor roles, reminders, the sender's name.

- site_setting: one row per setting an administrator chose (key, JSON value, who, when);
- invitation: e-mail invitations and invitation links (hashed token, role, uses, expiry, revocation);
- users.role (and invitation.role) accept approver and auditor;
- access_request.reminded_at: when a reminder digest last named the request;
- outbox_message.sender_name: the From display name (the site's name when the message was written).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_ROLES = ("user", "admin")
ROLES = ("user", "admin", "approver", "auditor")
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=max(map(len, values)))


def _timestamp(name, nullable=True):
    default = None if nullable else sa.text("CURRENT_TIMESTAMP")
    return sa.Column(name, sa.DateTime(timezone=True), server_default=default, nullable=nullable)


def _user_reference(table, column):
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL")


def upgrade():
    # The role's CHECK constraint names its values: a batch rebuild on SQLite, ALTERs on PostgreSQL.
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "role",
            existing_type=_enum("role", OLD_ROLES),
            type_=_enum("role", ROLES),
            existing_nullable=False,
            existing_server_default="user",
        )
    op.create_table(
        "site_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", JSON, nullable=False),
        _timestamp("updated_at", nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _user_reference("site_setting", "updated_by_id"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_setting")),
    )
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("kind", ("email", "link")), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_hint", sa.String(length=12), nullable=True),
        sa.Column("role", _enum("role", ROLES), nullable=False),
        sa.Column("max_uses", sa.Integer(), server_default="1", nullable=False),
        sa.Column("use_count", sa.Integer(), server_default="0", nullable=False),
        _timestamp("expires_at", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _timestamp("revoked_at"),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        _timestamp("last_used_at"),
        sa.Column("last_used_by_id", sa.Integer(), nullable=True),
        _timestamp("created_at", nullable=False),
        sa.CheckConstraint("use_count >= 0 AND use_count <= max_uses", name=op.f("ck_invitation_uses_within_limit")),
        sa.CheckConstraint("(kind = 'email') = (email IS NOT NULL)", name=op.f("ck_invitation_email_for_email_kind")),
        _user_reference("invitation", "created_by_id"),
        _user_reference("invitation", "revoked_by_id"),
        _user_reference("invitation", "last_used_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    op.create_index("ix_invitation_email", "invitation", ["email"])
    op.create_index(op.f("ix_invitation_created_by_id"), "invitation", ["created_by_id"])
    op.create_index(op.f("ix_invitation_revoked_by_id"), "invitation", ["revoked_by_id"])
    op.create_index(op.f("ix_invitation_last_used_by_id"), "invitation", ["last_used_by_id"])
    op.add_column("access_request", sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox_message", sa.Column("sender_name", sa.String(length=200), nullable=True))


def downgrade():
    op.drop_column("outbox_message", "sender_name")
    op.drop_column("access_request", "reminded_at")
    op.drop_index(op.f("ix_invitation_last_used_by_id"), table_name="invitation")
    op.drop_index(op.f("ix_invitation_revoked_by_id"), table_name="invitation")
    op.drop_index(op.f("ix_invitation_created_by_id"), table_name="invitation")
    op.drop_index("ix_invitation_email", table_name="invitation")
    op.drop_table("invitation")
    op.drop_table("site_setting")
    # The narrower constraint refuses the new roles: their holders become ordinary users.
    op.execute(sa.text("UPDATE users SET role = 'user' WHERE role NOT IN ('user', 'admin')"))
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "role",
            existing_type=_enum("role", ROLES),
            type_=_enum("role", OLD_ROLES),
            existing_nullable=False,
            existing_server_default="user",
        )
