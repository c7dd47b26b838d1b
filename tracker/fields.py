"""The exported project record, field by field: type, meaning (vi/en) and Shapefile name.

One table drives every place that describes a record: the GeoDataFrame dtypes of the GIS
exports, the Shapefile's 10-character names, the JSON Schema of the OGC collection, the
OpenAPI document and the field table on the API page. `RECORD_FIELDS`, the names in
order, is derived from it, so the record and its description cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # "string" | "integer" | "number" | "boolean"
    shp: str  # Shapefile (dBase) name: at most 10 ASCII characters
    vi: str
    en: str
    format: str | None = None  # JSON Schema format (date-time, partial-date, int64)

    def describe(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


FIELDS: tuple[Field, ...] = (
    Field("code", "string", "code", "Mã dự án (ổn định, dùng trong URL)",
          "Project code (stable; used in URLs)"),
    Field("name_vi", "string", "name_vi", "Tên tiếng Việt", "Name in Vietnamese"),
    Field("name_en", "string", "name_en", "Tên tiếng Anh", "Name in English"),
    Field("kind", "string", "kind", "Loại công trình (road, expressway, bridge, waterway, other)",
          "Kind (road, expressway, bridge, waterway, other)"),
    Field("status", "string", "status", "Trạng thái hiện tại (theo cập nhật mới nhất)",
          "Current status (from the latest update)"),
    Field("progress_pct", "number", "progress", "Tiến độ, %", "Progress, %"),
    Field("length_km", "number", "length_km", "Chiều dài tính từ hình học (UTM 48N), km",
          "Length measured from the geometry (UTM 48N), km"),
    Field("stated_length_km", "number", "stated_km", "Chiều dài theo nguồn, km",
          "Length stated by the sources, km"),
    Field("length_source", "string", "len_src",
          "Chiều dài dùng trong tổng: stated (theo nguồn) hoặc measured (đo trên bản đồ)",
          "Length used in totals: stated (by a source) or measured (on the map)"),
    Field("total_investment_vnd", "integer", "invest_vnd",
          "Tổng mức đầu tư theo ước tính mới nhất, đồng",
          "Total investment, the latest dated estimate, VND", "int64"),
    Field("total_investment_basis", "string", "inv_basis",
          "Cơ sở của tổng mức đầu tư (proposal, approved, adjusted)",
          "Basis of the total investment (proposal, approved, adjusted)"),
    Field("total_investment_as_of", "string", "inv_as_of",
          "Ngày của ước tính (theo nguồn; trống nếu nguồn không ghi)",
          "Date of the estimate (as the source gives it; empty if it gives none)",
          "partial-date"),
    Field("total_investment_qualifier", "string", "inv_qual",
          "Cách nêu con số: exact, approximate (khoảng), at_least (tối thiểu)",
          "How the figure is stated: exact, approximate, at_least (a lower bound)"),
    Field("disbursed_vnd", "integer", "disb_vnd", "Đã giải ngân, đồng", "Disbursed, VND",
          "int64"),
    Field("disbursement_pct", "number", "disb_pct", "Tỷ lệ giải ngân, %", "Disbursement rate, %"),
    Field("planned_start", "string", "plan_start",
          "Khởi công theo kế hoạch (YYYY, YYYY-MM hoặc YYYY-MM-DD)",
          "Planned start (YYYY, YYYY-MM or YYYY-MM-DD)", "partial-date"),
    Field("planned_end", "string", "plan_end", "Hoàn thành theo kế hoạch",
          "Planned completion", "partial-date"),
    Field("actual_start", "string", "act_start", "Khởi công thực tế", "Actual start",
          "partial-date"),
    Field("actual_end", "string", "act_end", "Hoàn thành thực tế", "Actual completion",
          "partial-date"),
    Field("days_late", "integer", "days_late", "Số ngày chậm so với kế hoạch (tính đến hôm nay)",
          "Days past the planned completion (as of today)"),
    Field("status_as_of", "string", "status_dt", "Trạng thái tính đến (ngày của cập nhật "
          "trạng thái mới nhất; YYYY, YYYY-MM hoặc YYYY-MM-DD)",
          "Status as of (the date of the latest status update; YYYY, YYYY-MM or YYYY-MM-DD)",
          "partial-date"),
    Field("status_as_of_precision", "string", "status_prc",
          "Độ chính xác của ngày trạng thái (day, month, year)",
          "Precision of the status date (day, month, year)"),
    Field("status_age_days", "integer", "status_age",
          "Số ngày từ ngày trạng thái đến hôm nay", "Days from the status date to today"),
    Field("stale", "boolean", "stale",
          "Cần cập nhật: trạng thái cũ hơn ngưỡng (TRACKER_STALE_DAYS) và dự án chưa kết thúc",
          "Needs an update: the status is older than the threshold (TRACKER_STALE_DAYS) and "
          "the project is not closed"),
    Field("late_confirmed", "boolean", "late_conf",
          "Quá hạn đã xác nhận: trạng thái có ngày từ ngày hoàn thành theo kế hoạch trở về "
          "sau (false: quá hạn — chưa xác nhận; null: không quá hạn)",
          "Overdue and confirmed: the status is dated on or after the planned completion "
          "(false: overdue — unconfirmed; null: not overdue)"),
    Field("governing_body", "string", "gov_body", "Cơ quan chủ quản", "Governing body"),
    Field("project_owner", "string", "proj_owner", "Chủ đầu tư", "Project owner"),
    Field("private_investor", "string", "priv_inv", "Nhà đầu tư (chỉ dự án PPP)",
          "Private investor (PPP projects only)"),
    Field("programme_role", "string", "prog_role",
          "programme (thuộc Chương trình hợp tác 2021–2025) hoặc related (dự án liên quan)",
          "programme (in the 2021–2025 cooperation programme) or related"),
    Field("corridor", "string", "corridor",
          "Mã hành lang dùng chung (tổng km tính một lần)",
          "Shared corridor key (counted once in a km total)"),
    Field("provinces", "string", "provinces", "Tỉnh, thành (mã, phân cách bằng ;)",
          "Provinces (codes separated by ;)"),
    Field("present_units", "string", "pres_units",
          "Đơn vị hành chính hiện nay có nguồn (sau 01/07/2025; phân cách bằng ;)",
          "Present-day units a source names (after 1 July 2025; separated by ;)"),
    Field("present_units_unknown", "string", "pres_unkn",
          "Tỉnh (mã) chưa có dữ liệu về đơn vị hiện nay",
          "Provinces (codes) whose present-day unit no source gives"),
    Field("present_units_basis", "string", "pres_basis",
          "Văn bản làm căn cứ cho các đơn vị hiện nay", "The acts the present-day units rest on"),
    Field("field", "string", "field", "Lĩnh vực hợp tác", "Cooperation field"),
    Field("geometry_accuracy", "string", "geom_acc", "Độ chính xác vị trí",
          "Accuracy of the geometry"),
    Field("geometry_note", "string", "geom_note", "Ghi chú về vị trí (tiếng Việt)",
          "Note on the geometry, in Vietnamese"),
    Field("geometry_note_en", "string", "geom_nt_en", "Ghi chú về vị trí (tiếng Anh)",
          "Note on the geometry, in English"),
    Field("updated_at", "string", "updated_at",
          "Hồ sơ thay đổi lần cuối (UTC; dự án nạp từ dữ liệu gốc: ngày của cập nhật trạng "
          "thái mới nhất)",
          "Record last changed (UTC; a project loaded from the seed data: the date of its "
          "latest status update)",
          "date-time"),
)

# Where the facts come from, and the project's page: they travel with every exported feature
# (tracker.queries.provenance fills them on both record paths).
PROVENANCE_FIELDS: tuple[Field, ...] = (
    Field("source_keys", "string", "src_keys", "Mã các nguồn trích dẫn (phân cách bằng ;)",
          "Keys of the sources cited (separated by ;)"),
    Field("source_urls", "string", "src_urls",
          "Địa chỉ web của các nguồn có địa chỉ (phân cách bằng ;)",
          "Web addresses of the sources that have one (separated by ;)"),
    Field("page_url", "string", "page_url", "Trang của dự án trong hệ thống theo dõi",
          "The project's page in the tracker"),
)
FIELDS += PROVENANCE_FIELDS

FIELD_BY_NAME = {f.name: f for f in FIELDS}
SHP_NAMES = {f.name: f.shp for f in FIELDS}

# dBase stores at most 254 bytes in a character field.
DBF_MAX_BYTES = 254


def pandas_dtype(f: Field) -> str:
    """The pandas dtype a GeoDataFrame column of this field gets (nullable integers)."""
    return {"integer": "Int64", "number": "float64", "boolean": "boolean"}.get(f.type, "object")


RECORD_FIELDS: Sequence[str] = tuple(f.name for f in FIELDS)



def check_consistency() -> None:
    """Raise if a Shapefile name is not unique, ASCII and at most 10 characters."""
    shp = [f.shp for f in FIELDS]
    if len(set(s.lower() for s in shp)) != len(shp) or any(
            len(s) > 10 or not s.isascii() for s in shp):
        raise AssertionError("Shapefile names must be unique, ASCII and at most 10 characters")
