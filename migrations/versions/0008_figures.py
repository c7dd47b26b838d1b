"""Honest figures (issue 9, part B): the sources' roles, programme apart from related projects,
dated investment estimates, per-province components, stated precision.

- `owner` becomes `governing_body` (cơ quan chủ quản) and `investor` becomes `project_owner`
  (chủ đầu tư): the columns were labelled so in the record already, and the seed's values are
  of those kinds; `private_investor` (nhà đầu tư, PPP only) is new and empty.
- `programme_role` ("programme" | "related"; existing projects are "programme" until the seed
  says otherwise), `corridor` (a shared-corridor key: a km total counts it once),
  `stated_length_decimals` (the decimals the source wrote).
- `investment_estimates`: each dated figure of a total investment. A project that had a total
  gets it as its one estimate (no date, basis unknown, exact), so its total stays what it was;
  the total and its basis, date and qualifier are now derived from the latest estimate.
- `project_components`: a project's parts as a source splits them (a province's component).
- `funding_lines.estimate_id`: the estimate a funding line is a part of (shares are computed
  only against it). A real foreign key on PostgreSQL; a plain column on SQLite, where a
  column in a foreign key cannot be dropped in place (and the table copy of batch mode would
  cascade-delete the history, see 0005).

The downgrade renames the roles back, drops the new columns and tables (the estimates'
history and `private_investor` are lost: the old schema has nowhere to keep them) and keeps
every project, update and funding line.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PROVINCES = ("can-tho", "hau-giang", "soc-trang", "an-giang", "ca-mau")
PRECISIONS = ("day", "month", "year")
ROLES = ("programme", "related")
BASES = ("proposal", "approved", "adjusted")
QUALIFIERS = ("exact", "approximate", "at_least")

NEW_PROJECT_COLUMNS = (
    ("private_investor", sa.String(300)),
    ("corridor", sa.String(64)),
    ("stated_length_decimals", sa.Integer),
    ("total_investment_basis", sa.String(10)),
    ("total_investment_as_of", sa.Date),
    ("total_investment_as_of_precision", sa.String(5)),
    ("total_investment_qualifier", sa.String(12)),
)


def _in(column: str, values: tuple, nullable: bool = False) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    clause = f"{column} IN ({listed})"
    return f"({column} IS NULL OR {clause})" if nullable else clause


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    # RENAME COLUMN is in place on both databases (SQLite 3.25+): no table copy
    op.execute("ALTER TABLE projects RENAME COLUMN owner TO governing_body")
    op.execute("ALTER TABLE projects RENAME COLUMN investor TO project_owner")
    op.add_column("projects", sa.Column("programme_role", sa.String(10), nullable=False,
                                        server_default="programme"))
    for name, type_ in NEW_PROJECT_COLUMNS:
        op.add_column("projects", sa.Column(name, type_))
    op.create_index("ix_projects_programme_role", "projects", ["programme_role"])
    if pg:  # SQLite cannot add a CHECK to an existing table in place (the model checks it)
        op.create_check_constraint("ck_projects_programme_role", "projects",
                                   _in("programme_role", ROLES))
        op.create_check_constraint("ck_projects_investment_qualifier", "projects",
                                   _in("total_investment_qualifier", QUALIFIERS, True))

    op.create_table(
        "investment_estimates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer,
                  sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger, nullable=False),
        sa.Column("as_of", sa.Date),
        sa.Column("as_of_precision", sa.String(5)),
        sa.Column("basis", sa.String(10)),
        sa.Column("qualifier", sa.String(12), nullable=False),
        sa.Column("original_amount", sa.Float),
        sa.Column("original_currency", sa.String(3)),
        sa.Column("note", sa.Text),
        sa.Column("note_en", sa.Text),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.CheckConstraint("amount_vnd >= 0", name="ck_estimates_amount"),
        sa.CheckConstraint(_in("basis", BASES, True), name="ck_estimates_basis"),
        sa.CheckConstraint(_in("qualifier", QUALIFIERS), name="ck_estimates_qualifier"),
        sa.CheckConstraint(_in("as_of_precision", PRECISIONS, True),
                           name="ck_estimates_precision"),
        sa.CheckConstraint("(as_of IS NULL) = (as_of_precision IS NULL)",
                           name="ck_estimates_as_of"),
        sa.UniqueConstraint("project_id", "seq", name="uq_estimates_seq"),
        sa.UniqueConstraint("project_id", "key", name="uq_estimates_key"),
    )
    op.create_index("ix_investment_estimates_project_id", "investment_estimates",
                    ["project_id"])

    op.create_table(
        "project_components",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer,
                  sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("province", sa.String(20)),
        sa.Column("name_vi", sa.String(300)),
        sa.Column("name_en", sa.String(300)),
        sa.Column("governing_body", sa.String(300)),
        sa.Column("stated_length_km", sa.Float),
        sa.Column("stated_length_decimals", sa.Integer),
        sa.Column("length_qualifier", sa.String(12)),
        sa.Column("amount_vnd", sa.BigInteger),
        sa.Column("amount_qualifier", sa.String(12)),
        sa.Column("note", sa.Text),
        sa.Column("note_en", sa.Text),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.CheckConstraint(_in("province", PROVINCES, True), name="ck_components_province"),
        sa.CheckConstraint("stated_length_km IS NULL OR stated_length_km >= 0",
                           name="ck_components_length"),
        sa.CheckConstraint("amount_vnd IS NULL OR amount_vnd >= 0", name="ck_components_amount"),
        sa.CheckConstraint(_in("length_qualifier", QUALIFIERS, True),
                           name="ck_components_length_qualifier"),
        sa.CheckConstraint(_in("amount_qualifier", QUALIFIERS, True),
                           name="ck_components_amount_qualifier"),
        sa.UniqueConstraint("project_id", "seq", name="uq_components_seq"),
    )
    op.create_index("ix_project_components_project_id", "project_components", ["project_id"])
    op.create_index("ix_project_components_province", "project_components", ["province"])

    if pg:
        op.add_column("funding_lines", sa.Column("estimate_id", sa.Integer))
        op.create_foreign_key("fk_funding_lines_estimate", "funding_lines",
                              "investment_estimates", ["estimate_id"], ["id"],
                              ondelete="SET NULL")
    else:
        op.execute("ALTER TABLE funding_lines ADD COLUMN estimate_id INTEGER")

    # the data: a total becomes the project's one (undated, basis unknown) estimate
    rows = bind.execute(sa.text(
        "SELECT id, total_investment_vnd FROM projects WHERE total_investment_vnd IS NOT NULL"
    )).all()
    for pid, amount in rows:
        bind.execute(sa.text(
            "INSERT INTO investment_estimates (project_id, seq, key, amount_vnd, qualifier)"
            " VALUES (:p, 1, 'total', :a, 'exact')"), {"p": pid, "a": amount})
    bind.execute(sa.text("UPDATE projects SET total_investment_qualifier = 'exact'"
                         " WHERE total_investment_vnd IS NOT NULL"))


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.drop_constraint("fk_funding_lines_estimate", "funding_lines", type_="foreignkey")
    _drop_column("funding_lines", "estimate_id")
    op.drop_index("ix_project_components_province", table_name="project_components")
    op.drop_index("ix_project_components_project_id", table_name="project_components")
    op.drop_table("project_components")
    op.drop_index("ix_investment_estimates_project_id", table_name="investment_estimates")
    op.drop_table("investment_estimates")
    if pg:
        op.drop_constraint("ck_projects_investment_qualifier", "projects", type_="check")
        op.drop_constraint("ck_projects_programme_role", "projects", type_="check")
    op.drop_index("ix_projects_programme_role", table_name="projects")
    for name, _type in reversed(NEW_PROJECT_COLUMNS):
        _drop_column("projects", name)
    _drop_column("projects", "programme_role")
    op.execute("ALTER TABLE projects RENAME COLUMN project_owner TO investor")
    op.execute("ALTER TABLE projects RENAME COLUMN governing_body TO owner")


def _drop_column(table: str, column: str) -> None:
    """In place (see 0005 and 0007): SQLite's batch mode would copy and drop the table."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
