"""Initial schema: projects, provinces, funding, status history, sources, boundaries.

Vocabulary lists are written out here on purpose: a migration is a snapshot; a new code in
tracker/vocab.py needs a new migration (a test inserts every vocabulary code to catch drift).

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

from tracker.db import GeometryType

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = ("proposed", "approved", "preparation", "under_construction", "completed",
            "suspended", "cancelled")
KINDS = ("road", "expressway", "bridge", "waterway", "other")
FIELDS = ("transport", "urban", "environment", "other")
FUNDING = ("central_budget", "provincial_budget", "oda", "ppp", "other")
PROVINCES = ("can-tho", "hau-giang", "soc-trang", "an-giang", "ca-mau")
ACCURACY = ("surveyed", "digitised", "approximate")
PRECISIONS = ("day", "month", "year")


def _in(column: str, values: tuple, nullable: bool = False) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    clause = f"{column} IN ({listed})"
    return f"({column} IS NULL OR {clause})" if nullable else clause


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        slug = "code ~ '^[a-z0-9]+(-[a-z0-9]+)*$'"
    else:
        slug = ("code <> '' AND code NOT GLOB '*[^a-z0-9-]*' AND code NOT GLOB '-*' "
                "AND code NOT GLOB '*-' AND code NOT GLOB '*--*'")

    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.String(500)),
        sa.Column("publisher", sa.String(300), nullable=False),
        sa.Column("published_on", sa.Date),
        sa.Column("url", sa.String(1000)),
        sa.Column("locator", sa.String(300)),
        sa.Column("note", sa.Text),
    )

    project_checks = [
        sa.CheckConstraint(slug, name="ck_projects_code_slug"),
        sa.CheckConstraint(_in("kind", KINDS), name="ck_projects_kind"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_projects_status"),
        sa.CheckConstraint(_in("field", FIELDS), name="ck_projects_field"),
        sa.CheckConstraint(_in("geometry_accuracy", ACCURACY, nullable=True),
                           name="ck_projects_geometry_accuracy"),
        sa.CheckConstraint("progress_pct IS NULL OR (progress_pct >= 0 AND progress_pct <= 100)",
                           name="ck_projects_progress_range"),
        sa.CheckConstraint("(total_investment_vnd IS NULL OR total_investment_vnd >= 0) AND "
                           "(disbursed_vnd IS NULL OR disbursed_vnd >= 0)",
                           name="ck_projects_money_non_negative"),
        sa.CheckConstraint("disbursed_vnd IS NULL OR total_investment_vnd IS NULL OR "
                           "disbursed_vnd <= total_investment_vnd",
                           name="ck_projects_disbursed_within_total"),
        sa.CheckConstraint("planned_start IS NULL OR planned_end IS NULL OR "
                           "planned_end >= planned_start", name="ck_projects_planned_order"),
        sa.CheckConstraint("actual_start IS NULL OR actual_end IS NULL OR "
                           "actual_end >= actual_start", name="ck_projects_actual_order"),
        sa.CheckConstraint("(length_km IS NULL OR length_km >= 0) AND "
                           "(stated_length_km IS NULL OR stated_length_km >= 0)",
                           name="ck_projects_length_non_negative"),
        sa.CheckConstraint(
            "geometry_type IS NULL OR kind = 'other' OR "
            "(kind = 'bridge' AND geometry_type = 'Point') OR "
            "(kind IN ('road', 'expressway', 'waterway') AND "
            "geometry_type IN ('LineString', 'MultiLineString'))",
            name="ck_projects_geometry_type_by_kind"),
        sa.CheckConstraint(
            "(geometry IS NULL AND geometry_type IS NULL AND min_lon IS NULL) OR "
            "(geometry IS NOT NULL AND geometry_type IS NOT NULL AND min_lon IS NOT NULL "
            "AND min_lon <= max_lon AND min_lat <= max_lat AND geometry_accuracy IS NOT NULL)",
            name="ck_projects_geometry_derived"),
    ]
    for col in ("planned_start", "planned_end", "actual_start", "actual_end"):
        project_checks.append(sa.CheckConstraint(
            _in(f"{col}_precision", PRECISIONS, nullable=True), name=f"ck_projects_{col}_prec"))
    if pg:
        project_checks.append(sa.CheckConstraint(
            "geometry IS NULL OR (ST_SRID(geometry) = 4326 AND NOT ST_IsEmpty(geometry) AND "
            "ST_IsValid(geometry) AND ST_GeometryType(geometry) = 'ST_' || geometry_type)",
            name="ck_projects_geometry_valid"))

    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name_vi", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("description_vi", sa.Text),
        sa.Column("description_en", sa.Text),
        sa.Column("owner", sa.String(300)),
        sa.Column("investor", sa.String(300)),
        sa.Column("geometry", GeometryType),
        sa.Column("geometry_type", sa.String(20)),
        sa.Column("geometry_accuracy", sa.String(20)),
        sa.Column("geometry_note", sa.Text),
        sa.Column("min_lon", sa.Float),
        sa.Column("min_lat", sa.Float),
        sa.Column("max_lon", sa.Float),
        sa.Column("max_lat", sa.Float),
        sa.Column("length_km", sa.Float),
        sa.Column("stated_length_km", sa.Float),
        sa.Column("total_investment_vnd", sa.BigInteger),
        sa.Column("disbursed_vnd", sa.BigInteger),
        sa.Column("progress_pct", sa.Float),
        sa.Column("planned_start", sa.Date),
        sa.Column("planned_start_precision", sa.String(5)),
        sa.Column("planned_end", sa.Date),
        sa.Column("planned_end_precision", sa.String(5)),
        sa.Column("actual_start", sa.Date),
        sa.Column("actual_start_precision", sa.String(5)),
        sa.Column("actual_end", sa.Date),
        sa.Column("actual_end_precision", sa.String(5)),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        *project_checks,
    )
    op.create_index("ix_projects_kind", "projects", ["kind"])
    op.create_index("ix_projects_status", "projects", ["status"])
    op.create_index("ix_projects_updated_at", "projects", ["updated_at"])
    op.create_index("ix_projects_bbox", "projects", ["min_lon", "max_lon", "min_lat", "max_lat"])
    if pg:
        op.execute("CREATE INDEX ix_projects_geometry ON projects USING gist (geometry)")

    op.create_table(
        "project_provinces",
        sa.Column("project_id", sa.Integer,
                  sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("province", sa.String(20), primary_key=True),
        sa.CheckConstraint(_in("province", PROVINCES), name="ck_project_provinces_province"),
    )
    op.create_index("ix_project_provinces_province", "project_provinces", ["province"])

    op.create_table(
        "funding_lines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer,
                  sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source_type", sa.String(20), nullable=False),
        sa.Column("province", sa.String(20)),
        sa.Column("amount_vnd", sa.BigInteger),
        sa.Column("budget_year", sa.Integer),
        sa.Column("note", sa.Text),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.CheckConstraint(_in("source_type", FUNDING), name="ck_funding_source_type"),
        sa.CheckConstraint("amount_vnd IS NULL OR amount_vnd >= 0", name="ck_funding_amount"),
        sa.CheckConstraint("province IS NULL OR (source_type = 'provincial_budget' AND "
                           + _in("province", PROVINCES) + ")", name="ck_funding_province"),
        sa.CheckConstraint("budget_year IS NULL OR (budget_year >= 1900 AND budget_year <= 2100)",
                           name="ck_funding_budget_year"),
    )
    op.create_index("ix_funding_lines_project_id", "funding_lines", ["project_id"])

    op.create_table(
        "status_updates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer,
                  sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("as_of_precision", sa.String(5), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("progress_pct", sa.Float),
        sa.Column("disbursed_vnd", sa.BigInteger),
        sa.Column("note", sa.Text),
        sa.Column("author", sa.String(200)),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_updates_status"),
        sa.CheckConstraint(_in("as_of_precision", PRECISIONS), name="ck_updates_precision"),
        sa.CheckConstraint("progress_pct IS NULL OR (progress_pct >= 0 AND progress_pct <= 100)",
                           name="ck_updates_progress_range"),
        sa.CheckConstraint("disbursed_vnd IS NULL OR disbursed_vnd >= 0",
                           name="ck_updates_disbursed"),
    )
    op.create_index("ix_status_updates_project_id", "status_updates", ["project_id"])

    op.create_table(
        "project_sources",
        sa.Column("project_id", sa.Integer,
                  sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), primary_key=True),
        sa.Column("supports", sa.Text, nullable=False),
    )

    boundary_checks = [sa.CheckConstraint(_in("geometry_accuracy", ACCURACY),
                                          name="ck_boundaries_accuracy")]
    if pg:
        boundary_checks.append(sa.CheckConstraint(
            "ST_SRID(geometry) = 4326 AND ST_IsValid(geometry)", name="ck_boundaries_geometry"))
    op.create_table(
        "boundaries",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name_vi", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200)),
        sa.Column("iso_3166_2", sa.String(10)),
        sa.Column("geometry", GeometryType, nullable=False),
        sa.Column("geometry_accuracy", sa.String(20), nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("source", sa.Text),
        *boundary_checks,
    )


def downgrade() -> None:
    for table in ("boundaries", "project_sources", "status_updates", "funding_lines",
                  "project_provinces", "projects", "sources"):
        op.drop_table(table)
