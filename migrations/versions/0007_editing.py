"""Editing: the projects' row version (SQLAlchemy's version counter, the strong ETag of the
write API and the version an edit form carries), the soft delete, and the project version an
audit entry left behind ("who changed what since the version you read").

Existing projects start at version 1.

Revision ID: 0007
Revises: 0005 (the figures work adds 0006; the lead re-chains this after it when merging)
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE ADD COLUMN on both databases (no table copy)
    op.add_column("projects", sa.Column("version_id", sa.Integer, nullable=False,
                                        server_default="1"))
    op.add_column("projects", sa.Column("deleted_at", sa.DateTime))
    op.add_column("audit_entries", sa.Column("project_version", sa.Integer))
    op.create_index("ix_audit_entries_project_version", "audit_entries",
                    ["project_id", "project_version"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_project_version", table_name="audit_entries")
    for table, column in (("audit_entries", "project_version"), ("projects", "deleted_at"),
                          ("projects", "version_id")):
        _drop_column(table, column)


def _drop_column(table: str, column: str) -> None:
    """In place: SQLite's batch mode would copy and drop `projects`, and dropping it with
    foreign keys on deletes every project's history with it (see 0005)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
