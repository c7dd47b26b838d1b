"""GIS imports: one row per applied import (who, the file's name and SHA-256, its format,
layer and CRS, and how many projects it created, changed and left as they were). The audit
trail holds one entry per project changed; this row ties them to the file.

Revision ID: 0010
Revises: 0007 (the lead re-chains this after the other branches' migrations when merging)
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"),
                  index=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("file_format", sa.String(20), nullable=False),
        sa.Column("layer", sa.String(255)),
        sa.Column("crs", sa.String(100)),
        sa.Column("features", sa.Integer, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("notes", sa.Text, nullable=False, server_default="[]"),
        sa.CheckConstraint("features >= 0 AND created >= 0 AND changed >= 0 "
                           "AND unchanged >= 0", name="ck_imports_counts"),
        sa.CheckConstraint("length(sha256) = 64", name="ck_imports_sha256"),
    )
    op.add_column("audit_entries", sa.Column("import_id", sa.Integer))
    op.create_index("ix_audit_entries_import_id", "audit_entries", ["import_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_import_id", table_name="audit_entries")
    if op.get_bind().dialect.name == "sqlite":  # in place (see 0007): no table copy
        op.execute("ALTER TABLE audit_entries DROP COLUMN import_id")
    else:
        op.drop_column("audit_entries", "import_id")
    op.drop_table("imports")
