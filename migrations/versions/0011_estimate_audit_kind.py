"""A new audit kind: `estimate` (a dated investment estimate recorded). The kinds are a CHECK
on audit_entries; SQLite cannot change a CHECK in place, so there the table is rebuilt (batch
mode: rows, indexes and the other constraints copied). The downgrade files the estimate
entries as `edit`, the kind they would have had before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_KINDS = ("create", "edit", "status_update", "geometry", "delete", "import", "user",
             "token", "sign_in_failed")
NEW_KINDS = (*OLD_KINDS[:4], "estimate", *OLD_KINDS[4:])


def _in(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _set_kinds(kinds: tuple) -> None:
    with op.batch_alter_table("audit_entries", recreate="auto") as batch:
        batch.drop_constraint("ck_audit_entries_kind", type_="check")
        batch.create_check_constraint("ck_audit_entries_kind", _in("kind", kinds))


def upgrade() -> None:
    _set_kinds(NEW_KINDS)


def downgrade() -> None:
    op.execute("UPDATE audit_entries SET kind = 'edit' WHERE kind = 'estimate'")
    _set_kinds(OLD_KINDS)
