"""Reading real files in each CRS back to known WGS 84 positions (to a few centimetres), the
VN-2000 .prj without a datum shift, swapped axes, and files without a CRS."""

from __future__ import annotations

import pytest
import shapely
from pyproj import CRS
from shapely.geometry import Point

from tests.imports.helpers import read, write_gis, zipped
from tests.test_vn2000 import PLACES, TOLERANCE_M, metres_apart, vn2000_positions
from tracker.errors import ValidationError

CODES = {name: f"place-{i}" for i, name in enumerate(PLACES, 1)}


def _rows() -> list[dict]:
    return [{"code": CODES[name], "name_vi": name} for name in PLACES]


def _positions(epsg: int) -> list[tuple[float, float]]:
    if epsg == 4326:
        return list(PLACES.values())
    vn = vn2000_positions(epsg)
    return [vn[name] for name in PLACES]


def _check(result) -> None:
    got = {f.values.get("code", f.values.get("ma_du_an")): f.geometry for f in result.features}
    for name, (lon, lat) in PLACES.items():
        g = got[CODES[name]]
        assert metres_apart(None, (g.x, g.y), (lon, lat)) < TOLERANCE_M, name


@pytest.mark.parametrize("epsg", [4326, 3405, 5897, 9209, 4756])
@pytest.mark.parametrize("fmt", ["gpkg", "shp.zip", "geojson"])
def test_gdal_files_in_each_crs_land_on_the_known_positions(tmp_path, epsg, fmt):
    geoms = [Point(xy) for xy in _positions(epsg)]
    if fmt == "gpkg":
        path = write_gis(tmp_path / "survey.gpkg", _rows(), geoms, f"EPSG:{epsg}", "GPKG")
        data, name = path.read_bytes(), "survey.gpkg"
    elif fmt == "shp.zip":
        folder = tmp_path / "shp"
        folder.mkdir()
        write_gis(folder / "survey.shp", _rows(), geoms, f"EPSG:{epsg}", "ESRI Shapefile")
        data, name = zipped(folder), "survey.zip"
    else:  # GeoJSON 2008 with a named CRS (GDAL writes it for a non-WGS 84 layer)
        path = write_gis(tmp_path / "survey.geojson", _rows(), geoms, f"EPSG:{epsg}",
                         "GeoJSON")
        data, name = path.read_bytes(), "survey.geojson"
    result = read(data, name)
    _check(result)
    if epsg != 4326:
        assert any("VN-2000" in n and "EPSG:6960" in n for n in result.notes)


@pytest.mark.parametrize("epsg", [3405, 5897, 9209])
def test_an_esri_prj_without_a_datum_shift_is_recognised_as_vn2000(tmp_path, epsg):
    folder = tmp_path / "shp"
    folder.mkdir()
    write_gis(folder / "survey.shp", _rows(), [Point(xy) for xy in _positions(epsg)],
              f"EPSG:{epsg}", "ESRI Shapefile")
    esri = CRS.from_epsg(epsg).to_wkt("WKT1_ESRI")
    assert "TOWGS84" not in esri
    (folder / "survey.prj").write_text(esri)
    result = read(zipped(folder), "survey.zip")
    _check(result)
    assert any("no datum shift" in n for n in result.notes)


def test_a_prj_naming_vn2000_on_another_datum_is_refused_naming_vn2000(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    write_gis(folder / "survey.shp", _rows(), [Point(xy) for xy in _positions(3405)],
              "EPSG:3405", "ESRI Shapefile")
    wgs = CRS.from_epsg(32648).to_wkt("WKT1_ESRI").replace(
        "WGS_1984_UTM_Zone_48N", "VN_2000_UTM_Zone_48N")
    (folder / "survey.prj").write_text(wgs)
    with pytest.raises(ValidationError, match=r"names VN-2000 .*EPSG:3405"):
        read(zipped(folder), "survey.zip")


def test_swapped_axes_are_refused_with_the_diagnosis(tmp_path):
    geoms = [Point(y, x) for x, y in _positions(5897)]
    path = write_gis(tmp_path / "swapped.gpkg", _rows(), geoms, "EPSG:5897", "GPKG")
    with pytest.raises(ValidationError, match="swapped"):
        read(path.read_bytes(), "swapped.gpkg")


def test_csv_x_as_northing_is_detected_and_a_csv_without_crs_refused():
    vn = vn2000_positions(5897)
    lines = ["ma_du_an,ten_du_an,X,Y"] + [f'{CODES[n]},"{n}",{y:.3f},{x:.3f}'
                                         for n, (x, y) in vn.items()]
    data = ("\n".join(lines) + "\n").encode()
    with pytest.raises(ValidationError, match="does not say which CRS"):
        read(data, "bang.csv")
    result = read(data, "bang.csv", crs="EPSG:5897")
    _check(result)
    assert any("northing" in n for n in result.notes)


def test_xlsx_lon_lat_columns_are_wgs84(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ma_du_an", "ten_du_an", "kinh_do", "vi_do"])
    for name, (lon, lat) in PLACES.items():
        ws.append([CODES[name], name, lon, lat])
    wb.save(tmp_path / "bang.xlsx")
    _check(read((tmp_path / "bang.xlsx").read_bytes(), "bang.xlsx"))


def test_kml_and_kmz(tmp_path):
    path = write_gis(tmp_path / "a.kml", _rows(), [Point(xy) for xy in PLACES.values()],
                     "EPSG:4326", "KML")
    _check(read(path.read_bytes(), "a.kml"))
    kmz = tmp_path / "kmz"
    kmz.mkdir()
    (kmz / "doc.kml").write_bytes(path.read_bytes())
    _check(read(zipped(kmz), "a.kmz"))


def test_mixed_crss_in_one_geopackage_are_refused_and_a_layer_can_be_chosen(tmp_path):
    path = tmp_path / "mixed.gpkg"
    rows = _rows()
    write_gis(path, rows[:3], [Point(xy) for xy in _positions(4326)[:3]], "EPSG:4326",
              "GPKG", layer="a")
    write_gis(path, rows[3:], [Point(xy) for xy in _positions(5897)[3:]], "EPSG:5897",
              "GPKG", layer="b")
    with pytest.raises(ValidationError, match=r"different CRSs: a \(EPSG:4326\), "
                       r"b \(EPSG:5897\)"):
        read(path.read_bytes(), "mixed.gpkg")
    assert len(read(path.read_bytes(), "mixed.gpkg", layer="b").features) == 3
    with pytest.raises(ValidationError, match="no layer 'c'; the file has a, b"):
        read(path.read_bytes(), "mixed.gpkg", layer="c")


def test_lines_reproject_vertex_by_vertex(tmp_path):
    vn = list(vn2000_positions(3405).values())
    path = write_gis(tmp_path / "line.gpkg", [{"code": "a-line"}],
                     [shapely.LineString(vn[:3])], "EPSG:3405", "GPKG")
    got = read(path.read_bytes(), "line.gpkg").features[0].geometry
    for (x, y), (lon, lat) in zip(got.coords, list(PLACES.values())[:3], strict=True):
        assert metres_apart(None, (x, y), (lon, lat)) < TOLERANCE_M
