"""Accounts and the audit trail: users with roles, their API tokens (stored hashed), the audit
entries every change writes, and the failed sign-in counters (in the database so every worker
process sees the same count).

Vocabulary lists are written out here on purpose (see 0001): a new role or audit kind in
tracker/vocab.py needs a new migration (a test inserts every code to catch drift).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ROLES = ("viewer", "editor", "admin")
AUDIT_KINDS = ("create", "edit", "status_update", "geometry", "delete", "import", "user",
               "token", "sign_in_failed")


def _in(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        username = "username ~ '^[a-z0-9][a-z0-9._-]*$'"
    else:
        username = ("username <> '' AND username NOT GLOB '*[^a-z0-9._-]*' "
                    "AND username NOT GLOB '[._-]*'")

    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime),
        sa.CheckConstraint(username, name="ck_users_username"),
        sa.CheckConstraint(_in("role", ROLES), name="ck_users_role"),
    )

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime),
        sa.Column("revoked_at", sa.DateTime),
        sa.CheckConstraint("length(token_hash) = 64", name="ck_api_tokens_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="SET NULL")),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("changes", sa.Text, nullable=False, server_default="[]"),
        sa.CheckConstraint(_in("kind", AUDIT_KINDS), name="ck_audit_entries_kind"),
    )
    for column in ("at", "user_id", "kind", "project_id"):
        op.create_index(f"ix_audit_entries_{column}", "audit_entries", [column])

    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.DateTime, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.CheckConstraint("failures >= 0", name="ck_sign_in_throttles_failures"),
    )
    op.create_index("ix_sign_in_throttles_window_start", "sign_in_throttles", ["window_start"])


def downgrade() -> None:
    op.drop_table("sign_in_throttles")
    op.drop_table("audit_entries")
    op.drop_table("api_tokens")
    op.drop_table("users")
