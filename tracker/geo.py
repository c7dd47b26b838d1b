"""Geometry rules and measurements: validity, region envelope, types by kind, metric lengths."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from tracker.errors import ValidationError
from tracker.vocab import KIND_BY_CODE

WGS84 = "EPSG:4326"
METRIC_CRS = "EPSG:32648"  # UTM 48N covers the Mekong Delta; lengths are measured here
MAX_DECIMALS = 7

# VN-2000 with the published 7-parameter (coordinate frame) shift to WGS 84, so conversion
# does not depend on which transformation the local PROJ database would pick.
VN2000_TOWGS84 = ("-191.90441429,-39.30318279,-111.45032835,"
                  "-0.00928836,0.01975479,-0.00427372,0.252906278")


def _vn2000_tm(lon0: float, k: float) -> str:
    return (f"+proj=tmerc +lat_0=0 +lon_0={lon0} +k={k} +x_0=500000 +y_0=0 +ellps=WGS84 "
            f"+towgs84={VN2000_TOWGS84} +units=m +no_defs")


VN2000_DEFINITIONS = {
    4756: f"+proj=longlat +ellps=WGS84 +towgs84={VN2000_TOWGS84} +no_defs",
    3405: _vn2000_tm(105, 0.9996),  # VN-2000 / UTM zone 48N
    5897: _vn2000_tm(105, 0.9999),  # VN-2000 / TM-3 zone 482 (Cần Thơ, Hậu Giang)
    9209: _vn2000_tm(105.5, 0.9999),  # VN-2000 / TM-3 105-30 (Sóc Trăng)
}


def crs_from_user(value: str | int | CRS) -> CRS:
    """A CRS from 'EPSG:3405', 3405 or a CRS; VN-2000 codes get the explicit TOWGS84."""
    if isinstance(value, CRS):
        epsg = value.to_epsg()
        if epsg in VN2000_DEFINITIONS:
            return CRS.from_proj4(VN2000_DEFINITIONS[epsg])
        return value
    text = str(value).strip().upper()
    code = text.removeprefix("EPSG:")
    if code.isdigit():
        if int(code) in VN2000_DEFINITIONS:
            return CRS.from_proj4(VN2000_DEFINITIONS[int(code)])
        return CRS.from_epsg(int(code))
    return CRS.from_user_input(value)


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(crs_from_user(src), crs_from_user(dst), always_xy=True)


def transform(geom: BaseGeometry, src: str, dst: str) -> BaseGeometry:
    """Reproject with x=lon/easting first, whatever axis order the CRS declares."""
    t = _transformer(src, dst)
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
