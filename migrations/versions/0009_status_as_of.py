"""Every status with its date: projects.status_as_of (+ precision), the date the shown status
is true as of (the latest status update's, derived at flush time from now on), back-filled
from each project's history.

And the register's `updated_at` for rows nobody has edited through the tracker (no audit entry:
they were loaded by the seed): the date of their newest dated fact (the latest status update)
instead of the moment they were loaded, so `updated_since` and "last changed" stop calling
2021 facts new. A row with an audit entry keeps its time (a real edit, stored UTC).

Revision ID: 0009
Revises: 0007 (the lead re-chains it after 0008 when merging)
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_LATEST = ("SELECT su.{col} FROM status_updates su WHERE su.project_id = projects.id"
           " ORDER BY su.as_of DESC, su.id DESC LIMIT 1")


def upgrade() -> None:
    op.add_column("projects", sa.Column("status_as_of", sa.Date))
    op.add_column("projects", sa.Column("status_as_of_precision", sa.String(5)))
    op.create_index("ix_projects_status_as_of", "projects", ["status_as_of"])
    op.execute(f"UPDATE projects SET status_as_of = ({_LATEST.format(col='as_of')}),"
               f" status_as_of_precision = ({_LATEST.format(col='as_of_precision')})")
    # the stored text of a SQLite DateTime keeps its microseconds (the feature cache's key)
    newest = ("(SELECT max(su.as_of) FROM status_updates su"
              " WHERE su.project_id = projects.id)")
    if op.get_bind().dialect.name == "sqlite":
        newest = f"{newest} || ' 00:00:00.000000'"
    op.execute(f"UPDATE projects SET updated_at = {newest}"
               " WHERE status_as_of IS NOT NULL AND NOT EXISTS"
               " (SELECT 1 FROM audit_entries a WHERE a.project_id = projects.id)")


def downgrade() -> None:
    """Drops the two columns; `updated_at` keeps the fact dates (the load time is not kept)."""
    op.drop_index("ix_projects_status_as_of", table_name="projects")
    for column in ("status_as_of_precision", "status_as_of"):
        if op.get_bind().dialect.name == "sqlite":  # in place: a table copy would cascade
            op.execute(f"ALTER TABLE projects DROP COLUMN {column}")
        else:
            op.drop_column("projects", column)
