"""The column map: the tracker's own export names (the Shapefile's 10-character ones too) are
all known, Vietnamese headers map, and the README's table is the module's."""

from __future__ import annotations

from tracker.config import REPO_ROOT
from tracker.fields import FIELDS
from tracker.formats.fieldmap import TARGET_BY_NAME, map_columns, table_rows, typed_value


def test_every_export_field_name_is_known_never_unknown():
    for names in ([f.name for f in FIELDS], [f.shp for f in FIELDS]):
        m = map_columns([*names, "WKT", "X", "Y"])
        assert m.unknown == [], m.unknown
    m = map_columns([f.name for f in FIELDS])
    assert {"length_km", "disbursement_pct", "days_late", "source_keys", "source_urls",
            "page_url"} <= set(m.ignored)


def test_vietnamese_headers_and_labels():
    m = map_columns(["Mã dự án", "TEN_DU_AN", "trang-thai", "Tiến độ", "màu"])
    assert {c: t.name for c, t in m.columns.items()} == {
        "Mã dự án": "code", "TEN_DU_AN": "name_vi", "trang-thai": "status",
        "Tiến độ": "progress_pct"}
    assert m.unknown == ["màu"]
    assert typed_value(TARGET_BY_NAME["status"], "Đang thi công", "f") == "under_construction"
    assert typed_value(TARGET_BY_NAME["provinces"], "Cần Thơ; hau-giang", "f") == [
        "can-tho", "hau-giang"]
    assert typed_value(TARGET_BY_NAME["name_vi"], "'=1+1", "f") == "=1+1"


def test_the_readme_lists_the_table():
    readme = (REPO_ROOT / "README.md").read_text()
    for value, columns, part in table_rows():
        row = f"| `{value}` | " + ", ".join(f"`{c.strip()}`" for c in columns.split(",")) + \
            f" | {part} |"
        assert row in readme, row
