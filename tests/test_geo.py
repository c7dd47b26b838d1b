"""Geometry measurements and transforms, checked against independent references."""

from __future__ import annotations

import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point

from tracker import geo
from tracker.dates import display_partial, iso_partial, parse_partial
from tracker.errors import ValidationError
from tracker.formatting import vnd
from tracker.text import fold

WGS84_GEOD = Geod(ellps="WGS84")


def test_length_of_a_meridian_degree_within_half_a_percent():
    # 9°N -> 10°N along 105°E: the geodesic (ellipsoidal) length is the reference
    line = LineString([(105.0, 9.0), (105.0, 10.0)])
    reference_km = WGS84_GEOD.line_length([105.0, 105.0], [9.0, 10.0]) / 1000
    assert reference_km == pytest.approx(110.6, abs=0.1)
    assert geo.length_km(line) == pytest.approx(reference_km, rel=0.005)


def test_length_of_a_delta_road_within_half_a_percent():
    lons, lats = [105.44, 105.47, 105.56, 105.68], [9.77, 9.78, 9.85, 9.93]
    reference_km = WGS84_GEOD.line_length(lons, lats) / 1000
    assert geo.length_km(LineString(zip(lons, lats, strict=True))) == pytest.approx(
        reference_km, rel=0.005)


def test_points_and_missing_geometries_have_no_length():
    assert geo.length_km(Point(105.6, 9.9)) is None
    assert geo.length_km(None) is None


def test_vn2000_tm3_zone_482_converts_to_wgs84():
    # a point at Cần Thơ; WGS84 -> VN-2000 TM-3 105°00' and back is exact to a millimetre
    here = Point(105.7469, 10.0452)
    projected = geo.transform(here, "EPSG:4326", "EPSG:5897")
    assert 570_000 < projected.x < 590_000 and 1_100_000 < projected.y < 1_120_000
    back = geo.transform(projected, "EPSG:5897", "EPSG:4326")
    assert back.distance(here) < 1e-8
    # the datum shift moves a VN-2000 geographic coordinate by tens of metres, not zero
    vn = geo.transform(here, "EPSG:4326", "EPSG:4756")
    shift_m = WGS84_GEOD.inv(here.x, here.y, vn.x, vn.y)[2]
    assert 5 < shift_m < 1000


def test_validation_points_at_swapped_axes():
    with pytest.raises(ValidationError, match="swapped"):
        geo.validate_geometry(LineString([(9.8, 105.5), (9.9, 105.6)]), "road",
                              (104.4, 8.5, 106.9, 11.1))


@pytest.mark.parametrize("text, bound, expected, precision, shown", [
    ("2026", "start", "2026-01-01", "year", "2026"),
    ("2026", "end", "2026-12-31", "year", "2026"),
    ("2024-02", "end", "2024-02-29", "month", "02/2024"),
    ("2025-12-19", "end", "2025-12-19", "day", "19/12/2025"),
])
def test_partial_dates_keep_their_precision(text, bound, expected, precision, shown):
    d, p = parse_partial(text, bound)
    assert (d.isoformat(), p) == (expected, precision)
    assert iso_partial(d, p) == text
    assert display_partial(d, p) == shown


def test_money_is_shown_the_vietnamese_way():
    assert vnd(1_250_000_000_000) == "1.250 tỷ đồng"
    assert vnd(3_556_690_000_000) == "3.556,69 tỷ đồng"
    assert vnd(500_000_000) == "500 triệu đồng"
    assert vnd(None) == "chưa có dữ liệu"
    assert vnd(None, "en") == "no data"
    assert vnd(1_250_000_000_000, "en") == "1,250 billion VND"


def test_folding_ignores_diacritics_and_case():
    assert fold("Bốn Tổng – Một Ngàn") == fold("bon tong – mot ngan")
    assert fold("ĐT931B") == "dt931b"
