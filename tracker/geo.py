"""Geometry rules and measurements: validity, region envelope, types by kind, metric lengths."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.crs import CoordinateOperation
from shapely.geometry.base import BaseGeometry

from tracker.errors import ValidationError
from tracker.vocab import KIND_BY_CODE

WGS84 = "EPSG:4326"
METRIC_CRS = "EPSG:32648"  # UTM 48N covers the Mekong Delta; lengths are measured here
MAX_DECIMALS = 7

# ------------------------------------------------------------------------------- VN-2000
# VN-2000 (EPSG datum 6756) to WGS 84: the 7 parameters Vietnam's Department of Survey and
# Mapping published for the datum, registered by EPSG as transformation EPSG:6960 "VN-2000 to
# WGS 84 (2)" (operation version DoSM-Vnm; method EPSG:9607 Coordinate Frame rotation) and
# given in the project's facts (shared/data/FACTS.md, "VN-2000"). Translations in metres,
# rotations in arc-seconds in the COORDINATE-FRAME convention, scale difference in ppm.
# PROJ's `+towgs84` reads rotations as position-vector (EPSG:9606): these values fed to it as
# they are put points 0.5-1.3 m off. Left to itself PROJ may also pick EPSG:5194 "VN-2000 to
# WGS 84 (1)" (a set Total used in the Mekong delta, about a metre away), depending on its
# database and the area. `transformer` therefore pins EPSG:6960 for every CRS on the VN-2000
# datum, whatever TOWGS84 a file's CRS carries; tests/test_vn2000.py checks the result against
# an explicit coordinate-frame Helmert built from the numbers below.
VN2000_DATUM = "Vietnam 2000"
VN2000_TO_WGS84_OPERATION_CODE = 6960  # EPSG
VN2000_TO_WGS84 = {"tx_m": -191.90441429, "ty_m": -39.30318279, "tz_m": -111.45032835,
                   "rx_arcsec": -0.00928836, "ry_arcsec": 0.01975479, "rz_arcsec": -0.00427372,
                   "ds_ppm": 0.252906278}

# The VN-2000 CRSs the exports offer (EPSG codes as PROJ's database names them).
VN2000_CRS = {
    4756: "VN-2000",  # geographic
    3405: "VN-2000 / UTM zone 48N",
    5897: "VN-2000 / TM-3 zone 482",  # central meridian 105°00': Cần Thơ, Hậu Giang
    9209: "VN-2000 / TM-3 105-30",  # central meridian 105°30': Sóc Trăng
}


def crs_from_user(value: str | int | CRS) -> CRS:
    """A CRS from 'EPSG:3405', 3405, any text PROJ reads, or a CRS (returned as it is)."""
    if isinstance(value, CRS):
        return value
    code = str(value).strip().upper().removeprefix("EPSG:")
    if code.isdigit():
        return CRS.from_epsg(int(code))
    return CRS.from_user_input(value)


def is_vn2000(crs: CRS) -> bool:
    """True for a CRS on the VN-2000 datum (geographic or projected, with or without a
    TOWGS84 of its own), however its file spelled the datum's name."""
    base = crs.source_crs if crs.is_bound and crs.source_crs is not None else crs
    if base.datum is None:
        return False
    name = base.datum.name.replace("_", " ").lower().removeprefix("d ")  # ESRI: D_Vietnam_2000
    return name == VN2000_DATUM.lower()


@lru_cache(maxsize=1)
def _vn2000_operation() -> dict[str, object]:
    """EPSG:6960 as an abridged transformation (PROJJSON) a BoundCRS can carry."""
    op = CoordinateOperation.from_epsg(VN2000_TO_WGS84_OPERATION_CODE).to_json_dict()
    keep = ("name", "method", "parameters", "id")
    return {"type": "AbridgedTransformation", **{k: op[k] for k in keep if k in op}}


def pinned_crs(value: str | int | CRS) -> CRS:
    """The CRS to transform with: a VN-2000 CRS bound to WGS 84 through EPSG:6960 (any
    TOWGS84 it came with is dropped), every other CRS as it is."""
    crs = crs_from_user(value)
    if not is_vn2000(crs):
        return crs
    base = crs.source_crs if crs.is_bound and crs.source_crs is not None else crs
    return CRS.from_json_dict({"type": "BoundCRS", "source_crs": base.to_json_dict(),
                               "target_crs": CRS.from_epsg(4326).to_json_dict(),
                               "transformation": _vn2000_operation()})


@lru_cache(maxsize=64)
def transformer(src: str | int | CRS, dst: str | int | CRS) -> Transformer:
    """The one Transformer every export and import uses: x = longitude/easting first, and
    VN-2000 <-> WGS 84 always through EPSG:6960 (the published parameters)."""
    return Transformer.from_crs(pinned_crs(src), pinned_crs(dst), always_xy=True)


def transform(geom: Any, src: str | int | CRS, dst: str | int | CRS) -> Any:
    """A geometry (or an array of them) reprojected by `transformer(src, dst)`."""
    t = transformer(src, dst)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def length_km(geom: BaseGeometry | None) -> float | None:
    """Length in km measured in UTM 48N; None for points and missing geometry."""
    if geom is None or geom.is_empty or geom.geom_type not in ("LineString", "MultiLineString"):
        return None
    return round(transform(geom, WGS84, METRIC_CRS).length / 1000.0, 3)


def round_coordinates(geom: BaseGeometry, decimals: int = MAX_DECIMALS) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.round(xy, decimals))


def geojson_text(geom: BaseGeometry | None) -> str | None:
    """RFC 7946 geometry text: at most 7 decimals, polygons right-hand wound."""
    if geom is None:
        return None
    return str(shapely.to_geojson(shapely.orient_polygons(round_coordinates(geom))))


def validate_geometry(geom: BaseGeometry | None, kind: str,
                      region: tuple[float, float, float, float], label: str = "geometry") -> None:
    """Raise ValidationError unless the geometry may be stored for a project of this kind."""
    if geom is None:
        return
    if not isinstance(geom, BaseGeometry):
        raise ValidationError(f"{label}: not a geometry", field="geometry")
    if geom.is_empty:
        raise ValidationError(f"{label} is empty", field="geometry")
    if geom.has_z:
        geom = shapely.force_2d(geom)
    if not geom.is_valid:
        raise ValidationError(f"{label} is not valid: {shapely.is_valid_reason(geom)}",
                              field="geometry")
    allowed = KIND_BY_CODE[kind].geometry_types if kind in KIND_BY_CODE else ()
    if allowed and geom.geom_type not in allowed:
        raise ValidationError(
            f"{label}: a {kind} must be a {' or '.join(allowed)}, not a {geom.geom_type}",
            field="geometry",
        )
    minx, miny, maxx, maxy = geom.bounds
    rx0, ry0, rx1, ry1 = region
    if minx < rx0 or miny < ry0 or maxx > rx1 or maxy > ry1:
        raise ValidationError(
            f"{label} lies outside the region envelope lon {rx0}–{rx1}, lat {ry0}–{ry1} "
            f"(its bounds are {minx:.5f}, {miny:.5f}, {maxx:.5f}, {maxy:.5f}; "
            "are longitude and latitude swapped?)",
            field="geometry",
        )
