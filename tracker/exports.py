"""Project selections to files other tools read. GeoJSON follows RFC 7946: WGS 84 lon/lat,
at most 7 decimals, numbers as numbers, ISO dates, `id` = code, no `crs` member."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from tracker.formats import oc4ids
from tracker.formats.geojson import collection_bytes, encode_feature
from tracker.formats.gis import to_gpkg, to_kml, to_shapefile_zip
from tracker.formats.tables import to_csv, to_xlsx
from tracker.models import Project
from tracker.queries.features import select_features
from tracker.queries.filter import ProjectFilter
from tracker.queries.records import project_record, select_records
from tracker.queries.select import select_projects


def project_features(projects: Sequence[Project], today: date) -> list[bytes]:
    """Encoded features of ORM projects (the table's twins, a project's own file)."""
    return [encode_feature(project_record(p, today),
                           p.geometry_geojson.encode() if p.geometry_geojson else None)
            for p in projects]


def to_geojson(projects: Sequence[Project], today: date) -> bytes:
    return collection_bytes(project_features(projects, today))


# =========================================================================== every GIS format
# The API, the OGC API and `tracker export` write selections from the fast read path
# (tracker.queries.records: records as project_record gives them, geometry as WKB) to every
# format GIS staff use. GeoJSON, KML and CSV are WGS 84 by definition; GeoPackage and
# Shapefile carry their CRS and may be reprojected (EPSG:3405 VN-2000 / UTM 48N, or any EPSG code).


def render(fmt: str, records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None], *,
           today: date, crs: str | None = None,
           info: Sequence[tuple[str, Any]] = ()) -> bytes:
    """The selection as a file of format `fmt` (one of FORMATS except geojson, which is
    encoded from the stored geometry text: encode_features and collection_bytes)."""
    if fmt == "gpkg":
        return to_gpkg(records, wkbs, crs)
    if fmt == "shp.zip":
        return to_shapefile_zip(records, wkbs, today, crs)
    if fmt == "kml":
        return to_kml(records, wkbs)
    if fmt == "csv":
        return to_csv(records, wkbs)
    if fmt == "xlsx":
        return to_xlsx(records, wkbs, info)
    raise ValueError(f"unknown export format {fmt!r}")


def export_selection(session: Any, f: Any, fmt: str, today: date, *, crs: str | None = None,
                     limit: int | None = None, offset: int = 0, cache: Any = None,
                     info: Sequence[tuple[str, Any]] = (), sort: str = "code",
                     desc: bool = False, lang: str = "vi") -> tuple[bytes, int]:
    """The file of format `fmt` for a ProjectFilter, and how many projects it holds: the one
    path behind `/api/v1/projects.<fmt>`, `tracker export` and the pages' twins (which keep
    the table's order). GeoJSON splices the stored geometry text (through the feature cache
    when given); other formats read WKB."""
    order: dict[str, Any] = {"sort": sort, "desc": desc, "lang": lang}
    if fmt == "geojson":
        encoded = select_features(session, f, today, limit=limit, offset=offset, cache=cache,
                                  **order)
        return collection_bytes(encoded), len(encoded)
    rs = select_records(session, f, today, limit=limit, offset=offset, **order)
    lines = [("Xuất ngày / exported on", today.isoformat()),
             ("Số dự án / projects", len(rs.records)), *info]
    return render(fmt, rs.records, rs.wkb, today=today, crs=crs, info=lines), len(rs.records)


def oc4ids_package(session: Session, f: ProjectFilter, *, uri: str, published: datetime | None,
            today: date) -> dict[str, Any]:
    """The project package of the selection. publishedDate is the latest change of the data
    (the package is generated on demand)."""
    projects = select_projects(session, f, with_history=True)
    stamp = published or datetime.combine(today, datetime.min.time())
    return {
        "uri": uri,
        "publishedDate": oc4ids.utc_text(stamp),
        "publisher": {"name": oc4ids.PUBLISHER},
        "version": oc4ids.OC4IDS_VERSION,
        "projects": [oc4ids.project(p) for p in projects],
    }
