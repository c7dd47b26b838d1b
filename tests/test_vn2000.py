"""VN-2000 to the centimetre: every export and import converts through geo.transformer, which
must agree with the published coordinate-frame parameters, applied by an explicit PROJ
Helmert pipeline built here from the numbers alone (no EPSG database), to within 5 cm, in both
directions, for the geographic CRS and each projected zone the exports offer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import CRS, Geod, Transformer
from pyproj.crs import CoordinateOperation
from shapely.geometry import LineString, Point

from tracker import geo

WGS84_GEOD = Geod(ellps="WGS84")
TOLERANCE_M = 0.05

# Places across Cần Thơ, Hậu Giang and Sóc Trăng (lon, lat, WGS 84).
PLACES = {
    "Ninh Kiều, Cần Thơ": (105.7469, 10.0452),
    "Thốt Nốt, Cần Thơ": (105.5350, 10.2690),
    "Vị Thanh, Hậu Giang": (105.4700, 9.7840),
    "Ngã Bảy, Hậu Giang": (105.8190, 9.8170),
    "Sóc Trăng city": (105.9720, 9.6030),
    "Trần Đề, Sóc Trăng": (106.2020, 9.5010),
}

P = geo.VN2000_TO_WGS84
HELMERT = (f"+proj=helmert +x={P['tx_m']} +y={P['ty_m']} +z={P['tz_m']} "
           f"+rx={P['rx_arcsec']} +ry={P['ry_arcsec']} +rz={P['rz_arcsec']} +s={P['ds_ppm']}")

# Each CRS's map projection written out from its definition (VN-2000 is on the WGS 84
# ellipsoid; TM-3 zones: k = 0.9999, false easting 500 km).
PROJECTIONS = {
    4756: None,
    3405: "+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9996 +x_0=500000 +y_0=0 +ellps=WGS84",
    5897: "+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84",
    9209: "+proj=tmerc +lat_0=0 +lon_0=105.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84",
}


def reference(epsg: int, convention: str = "coordinate_frame") -> Transformer:
    """VN-2000 (in CRS `epsg`, x = lon/easting) -> WGS 84 lon/lat by the published 7
    parameters, as an explicit pipeline."""
    projection = PROJECTIONS[epsg]
    start = (f"+step +inv {projection}" if projection else
             "+step +proj=unitconvert +xy_in=deg +xy_out=rad")
    return Transformer.from_pipeline(
        f"+proj=pipeline {start} +step +proj=cart +ellps=WGS84 "
        f"+step {HELMERT} +convention={convention} "
        "+step +inv +proj=cart +ellps=WGS84 +step +proj=unitconvert +xy_in=rad +xy_out=deg")


def metres_apart(epsg: int | None, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two positions in CRS `epsg` (None or 4756/4326: lon/lat degrees)."""
    if epsg in (None, 4326, 4756):
        return float(WGS84_GEOD.inv(a[0], a[1], b[0], b[1])[2])
    return math.dist(a, b)


def vn2000_positions(epsg: int) -> dict[str, tuple[float, float]]:
    """Each place's VN-2000 coordinates in `epsg`, by the reference pipeline's inverse."""
    ref = reference(epsg)
    return {name: ref.transform(lon, lat, direction="INVERSE")
            for name, (lon, lat) in PLACES.items()}


def test_the_codes_are_the_vn2000_crss_proj_names():
    for code, name in geo.VN2000_CRS.items():
        crs = CRS.from_epsg(code)
        assert crs.name == name and geo.is_vn2000(crs)
        projection = PROJECTIONS[code]
        if projection:  # the reference's projection is the database's definition
            probe = Transformer.from_pipeline(projection)
            ours = Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True)
            assert ours.transform(105.8, 9.8) == pytest.approx(probe.transform(105.8, 9.8),
                                                                abs=1e-6)
    assert not geo.is_vn2000(CRS.from_epsg(4326)) and not geo.is_vn2000(CRS.from_epsg(32648))


def test_the_pinned_operation_carries_the_published_parameters():
    op = CoordinateOperation.from_epsg(geo.VN2000_TO_WGS84_OPERATION_CODE)
    assert op.method_code == "9607"  # coordinate frame rotation
    assert [p.value for p in op.params] == list(P.values())
    assert [p.unit_name for p in op.params] == ["metre"] * 3 + ["arc-second"] * 3 + [
        "parts per million"]


def test_the_reference_tells_the_two_rotation_conventions_apart():
    """The 5 cm test can fail: read as position-vector (what `+towgs84` does), the same
    numbers land 0.5 m or more from the coordinate-frame result at every place."""
    cf, pv = reference(4756), reference(4756, "position_vector")
    for lon, lat in PLACES.values():
        assert metres_apart(4326, cf.transform(lon, lat), pv.transform(lon, lat)) > 0.5


@pytest.mark.parametrize("epsg", sorted(geo.VN2000_CRS))
def test_vn2000_to_wgs84_within_5_cm(epsg):
    ref = reference(epsg)
    for name, (x, y) in vn2000_positions(epsg).items():
        expected = ref.transform(x, y)
        got = geo.transformer(f"EPSG:{epsg}", geo.WGS84).transform(x, y)
        assert metres_apart(4326, got, expected) <= TOLERANCE_M, name
        assert metres_apart(4326, got, PLACES[name]) <= TOLERANCE_M, name


@pytest.mark.parametrize("epsg", sorted(geo.VN2000_CRS))
def test_wgs84_to_vn2000_within_5_cm(epsg):
    expected = vn2000_positions(epsg)
    t = geo.transformer(geo.WGS84, f"EPSG:{epsg}")
    for name, (lon, lat) in PLACES.items():
        assert metres_apart(epsg, t.transform(lon, lat), expected[name]) <= TOLERANCE_M, name


@pytest.mark.parametrize("epsg", sorted(geo.VN2000_CRS))
def test_round_trip_under_a_millimetre(epsg):
    line = LineString(list(PLACES.values()))
    there = geo.transform(line, geo.WGS84, epsg)
    back = geo.transform(there, epsg, geo.WGS84)
    for a, b in zip(np.asarray(line.coords), np.asarray(back.coords), strict=True):
        assert metres_apart(4326, tuple(a), tuple(b)) < 0.001


def test_between_two_vn2000_zones_no_datum_shift_is_applied():
    utm = CRS.from_epsg(3405)
    here = geo.transform(Point(PLACES["Ninh Kiều, Cần Thơ"]), geo.WGS84, 3405)
    direct = geo.transform(here, 3405, 5897)
    plain = Transformer.from_crs(utm, CRS.from_epsg(5897), always_xy=True)  # a conversion
    assert metres_apart(5897, (direct.x, direct.y), plain.transform(here.x, here.y)) < 0.001


def test_a_file_crs_with_the_wrong_towgs84_still_converts_by_epsg_6960():
    """A .prj written with the published rotations in TOWGS84 (read as position-vector) and
    an ESRI-named datum: the datum decides, not the TOWGS84 the file carries."""
    p = list(P.values())
    wkt1 = ('PROJCS["VN-2000 / UTM zone 48N",GEOGCS["VN-2000",DATUM["Vietnam_2000",'
            'SPHEROID["WGS 84",6378137,298.257223563],'
            f'TOWGS84[{",".join(str(v) for v in p)}]],'
            'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],'
            'PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],'
            'PARAMETER["central_meridian",105],PARAMETER["scale_factor",0.9996],'
            'PARAMETER["false_easting",500000],PARAMETER["false_northing",0],'
            'UNIT["metre",1]]')
    esri = ('PROJCS["VN_2000_UTM_Zone_48N",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
            'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
            'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
            'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
            'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9996],'
            'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
    ref = reference(3405)
    for text in (wkt1, esri):
        crs = CRS.from_wkt(text)
        assert geo.is_vn2000(crs)
        for name, (x, y) in vn2000_positions(3405).items():
            got = geo.transformer(crs, geo.WGS84).transform(x, y)
            assert metres_apart(4326, got, ref.transform(x, y)) <= TOLERANCE_M, name
