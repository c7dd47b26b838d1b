"""Every exported feature carries the date of its status (issue 10) and how old it is
(issue 9), read back with GDAL (pyogrio) from each format: GeoJSON, GeoPackage, Shapefile
(10-character names), KML, CSV and Excel. Today is 21/11/2026 (tests/conftest.py)."""

from __future__ import annotations

import pyogrio
import pytest

from tests.api.helpers import read_export
from tracker.fields import SHP_NAMES
from tracker.formats.base import FORMATS

# what FACTS.md dates each status as of, and what follows on 21/11/2026 (threshold 180 days)
WANT = {
    "vam-xang-bridge": {"status_as_of": "2021", "status_as_of_precision": "year",
                        "stale": True, "late_confirmed": None},
    "ql61c-phase2": {"status_as_of": "2026-03-09", "status_as_of_precision": "day",
                     "status_age_days": 257, "stale": True, "late_confirmed": None},
    "can-tho-ca-mau-expressway": {"status_as_of": "2025-12-18",
                                  "status_as_of_precision": "day", "status_age_days": 338,
                                  "stale": True, "late_confirmed": False},
    "dt926": {"status_as_of": "2021", "stale": False, "late_confirmed": None},
}


def _plain(value):
    """A read-back value as Python: NaN and empty text are unknown, 0/1 and 'true' booleans,
    whole floats integers (CSV and KML give text, GDAL numbers as float)."""
    if value is None or value == "" or value != value:
        return None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "false"):
            return low == "true"
        if low.isdigit() and len(low) <= 3:  # an age in days
            return int(low)
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _same(name: str, got, want) -> bool:
    got = _plain(got)
    if name in ("stale", "late_confirmed") and want is not None:
        return got in ((1, True) if want else (0, False))
    if name == "status_as_of" and isinstance(got, int):  # '2021' read as a number
        return str(got) == want
    return got == want


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_carries_status_as_of(seeded_app, tmp_path, fmt):
    r = seeded_app.test_client().get(f"/api/v1/projects.{fmt}")
    assert r.status_code == 200
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(r.data)
    rows, _geoms, facts = read_export(str(path), fmt)
    by_code = {row["code"]: row for row in rows}
    assert len(by_code) == 10
    assert all(by_code[c].get("status_as_of") not in (None, "") for c in by_code), fmt
    for code, want in WANT.items():
        for name, value in want.items():
            assert _same(name, by_code[code].get(name), value), (
                fmt, code, name, by_code[code].get(name))
    if fmt == "shp.zip":  # dBase names of at most 10 characters, typed
        assert SHP_NAMES["status_as_of"] == "status_dt"
        line_layer = next(info for name, info in facts["layers"].items()
                          if name.endswith(".shp"))
        fields = dict(zip(line_layer["fields"], line_layer["dtypes"], strict=True))
        assert {"status_dt", "status_prc", "status_age", "stale", "late_conf"} <= set(fields)
        assert all(len(name) <= 10 for name in fields)
        assert "status_dt" in facts["readme"] and "status_as_of" in facts["readme"]
    if fmt == "gpkg":
        info = pyogrio.read_info(str(path), layer=next(iter(facts["layers"])))
        fields = dict(zip(info["fields"], info["dtypes"], strict=True))
        assert fields["stale"] == "bool" and fields["status_age_days"] == "int64"


def test_ogc_items_carry_status_as_of(seeded_app):
    body = seeded_app.test_client().get(
        "/ogc/collections/projects/items?limit=100&f=json").get_json()
    props = {f["id"]: f["properties"] for f in body["features"]}
    assert props["can-tho-ca-mau-expressway"]["status_as_of"] == "2025-12-18"
    assert props["can-tho-ca-mau-expressway"]["late_confirmed"] is False
    assert props["vam-xang-bridge"]["status_as_of"] == "2021"
    stale = seeded_app.test_client().get(
        "/ogc/collections/projects/items?stale=0&f=json").get_json()
    assert {f["properties"]["status"] for f in stale["features"]} == {"completed"}
