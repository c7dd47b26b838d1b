"""Folded owner/investor text, so the owner filter ignores diacritics and case on both
databases (SQLite's lower() folds ASCII only; "hau giang" must find "Hậu Giang").

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

from tracker.text import fold

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("owner_search", sa.Text, nullable=False, server_default=""))
    bind = op.get_bind()
    for pid, owner, investor in bind.execute(sa.text(
            "SELECT id, owner, investor FROM projects")).all():
        bind.execute(sa.text("UPDATE projects SET owner_search = :s WHERE id = :i"),
                     {"s": fold(" ".join(x for x in (owner, investor) if x)), "i": pid})


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("owner_search")
