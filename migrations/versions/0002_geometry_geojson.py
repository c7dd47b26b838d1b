"""Store each project's RFC 7946 geometry text beside its geometry.

Derived at flush time like length_km and the bounding box, so a GeoJSON export reads text
instead of re-encoding every coordinate (the export is the hot path GIS staff and the map use).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

from tracker.geo import geojson_text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    import shapely

    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("geometry_geojson", sa.Text))
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    geometry = "ST_AsBinary(geometry)" if pg else "geometry"
    rows = bind.execute(sa.text(
        f"SELECT id, {geometry} FROM projects WHERE geometry IS NOT NULL")).all()
    for pid, wkb in rows:
        bind.execute(sa.text("UPDATE projects SET geometry_geojson = :g WHERE id = :i"),
                     {"g": geojson_text(shapely.from_wkb(bytes(wkb))), "i": pid})


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("geometry_geojson")
