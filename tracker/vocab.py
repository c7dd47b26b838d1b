"""Every controlled vocabulary, once: codes, Vietnamese and English labels, colours, OC4IDS codes.

The map, the legend, the tables, the forms and the exports all read from here so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    code: str
    vi: str
    en: str

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Status(Term):
    colour: str
    oc4ids: str | None  # OC4IDS projectStatus code; None where the codelist has no equivalent
    order: int


@dataclass(frozen=True)
class Kind(Term):
    geometry_types: tuple[str, ...]  # allowed geometry types; empty = any
    weight: int  # line weight on the map
    dash: str | None  # Leaflet dashArray, None = solid


@dataclass(frozen=True)
class Province(Term):
    iso_3166_2: str
    merged_into_vi: str | None = None
    merged_into_en: str | None = None
    merged_on: str | None = None  # ISO date the merger took effect
    merger_basis: str | None = None


STATUSES: tuple[Status, ...] = (
    Status("proposed", "Đề xuất", "Proposed", "#8e6bbf", "identification", 1),
    Status("approved", "Đã phê duyệt chủ trương", "Investment approved", "#1f77b4",
           "preparation", 2),
    Status("preparation", "Chuẩn bị đầu tư", "Preparation", "#17a2b8", "preparation", 3),
    Status("under_construction", "Đang thi công", "Under construction", "#fd7e14",
           "implementation", 4),
    Status("completed", "Hoàn thành", "Completed", "#2ca02c", "completion", 5),
    # OC4IDS has no "suspended" stage: it is omitted from OC4IDS output rather than guessed.
    Status("suspended", "Tạm dừng", "Suspended", "#d62728", None, 6),
    Status("cancelled", "Đã hủy", "Cancelled", "#6c757d", "cancelled", 7),
)

LINE_TYPES = ("LineString", "MultiLineString")

KINDS: tuple[Kind, ...] = (
    Kind("road", "Đường bộ", "Road", LINE_TYPES, 4, None),
    Kind("expressway", "Đường cao tốc", "Expressway", LINE_TYPES, 7, None),
    Kind("bridge", "Cầu", "Bridge", ("Point",), 0, None),
    Kind("waterway", "Đường thủy", "Waterway", LINE_TYPES, 5, "10 8"),
    Kind("other", "Khác", "Other", (), 3, None),
)

FUNDING_SOURCES: tuple[Term, ...] = (
    Term("central_budget", "Ngân sách trung ương", "Central budget"),
    Term("provincial_budget", "Ngân sách địa phương", "Provincial budget"),
    Term("oda", "Vốn ODA", "ODA"),
    Term("ppp", "Đối tác công tư (PPP)", "Public–private partnership (PPP)"),
    Term("other", "Nguồn khác", "Other"),
)

_MERGED_CT = dict(
    merged_into_vi="Thành phố Cần Thơ",
    merged_into_en="Cần Thơ city",
    merged_on="2025-07-01",
    merger_basis="Nghị quyết 202/2025/QH15",
)

PROVINCES: tuple[Province, ...] = (
    Province("can-tho", "Thành phố Cần Thơ", "Cần Thơ city", "VN-CT", **_MERGED_CT),
    Province("hau-giang", "Tỉnh Hậu Giang", "Hậu Giang province", "VN-73", **_MERGED_CT),
    Province("soc-trang", "Tỉnh Sóc Trăng", "Sóc Trăng province", "VN-52", **_MERGED_CT),
    Province("an-giang", "Tỉnh An Giang", "An Giang province", "VN-44"),
    Province("ca-mau", "Tỉnh Cà Mau", "Cà Mau province", "VN-59"),
)

GEOMETRY_ACCURACY: tuple[Term, ...] = (
    Term("surveyed", "Đo đạc", "Surveyed"),
    Term("digitised", "Số hóa từ bản đồ", "Digitised from a map"),
    Term("approximate", "Vị trí gần đúng", "Approximate location"),
)

COOPERATION_FIELDS: tuple[Term, ...] = (
    Term("transport", "Giao thông vận tải", "Transport"),
    Term("urban", "Đô thị", "Urban development"),
    Term("environment", "Môi trường", "Environment"),
    Term("other", "Khác", "Other"),
)

DATE_PRECISIONS = ("day", "month", "year")


def codes(terms: tuple[Term, ...]) -> tuple[str, ...]:
    return tuple(t.code for t in terms)


def lookup(terms: tuple[Term, ...], code: str | None) -> Term | None:
    for t in terms:
        if t.code == code:
            return t
    return None


STATUS_BY_CODE = {s.code: s for s in STATUSES}
KIND_BY_CODE = {k.code: k for k in KINDS}
PROVINCE_BY_CODE = {p.code: p for p in PROVINCES}
PROVINCE_BY_ISO = {p.iso_3166_2: p for p in PROVINCES}


def current_units(province_codes: list[str], lang: str = "vi") -> list[str]:
    """The present-day units (after the 1 July 2025 mergers we hold sources for) that the
    programme-era provinces now belong to; provinces we hold no merger source for are left
    out rather than guessed."""
    out: list[str] = []
    for code in province_codes:
        p = PROVINCE_BY_CODE.get(code)
        name = p and (p.merged_into_en if lang == "en" else p.merged_into_vi)
        if name and name not in out:
            out.append(name)
    return out

# Who may do what (tracker.auth.can): viewer reads; editor creates, edits, records updates and
# imports; admin also manages users and deletes. Ordered from least to most.
ROLES: tuple[Term, ...] = (
    Term("viewer", "Người xem", "Viewer"),
    Term("editor", "Biên tập viên", "Editor"),
    Term("admin", "Quản trị viên", "Administrator"),
)

# What an audit entry records (tracker.models.AuditEntry.kind).
AUDIT_KINDS: tuple[Term, ...] = (
    Term("create", "Tạo dự án", "Project created"),
    Term("edit", "Sửa thông tin dự án", "Project edited"),
    Term("status_update", "Cập nhật tình trạng", "Status update"),
    Term("geometry", "Thay vị trí trên bản đồ", "Geometry replaced"),
    Term("delete", "Xóa dự án", "Project deleted"),
    Term("import", "Nhập dữ liệu", "Import"),
    Term("user", "Tài khoản", "Account"),
    Term("token", "Mã truy cập API", "API token"),
    Term("sign_in_failed", "Đăng nhập không thành công", "Failed sign-in"),
)
