"""Any GIS file a person sends, read into plain features in WGS 84 (bytes in, no database).

Formats: GeoJSON, GeoPackage (a layer, or every layer), zipped Shapefiles, KML/KMZ, and CSV or
XLSX with a WKT column or coordinate columns. Everything about the *file* is decided here,
before any project is looked at:

- its size (refused before parsing), and for archives (Shapefile zips, KMZ, XLSX) the member
  count, the total unpacked size, the compression ratio (zip bombs) and the member names
  (absolute paths, `..`, links: refused);
- its CRS: the one the file declares, reprojected with the pinned VN-2000 transformation
  (tracker.geo); a file that declares none is refused unless the caller says (`crs`); a CRS
  that names VN-2000 on another datum, or that cannot be read, is refused with how to fix it;
  a VN-2000 one is converted through EPSG:6960 and the preview says so; coordinates that fit
  the region only with X and Y swapped are refused with that diagnosis (in CSV/XLSX columns
  named X/Y, the Vietnamese convention X = northing is detected and read as such, with a note);
- layers of different CRSs in one file (a GeoPackage) are refused unless one is chosen.

The values stay as the file has them (tracker.formats.fieldmap maps and types them).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from tracker import geo
from tracker.errors import ValidationError
from tracker.formats.fieldmap import column_key
from tracker.formats.safe_json import MB, load_json
from tracker.formats.seedfile import geojson_geometry
from tracker.text import shown

ZIP_MAX_MEMBERS = 200
ZIP_MAX_RATIO = 100  # unpacked / packed, per member: more is a zip bomb
ZIP_MAX_TOTAL_FACTOR = 4  # the unpacked total may be this many times the upload limit
MAX_FEATURES = 100_000
SKIPPED_LAYERS = ("layer_styles",)  # QGIS's style table in a GeoPackage
INFO_SHEET = "Thông tin"  # the XLSX export's card
FORMATS = ("geojson", "gpkg", "shp.zip", "kml", "kmz", "csv", "xlsx")
SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".zip": "shp.zip",
            ".kml": "kml", ".kmz": "kmz", ".csv": "csv", ".xlsx": "xlsx"}
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "hinh_hoc")
LON_COLUMNS = ("lon", "lng", "long", "longitude", "kinh_do")
LAT_COLUMNS = ("lat", "latitude", "vi_do")
X_COLUMNS = ("x", "toa_do_x", "easting")
Y_COLUMNS = ("y", "toa_do_y", "northing")
GEOJSON_GEOMETRIES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString",
                                "Polygon", "MultiPolygon", "GeometryCollection"})
VN2000_NAME = re.compile(r"vn[\s_-]*2000", re.IGNORECASE)
VN2000_HELP = ("give the CRS explicitly (--crs, or the upload page's CRS choice): EPSG:3405 "
               "VN-2000 / UTM 48N, EPSG:5897 VN-2000 / TM-3 105°00′ (Cần Thơ, Hậu Giang), "
               "EPSG:9209 VN-2000 / TM-3 105°30′ (Sóc Trăng), EPSG:4756 VN-2000 degrees")


@dataclass
class RawFeature:
    number: int  # 1-based over the whole file: how every message names it
    layer: str | None
    values: dict[str, Any]  # column -> cell, as the file has it
    geometry: BaseGeometry | None  # WGS 84, 2D


@dataclass
class FileRead:
    file_name: str
    file_format: str
    sha256: str
    crs: str | None = None  # what the coordinates were read as ("EPSG:5897")
    layers: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # attribute columns, in file order
    features: list[RawFeature] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def file_format(file_name: str, data: bytes) -> str:
    """The format by the name's suffix (`.shp.zip` and `.zip` are zipped Shapefiles)."""
    suffix = Path(file_name.lower()).suffix
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if data.startswith(b"SQLite format 3\0"):
        return "gpkg"
    raise ValidationError(
        f"{shown(file_name, 80)}: not a format the import reads (GeoJSON, GeoPackage, zipped "
        "Shapefile, KML/KMZ, CSV, XLSX: .geojson .json .gpkg .zip .kml .kmz .csv .xlsx)",
        field="file")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- archives

def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in path.parts:
        raise ValidationError(f"the archive holds a member with an unsafe path "
                              f"{shown(name, 80)} (absolute, or leading out with '..')",
                              field="file")
    return path


def unpack(data: bytes, into: Path, max_bytes: int, what: str = "zip") -> list[Path]:
    """An archive's files written under `into`, refusing zip bombs and path tricks before a
    byte is unpacked (and again while unpacking, as a member's sizes may lie)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ValidationError(f"the {what} cannot be read ({exc})", field="file") from exc
    if len(infos) > ZIP_MAX_MEMBERS:
        raise ValidationError(f"the {what} holds {len(infos):,} members; at most "
                              f"{ZIP_MAX_MEMBERS} are read", field="file")
    limit = max_bytes * ZIP_MAX_TOTAL_FACTOR
    total = sum(i.file_size for i in infos)
    if total > limit:
        raise ValidationError(f"the {what} unpacks to {total / MB:,.0f} MB; at most "
                              f"{limit / MB:,.0f} MB are read (a zip bomb?)", field="file")
    out = []
    for info in infos:
        path = _safe_member(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ValidationError(f"the {what} holds a link {shown(info.filename, 80)}",
                                  field="file")
        if info.is_dir():
            continue
        if info.file_size > MB and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise ValidationError(
                f"the {what} member {shown(info.filename, 80)} is compressed more than "
                f"{ZIP_MAX_RATIO}:1 ({info.file_size / MB:,.0f} MB from "
                f"{info.compress_size:,} bytes): refused as a zip bomb", field="file")
        target = into.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with zf.open(info) as src, target.open("wb") as dst:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > info.file_size or written > limit:
                    raise ValidationError(f"the {what} member {shown(info.filename, 80)} "
                                          "unpacks to more than it declares: refused",
                                          field="file")
                dst.write(chunk)
        out.append(target)
    return out


# --------------------------------------------------------------------------- CRS

def _crs(text: str, where: str) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise ValidationError(
            f"{where}: the CRS cannot be read ({shown(str(exc), 120)}); fix it, or "
            f"{VN2000_HELP.removeprefix('give ')}, or another EPSG code", field="crs") from exc


def crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=90)
    return f"EPSG:{epsg}" if epsg else crs.name


def resolve_crs(declared: str | None, given: str | None, where: str, notes: list[str],
                prj_text: str | None = None, implied: str | None = None) -> CRS:
    """The CRS to read coordinates in: `given` (the caller's choice) over what the file
    declares, `implied` where the format defines it (GeoJSON, KML: WGS 84), else refused."""
    if given:
        crs = geo.crs_from_user(given)
        if declared:
            notes.append(f"{where}: declares {crs_label(_crs(declared, where))}; read as "
                         f"{crs_label(crs)} as asked")
    elif declared:
        crs = _crs(declared, where)
    elif implied:
        crs = CRS.from_user_input(implied)
    else:
        raise ValidationError(
            f"{where}: the file does not say which CRS its coordinates are in; "
            f"{VN2000_HELP}, or EPSG:4326 for WGS 84 degrees", field="crs")
    if geo.is_vn2000(crs):
        carried = prj_text is not None and "TOWGS84" not in prj_text.upper()
        notes.append(
            f"{where}: VN-2000 ({crs.name}) recognised; converted to WGS 84 with the published "
            "VN-2000 → WGS 84 parameters (EPSG:6960)" + (
                "; its .prj carries no datum shift (TOWGS84): read without one the positions "
                "would be a few hundred metres off" if carried else ""))
    elif VN2000_NAME.search(crs.name or "") or (prj_text and VN2000_NAME.search(prj_text)):
        datum = crs.datum.name if crs.datum else "none"
        raise ValidationError(
            f"{where}: the CRS {shown(crs.name, 80)} names VN-2000 but is on the datum "
            f"{shown(datum, 60)}, not VN-2000's: read as it is, the positions would be "
            f"hundreds of metres off. Fix the .prj or {VN2000_HELP}", field="crs")
    return crs


def _in_region(geoms: np.ndarray, region: tuple[float, float, float, float]) -> bool:
    present = [g for g in geoms if g is not None and not g.is_empty]
    if not present:
        return True
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(present, dtype=object))
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        return True  # the register's rule names the feature with the bad coordinate
    return bool(minx >= region[0] and miny >= region[1] and maxx <= region[2]
                and maxy <= region[3])


def _swap(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: xy[:, ::-1])


def to_wgs84(geoms: np.ndarray, crs: CRS, where: str, region: tuple[float, float, float, float],
             notes: list[str], northing_first_ok: bool = False) -> np.ndarray:
    """Reproject to WGS 84; refuse (or, for X/Y columns, read as X = northing) coordinates
    that fit the region only with their axes swapped."""
    def project(g: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return g if crs_label(crs) in ("EPSG:4326", "OGC:CRS84") else \
                geo.transform(g, crs, geo.WGS84)

    present = np.array([g is not None for g in geoms], dtype=bool)
    if not present.any():
        return geoms
    out = geoms.copy()
    out[present] = project(geoms[present])
    if _in_region(out[present], region):
        return out
    swapped = project(_swap(geoms[present]))
    if not _in_region(swapped, region):
        return out  # the register's rule names each feature outside the region
    if northing_first_ok:
        notes.append(f"{where}: X holds the northing and Y the easting (the Vietnamese "
                     "convention); read that way")
        out[present] = swapped
        return out
    axes = "longitude and latitude" if crs.is_geographic else "X (easting) and Y (northing)"
    raise ValidationError(
        f"{where}: the coordinates lie outside the region as they are, and inside it with "
        f"{axes} swapped: the file has its axes swapped (X = northing, as Vietnamese survey "
        "tables write it, or latitude before longitude). Swap them back in the file and "
        "import it again", field="geometry")


# --------------------------------------------------------------------------- GDAL layers

def _cells(frame: Any) -> tuple[list[str], list[dict[str, Any]]]:
    columns = [c for c in frame.columns if c != "geometry"]
    rows = frame[columns].astype(object).where(frame[columns].notna(), None)
    return columns, rows.to_dict("records")


def _prj_text(path: Path) -> str | None:
    prj = path.with_suffix(".prj")
    if not prj.exists():
        return None
    try:
        return prj.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _read_layers(path: Path, layers: Sequence[tuple[str | None, str]], given_crs: str | None,
                 region: tuple[float, float, float, float], out: FileRead,
                 implied: str | None = None) -> None:
    """Read layers (GDAL's layer name, the name messages use) of one dataset into `out`;
    refuse layers of different CRSs."""
    import pyogrio

    seen_crs: dict[str, str] = {}
    for layer, name in layers:
        where = f"layer {name}"
        prj = _prj_text(path) if path.suffix.lower() == ".shp" else None
        if prj is not None and not given_crs:
            try:
                CRS.from_user_input(prj)
            except CRSError as exc:
                raise ValidationError(f"{where}: the .prj cannot be read as a CRS "
                                      f"({shown(str(exc), 80)}); fix it, or {VN2000_HELP}",
                                      field="crs") from exc
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                info = pyogrio.read_info(path, layer=layer)
                frame = pyogrio.read_dataframe(path, layer=layer)
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            raise ValidationError(f"{where}: cannot be read ({shown(str(exc), 160)})",
                                  field="file") from exc
        has_geometry = info.get("geometry_type") not in (None, "None") and \
            "geometry" in getattr(frame, "columns", [])
        if prj is not None and info.get("crs") is None and not given_crs:
            raise ValidationError(f"{where}: the .prj cannot be read as a CRS; fix it, or "
                                  f"{VN2000_HELP}", field="crs")
        columns, rows = _cells(frame)
        geoms = np.array([None] * len(rows), dtype=object)
        if has_geometry and len(rows):
            crs = resolve_crs(info.get("crs"), given_crs, where, out.notes, prj, implied)
            seen_crs[name] = crs_label(crs)
            out.crs = crs_label(crs)
            raw = np.array(list(frame.geometry.values), dtype=object)
            raw = np.array([None if g is None or g.is_empty else shapely.force_2d(g)
                            for g in raw], dtype=object)
            geoms = to_wgs84(raw, crs, where, region, out.notes)
        if len(set(seen_crs.values())) > 1:
            listed = ", ".join(f"{k} ({v})" for k, v in seen_crs.items())
            raise ValidationError(f"the file's layers are in different CRSs: {listed}; "
                                  "import one layer at a time (--layer)", field="layer")
        _add(out, name, columns, rows, list(geoms))


def _add(out: FileRead, layer: str | None, columns: list[str], rows: list[dict[str, Any]],
         geoms: Sequence[Any]) -> None:
    if layer is not None:
        out.layers.append(layer)
    for c in columns:
        if c not in out.columns:
            out.columns.append(c)
    if len(out.features) + len(rows) > MAX_FEATURES:
        raise ValidationError(f"the file has more than {MAX_FEATURES:,} features",
                              field="file")
    for row, g in zip(rows, geoms, strict=True):
        out.features.append(RawFeature(len(out.features) + 1, layer, row, g))


def _choose(available: list[str], layer: str | None, what: str) -> list[str]:
    if layer is None:
        return available
    if layer not in available:
        raise ValidationError(f"no {what} {shown(layer, 80)}; the file has "
                              f"{', '.join(available) or 'none'}", field="layer")
    return [layer]


def _gpkg(path: Path, layer: str | None, crs: str | None, region: Any, out: FileRead) -> None:
    import pyogrio

    try:
        available = [str(name) for name, _ in pyogrio.list_layers(path)
                     if name not in SKIPPED_LAYERS]
    except Exception as exc:
        raise ValidationError(f"the GeoPackage cannot be read ({shown(str(exc), 160)})",
                              field="file") from exc
    chosen = _choose(available, layer, "layer")
    if not chosen:
        raise ValidationError("the GeoPackage has no layer", field="file")
    if layer is None and len(chosen) > 1:
        out.notes.append(f"no layer chosen: every layer read ({', '.join(chosen)})")
    _read_layers(path, [(n, n) for n in chosen], crs, region, out)


def _shapefiles(folder: Path, files: list[Path], layer: str | None, crs: str | None,
                region: Any, out: FileRead) -> None:
    shps = sorted(p for p in files if p.suffix.lower() == ".shp")
    if not shps:
        raise ValidationError("the zip holds no .shp: a zipped Shapefile needs its .shp, .shx, "
                              ".dbf (and .prj for its CRS)", field="file")
    stems = {p.with_suffix("") for p in shps}
    tables = sorted(p for p in files if p.suffix.lower() == ".dbf"
                    and p.with_suffix("") not in stems)  # attributes-only (no geometry)
    names = {str(p.relative_to(folder).with_suffix("")): p for p in [*shps, *tables]}
    chosen = _choose(list(names), layer, "Shapefile")
    _read_layers_each([(names[n], n) for n in chosen], crs, region, out)


def _read_layers_each(files: list[tuple[Path, str]], crs: str | None, region: Any,
                      out: FileRead) -> None:
    """One dataset a layer (Shapefiles): the same CRS rule across them."""
    crss: dict[str, str | None] = {}
    for path, name in files:
        _read_layers(path, [(None, name)], crs, region, out)
        crss[name] = out.crs
        if len({c for c in crss.values() if c}) > 1:
            listed = ", ".join(f"{k} ({v})" for k, v in crss.items() if v)
            raise ValidationError(f"the file's layers are in different CRSs: {listed}; "
                                  "import one layer at a time (--layer)", field="layer")


# --------------------------------------------------------------------------- GeoJSON

def _geojson(data: bytes, file_name: str, crs: str | None, region: Any, max_vertices: int,
             out: FileRead) -> None:
    doc = load_json(data, file_name)
    if isinstance(doc, dict) and doc.get("type") in GEOJSON_GEOMETRIES:  # a bare geometry
        doc = {"type": "Feature", "properties": {}, "geometry": doc,
               **({"crs": doc["crs"]} if "crs" in doc else {})}
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc],
               **({"crs": doc["crs"]} if "crs" in doc else {})}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or \
            not isinstance(doc.get("features"), list):
        raise ValidationError("the file is not a GeoJSON FeatureCollection", field="type")
    declared = None
    member = doc.get("crs")
    if isinstance(member, dict) and isinstance(member.get("properties"), dict):
        declared = member["properties"].get("name")
    if member is not None and not isinstance(declared, str):
        raise ValidationError("the GeoJSON 'crs' member cannot be read", field="crs")
    target = resolve_crs(declared, crs, "the file", out.notes, implied=geo.WGS84)
    out.crs = crs_label(target)
    rows, geoms = [], []
    for i, feat in enumerate(doc["features"], 1):
        label = f"feature {i}"
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise ValidationError(f"{label}: is not a GeoJSON Feature", field="type")
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            raise ValidationError(f"{label}: properties must be an object", field="properties")
        row = dict(props)
        if "code" not in row and isinstance(feat.get("id"), str):
            row["code"] = feat["id"]
        rows.append(row)
        g = geojson_geometry(feat.get("geometry"), label, max_vertices)
        geoms.append(None if g is None or g.is_empty else shapely.force_2d(g))
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    arr = to_wgs84(np.array(geoms + [None], dtype=object)[:-1], target, "the file", region,
                   out.notes)
    _add(out, None, columns, rows, list(arr))


# --------------------------------------------------------------------------- tables

def _csv_rows(data: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"the CSV is not UTF-8 text (byte {exc.start + 1})",
                              field="file") from exc
    if not text.strip():
        raise ValidationError("the file is empty", field="file")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None) or []
    header = [h.strip() for h in header]
    rows = []
    for n, cells in enumerate(reader, 2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise ValidationError(f"line {n} has {len(cells)} cells; the header has "
                                  f"{len(header)}", field="file")
        rows.append(dict(zip(header, cells, strict=False)))
    return header, rows


def _xlsx_rows(path: Path, sheet: str | None
               ) -> tuple[str, list[str], list[dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken workbook
        raise ValidationError(f"the workbook cannot be read ({shown(str(exc), 120)})",
                              field="file") from exc
    try:
        names = [n for n in wb.sheetnames if n != INFO_SHEET]
        if sheet is None and len(names) > 1:
            raise ValidationError(f"the workbook has several sheets ({', '.join(names)}); "
                                  "choose one (--layer)", field="layer")
        name = _choose(names, sheet, "sheet")[0] if names else None
        if name is None:
            raise ValidationError("the workbook has no sheet", field="file")
        it = wb[name].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it, None) or ()]
        rows = []
        for cells in it:
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            rows.append(dict(zip(header, cells, strict=False)))
            if len(rows) > MAX_FEATURES:
                raise ValidationError(f"the file has more than {MAX_FEATURES:,} features",
                                      field="file")
        return name, header, rows
    finally:
        wb.close()


def _pick(header: list[str], names: tuple[str, ...]) -> str | None:
    keys = {column_key(h): h for h in header if h}
    return next((keys[n] for n in names if n in keys), None)


def _number(value: Any, label: str, column: str) -> float:
    try:
        out = float(str(value).strip().replace(",", ".")) if not isinstance(
            value, int | float) else float(value)
    except ValueError:
        raise ValidationError(f"{label}: {column} {shown(value)} is not a number",
                              field="geometry") from None
    return out


def _table(header: list[str], rows: list[dict[str, Any]], crs: str | None, region: Any,
           out: FileRead, layer: str | None = None) -> None:
    if not rows:
        raise ValidationError("the file has a header but no rows", field="file")
    wkt_col = _pick(header, WKT_COLUMNS)
    lon, lat = _pick(header, LON_COLUMNS), _pick(header, LAT_COLUMNS)
    x, y = _pick(header, X_COLUMNS), _pick(header, Y_COLUMNS)
    own_export = wkt_col is not None and {"page_url", "source_keys"} & {
        column_key(h) for h in header}
    geometry_cols: set[str] = set()
    geoms: list[Any] = []
    northing_first_ok = False
    if wkt_col is not None:
        geometry_cols = {c for c in (wkt_col, x, y) if c}
        implied = geo.WGS84 if own_export else None
        if own_export and not crs:
            out.notes.append(f"{wkt_col}: WGS 84, as the tracker's own export writes it")
        for i, row in enumerate(rows, 1):
            text = row.get(wkt_col)
            if text is None or not str(text).strip():
                geoms.append(None)
                continue
            try:
                g = shapely.from_wkt(str(text).strip())
            except shapely.errors.GEOSException as exc:
                raise ValidationError(f"feature {i}: {wkt_col} is not WKT ({shown(str(exc), 80)})",
                                      field="geometry") from exc
            geoms.append(None if g is None or g.is_empty else shapely.force_2d(g))
    elif lon is not None and lat is not None:
        geometry_cols, implied = {lon, lat}, geo.WGS84
        if not crs:
            out.notes.append(f"{lon}/{lat}: longitude and latitude in WGS 84 (the columns' "
                             "names say so; give the CRS if they are VN-2000 degrees)")
        geoms = _points(rows, lon, lat)
    elif x is not None and y is not None:
        geometry_cols, implied, northing_first_ok = {x, y}, None, True
        geoms = _points(rows, x, y)
    else:
        implied = None
        out.notes.append("no geometry columns (WKT, lon/lat or X/Y): attributes only")
        geoms = [None] * len(rows)
    target = None
    if any(g is not None for g in geoms):
        target = resolve_crs(None, crs, "the table", out.notes, implied=implied)
        out.crs = crs_label(target)
        arr = np.array(geoms + [None], dtype=object)[:-1]
        geoms = list(to_wgs84(arr, target, "the table", region, out.notes, northing_first_ok))
    columns = [h for h in header if h and h not in geometry_cols]
    _add(out, layer, columns, [{k: v for k, v in r.items() if k in columns} for r in rows],
         geoms)


def _points(rows: list[dict[str, Any]], xc: str, yc: str) -> list[Any]:
    out: list[Any] = []
    for i, row in enumerate(rows, 1):
        xv, yv = row.get(xc), row.get(yc)
        if (xv is None or str(xv).strip() == "") and (yv is None or str(yv).strip() == ""):
            out.append(None)
            continue
        out.append(shapely.Point(_number(xv, f"feature {i}", xc),
                                 _number(yv, f"feature {i}", yc)))
    return out


# --------------------------------------------------------------------------- the door

def read_upload(data: bytes, file_name: str, *, max_bytes: int, region: Any,
                crs: str | None = None, layer: str | None = None,
                max_vertices: int = 50_000) -> FileRead:
    """The file's features in WGS 84 with what was noticed on the way; ValidationError (a
    message naming the file's problem) for a file that cannot be imported as it is."""
    if len(data) > max_bytes:
        raise ValidationError(f"{shown(file_name, 80)} has {len(data) / MB:.1f} MB; the limit "
                              f"is {max_bytes / MB:g} MB (TRACKER_MAX_UPLOAD_MB)", field="file")
    if not data.strip():
        raise ValidationError(f"{shown(file_name, 80)} is empty", field="file")
    fmt = file_format(file_name, data)
    if crs:
        try:
            geo.crs_from_user(crs)
        except CRSError as exc:
            raise ValidationError(f"crs {shown(crs, 60)} is not a CRS PROJ knows (say "
                                  "EPSG:5897)", field="crs") from exc
    out = FileRead(file_name=file_name, file_format=fmt, sha256=sha256(data))
    if fmt == "geojson":
        _geojson(data, file_name, crs, region, max_vertices, out)
    elif fmt == "csv":
        header, rows = _csv_rows(data)
        _table(header, rows, crs, region, out)
    else:
        with tempfile.TemporaryDirectory(prefix="tracker-import-") as tmp:
            folder = Path(tmp)
            if fmt in ("shp.zip", "kmz", "xlsx"):
                what = {"shp.zip": "zip", "kmz": "KMZ", "xlsx": "workbook"}[fmt]
                files = unpack(data, folder / "in", max_bytes, what)
                if fmt == "shp.zip":
                    _shapefiles(folder / "in", files, layer, crs, region, out)
                elif fmt == "kmz":
                    kmls = sorted(p for p in files if p.suffix.lower() == ".kml")
                    if not kmls:
                        raise ValidationError("the KMZ holds no .kml", field="file")
                    _kml(kmls[0], layer, crs, region, out)
                else:
                    path = folder / "upload.xlsx"
                    path.write_bytes(data)
                    sheet, header, rows = _xlsx_rows(path, layer)
                    _table(header, rows, crs, region, out, sheet)
            else:
                path = folder / f"upload.{fmt}"
                path.write_bytes(data)
                if fmt == "gpkg":
                    _gpkg(path, layer, crs, region, out)
                else:
                    _kml(path, layer, crs, region, out)
    if not out.features:
        raise ValidationError(f"{shown(file_name, 80)} holds no features", field="file")
    return out


def _kml(path: Path, layer: str | None, crs: str | None, region: Any, out: FileRead) -> None:
    import pyogrio

    try:
        available = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        raise ValidationError(f"the KML cannot be read ({shown(str(exc), 160)})",
                              field="file") from exc
    _read_layers(path, [(n, n) for n in _choose(available, layer, "folder")], crs, region,
                 out, implied=geo.WGS84)
