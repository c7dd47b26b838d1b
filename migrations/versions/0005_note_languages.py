"""Notes in each language, and a Vietnamese sort key for names.

Notes were one "tiếng Việt / English" string shown whole on both pages. Now `note` holds the
Vietnamese part and `note_en` the English one (status updates and funding lines), and
`geometry_note` / `geometry_note_en` likewise. The seed's own history entries (author 'seed',
written "vi / en" with exactly one " / ") are split here, because the seed never rewrites
history; funding lines and geometry notes are scalars the next `tracker seed` rewrites.

`sort_name_vi` / `sort_name_en` are tracker.collation keys of the names, so both databases
order names as a Vietnamese dictionary does (đ after d, tones after letters). An index on
status_updates (as_of, id) finds the newest update of a selection ("dữ liệu tính đến …").

Revision ID: 0005
Revises: 0003 (the lead re-chains this after 0004 when merging)
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

from tracker.collation import sort_key

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEPARATOR = " / "


def upgrade() -> None:
    # plain ALTER TABLE ADD COLUMN on both databases (no table copy: see _drop_column)
    for table in ("status_updates", "funding_lines"):
        op.add_column(table, sa.Column("note_en", sa.Text))
    op.add_column("projects", sa.Column("geometry_note_en", sa.Text))
    for column in ("sort_name_vi", "sort_name_en"):
        op.add_column("projects", sa.Column(column, sa.Text, nullable=False,
                                            server_default=""))
        op.create_index(f"ix_projects_{column}", "projects", [column])
    op.create_index("ix_status_updates_as_of", "status_updates", ["as_of", "id"])
    bind = op.get_bind()
    for pid, name_vi, name_en in bind.execute(sa.text(
            "SELECT id, name_vi, name_en FROM projects")).all():
        bind.execute(sa.text("UPDATE projects SET sort_name_vi = :vi, sort_name_en = :en "
                             "WHERE id = :i"),
                     {"vi": sort_key(name_vi), "en": sort_key(name_en or name_vi), "i": pid})
    for uid, note in bind.execute(sa.text(
            "SELECT id, note FROM status_updates WHERE author = 'seed' AND note IS NOT NULL"
    )).all():
        if note.count(SEPARATOR) == 1:
            vi, en = (part.strip() or None for part in note.split(SEPARATOR))
            bind.execute(sa.text("UPDATE status_updates SET note = :vi, note_en = :en "
                                 "WHERE id = :i"), {"vi": vi, "en": en, "i": uid})


def downgrade() -> None:
    bind = op.get_bind()
    for table in ("status_updates", "funding_lines"):  # keep both parts in the one column
        bind.execute(sa.text(
            f"UPDATE {table} SET note = CASE WHEN note IS NULL THEN note_en "
            f"ELSE note || '{SEPARATOR}' || note_en END WHERE note_en IS NOT NULL"))
    bind.execute(sa.text(
        "UPDATE projects SET geometry_note = CASE WHEN geometry_note IS NULL "
        f"THEN geometry_note_en ELSE geometry_note || '{SEPARATOR}' || geometry_note_en END "
        "WHERE geometry_note_en IS NOT NULL"))
    op.drop_index("ix_status_updates_as_of", table_name="status_updates")
    op.drop_index("ix_projects_sort_name_en", table_name="projects")
    op.drop_index("ix_projects_sort_name_vi", table_name="projects")
    for table, column in (("projects", "sort_name_en"), ("projects", "sort_name_vi"),
                          ("projects", "geometry_note_en"), ("funding_lines", "note_en"),
                          ("status_updates", "note_en")):
        _drop_column(table, column)


def _drop_column(table: str, column: str) -> None:
    """In place: SQLite's batch mode would copy and drop the table, and dropping `projects`
    with foreign keys on deletes every project's history with it (SQLite has had DROP COLUMN
    since 3.35)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
