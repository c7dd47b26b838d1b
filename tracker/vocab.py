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

# The two kinds of project the tracker follows: those in the 2021–2025 cooperation programme,
# and the related ones the two localities push for (national expressways). Totals keep them apart.
PROGRAMME_ROLES: tuple[Term, ...] = (
    Term("programme", "Thuộc Chương trình hợp tác", "In the cooperation programme"),
    Term("related", "Dự án liên quan", "Related project"),
)
PROGRAMME_ROLE_ALL = "all"  # the filter value that asks for both together

# What a dated investment figure is (a first proposal, an approved or an adjusted figure).
ESTIMATE_BASES: tuple[Term, ...] = (
    Term("proposal", "Đề xuất", "Proposal"),
    Term("approved", "Được duyệt", "Approved"),
    Term("adjusted", "Điều chỉnh", "Adjusted"),
)
# How a figure is stated: exactly, about ("≈"), or as a lower bound ("44.690+", "> 37 km").
QUALIFIERS: tuple[Term, ...] = (
    Term("exact", "Chính xác", "Exact"),
    Term("approximate", "Khoảng", "Approximately"),
    Term("at_least", "Tối thiểu", "At least"),
)
QUALIFIER_SIGNS = {"exact": "", "approximate": "≈ ", "at_least": "≥ "}

# The three roles of public investment and the OC4IDS 0.9.5 partyRole code each is given:
# cơ quan chủ quản -> publicAuthority ("responsible for developing the infrastructure
# assets"), chủ đầu tư -> procuringEntity (it organises the procurement), nhà đầu tư (PPP)
# -> funder (the codelist has no private-party role; the PPP investor finances the project).
PROJECT_ROLES: tuple[tuple[str, str, str, str], ...] = (
    ("governing_body", "Cơ quan chủ quản", "Governing body", "publicAuthority"),
    ("project_owner", "Chủ đầu tư", "Project owner", "procuringEntity"),
    ("private_investor", "Nhà đầu tư (PPP)", "Private investor (PPP)", "funder"),
)


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


@dataclass(frozen=True)
class PresentUnit:
    """The present-day unit (after 1 July 2025) one programme-era province belongs to, with
    the act that says so; `name_vi` None: no source we hold names it ("chưa có dữ liệu")."""

    province: str
    name_vi: str | None
    name_en: str | None
    basis: str | None

    def name(self, lang: str) -> str | None:
        return self.name_en if lang == "en" else self.name_vi


def present_units(province_codes: list[str]) -> list[PresentUnit]:
    """Every present-day unit the project's programme-era provinces lie in, one per province
    (in the provinces' order): known ones with their legal basis, the others unknown rather
    than guessed or dropped."""
    out = []
    for code in province_codes:
        p = PROVINCE_BY_CODE.get(code)
        if p is not None and p.merged_into_vi:
            out.append(PresentUnit(code, p.merged_into_vi, p.merged_into_en, p.merger_basis))
        else:
            out.append(PresentUnit(code, None, None, None))
    return out


def present_unit_fields(province_codes: list[str]) -> dict[str, str | None]:
    """The record's three present-day-unit keys: the known units (;-separated, each once),
    the provinces whose present-day unit no source gives, and the acts the known ones rest on."""
    units = present_units(province_codes)
    known = list(dict.fromkeys(u.name_vi for u in units if u.name_vi))
    unknown = [u.province for u in units if not u.name_vi]
    basis = list(dict.fromkeys(u.basis for u in units if u.basis))
    return {"present_units": ";".join(known) or None,
            "present_units_unknown": ";".join(unknown) or None,
            "present_units_basis": ";".join(basis) or None}

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
    Term("estimate", "Ghi tổng mức đầu tư", "Investment estimate recorded"),
    Term("delete", "Xóa dự án", "Project deleted"),
    Term("import", "Nhập dữ liệu", "Import"),
    Term("user", "Tài khoản", "Account"),
    Term("token", "Mã truy cập API", "API token"),
    Term("sign_in_failed", "Đăng nhập không thành công", "Failed sign-in"),
)
