"""Selection -> file: the one path behind /api/v1/projects.<fmt>, `tracker export` and the
pages' twins (/projects.csv, /projects.geojson).

GeoJSON follows RFC 7946 (WGS 84 lon/lat, at most 7 decimals, numbers as numbers, ISO dates,
`id` = code, no `crs` member); GeoJSON, KML and CSV are WGS 84 by definition; GeoPackage and
Shapefile carry their CRS and may be reprojected (EPSG:3405 VN-2000 / UTM 48N, or any EPSG
code). Every file carries its card (tracker.formats.base.FileInfo: when it was exported,
under which licence and contact, what it holds) where the format has a place for one, and
every feature its sources and the address of its page. `clip` cuts the selection to a
province's outline (tracker.formats.clip).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import vocab
from tracker.config import DEFAULT_DATA_LICENCE
from tracker.errors import BadParameter
from tracker.formats import oc4ids
from tracker.formats.base import CRS_FORMATS, FileInfo
from tracker.formats.clip import clip_records
from tracker.formats.geojson import collection_bytes, encode_feature, with_site
from tracker.formats.gis import to_gpkg, to_kml, to_shapefile_zip
from tracker.formats.tables import to_csv, to_xlsx
from tracker.geo import WGS84, geojson_text
from tracker.models import Boundary, Project
from tracker.params import shown
from tracker.queries.features import select_features
from tracker.queries.filter import ProjectFilter
from tracker.queries.provenance import PAGE_PREFIX
from tracker.queries.records import project_record, select_records
from tracker.queries.select import select_projects
from tracker.rules import STALE_DAYS


def data_terms(session: Session) -> tuple[str, str | None]:
    """(licence, contact) of the data, as the app's sessions carry them
    (TRACKER_DATA_LICENCE, TRACKER_DATA_CONTACT; tracker.state)."""
    licence = session.info.get("data_licence") or DEFAULT_DATA_LICENCE
    return str(licence), session.info.get("data_contact") or None


def site_urls(records: Sequence[dict[str, Any]], base_url: str) -> list[dict[str, Any]]:
    """The records with `page_url` (a path in the record) as an address on `base_url`."""
    if not base_url:
        return list(records)
    return [{**r, "page_url": base_url + r["page_url"]}
            if str(r.get("page_url") or "").startswith(PAGE_PREFIX) else r for r in records]


def clip_codes(session: Session) -> list[str]:
    """The provinces a selection can be clipped to: those of vocab.PROVINCES whose outline is
    loaded (tracker boundaries load), in vocabulary order."""
    loaded = set(session.scalars(select(Boundary.code)))
    return [code for code in vocab.codes(vocab.PROVINCES) if code in loaded]


def clip_outline(session: Session, code: str) -> Any:
    """The outline to clip to; BadParameter naming `clip` for a code that has none."""
    choices = clip_codes(session)
    if code not in choices:
        known = code in vocab.PROVINCE_BY_CODE
        raise BadParameter(
            f"clip {shown(code)} is not a province with a loaded outline" if known
            else f"unknown clip {shown(code)}",
            detail=f"clip must be one of: {', '.join(choices) or '(no outline is loaded)'}",
            field="clip")
    return session.get(Boundary, code).geometry  # type: ignore[union-attr]


# --------------------------------------------------------------------------- ORM twins

def project_features(projects: Sequence[Project], today: date, base_url: str = "",
                     stale_days: int = STALE_DAYS) -> list[bytes]:
    """Encoded features of ORM projects (a project's own file)."""
    return with_site([encode_feature(project_record(p, today, stale_days),
                                     p.geometry_geojson.encode() if p.geometry_geojson
                                     else None) for p in projects], base_url)


def to_geojson(projects: Sequence[Project], today: date) -> bytes:
    return collection_bytes(project_features(projects, today))


# =========================================================================== every GIS format

def render(fmt: str, records: Sequence[dict[str, Any]], wkbs: Sequence[bytes | None], *,
           today: date, crs: str | None = None, info: FileInfo | None = None) -> bytes:
    """The selection as a file of format `fmt` (one of FORMATS except geojson, which is
    encoded from the stored geometry text: encode_features and collection_bytes)."""
    if fmt == "gpkg":
        return to_gpkg(records, wkbs, crs, info)
    if fmt == "shp.zip":
        return to_shapefile_zip(records, wkbs, today, crs, info)
    if fmt == "kml":
        return to_kml(records, wkbs, info)
    if fmt == "csv":
        return to_csv(records, wkbs)
    if fmt == "xlsx":
        return to_xlsx(records, wkbs, info)
    raise ValueError(f"unknown export format {fmt!r}")


def _utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def export_selection(session: Any, f: ProjectFilter, fmt: str, today: date, *,
                     crs: str | None = None, limit: int | None = None, offset: int = 0,
                     cache: Any = None, sort: str = "code", desc: bool = False,
                     lang: str = "vi", base_url: str = "", source: str | None = None,
                     clip: str | None = None, stale_days: int = STALE_DAYS
                     ) -> tuple[bytes, int]:
    """The file of format `fmt` for a ProjectFilter, and how many projects it holds.

    The pages' twins keep the table's order (`sort`, `desc`, `lang`). `base_url` makes each
    feature's page_url an address (the command line, serving no site, leaves the path);
    `source` is the address the file was served from, for its card. `clip` (a province
    code; BadParameter naming `clip` unless its outline is loaded) cuts every geometry to
    that outline and leaves out the projects outside it. GeoJSON splices the stored geometry
    text (through the feature cache when given); other formats, and clipped GeoJSON, read WKB.
    """
    order: dict[str, Any] = {"sort": sort, "desc": desc, "lang": lang,
                             "stale_days": stale_days}
    outline = clip_outline(session, clip) if clip else None
    licence, contact = data_terms(session)
    query = {**f.to_args(), **({"limit": str(limit)} if limit is not None else {}),
             **({"offset": str(offset)} if offset else {}), **({"clip": clip} if clip else {})}

    def card(count: int, file_crs: str | None) -> FileInfo:
        return FileInfo(exported_at=_utc_now(), data_as_of=today.isoformat(), licence=licence,
                        contact=contact, count=count, filter=urlencode(query), source=source,
                        crs=file_crs or WGS84, clipped_to=clip)

    if fmt == "geojson" and outline is None:
        encoded = with_site(select_features(session, f, today, limit=limit, offset=offset,
                                            cache=cache, **order), base_url)
        return collection_bytes(encoded, {"metadata": card(len(encoded), None).as_dict()}), \
            len(encoded)
    rs = select_records(session, f, today, limit=limit, offset=offset, **order)
    records, wkbs = site_urls(rs.records, base_url), rs.wkb
    if outline is not None and clip is not None:
        records, wkbs = clip_records(records, wkbs, outline, clip)
    if fmt == "geojson":
        features = [encode_feature(r, _geojson_bytes(w)) for r, w in zip(records, wkbs,
                                                                          strict=True)]
        return collection_bytes(features, {"metadata": card(len(records), None).as_dict()}), \
            len(records)
    info = card(len(records), crs if fmt in CRS_FORMATS else None)
    return render(fmt, records, wkbs, today=today, crs=crs, info=info), len(records)


def _geojson_bytes(wkb: bytes | None) -> bytes | None:
    import shapely

    text = geojson_text(shapely.from_wkb(wkb)) if wkb is not None else None
    return text.encode() if text is not None else None


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
