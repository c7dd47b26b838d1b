"""Projects as an OC4IDS project package (Open Contracting for Infrastructure Data Standard,
schema 0.9), mapped from the fields we hold. A field we do not hold is omitted, never filled
with a guess (no `type`, `purpose`, contracting processes or final cost; no funder names).

Mapping (ours -> OC4IDS):

  code                      id
  updated_at                updated
  name_vi / description_vi  title / description   (language "vi")
  status                    status, through vocab.STATUSES[*].oc4ids ("suspended" has no
                            OC4IDS equivalent: status is omitted)
  kind                      sector: road, expressway, bridge -> transport + transport.road;
                            waterway -> transport + transport.water; other -> omitted
  planned_start/_end        period.startDate / endDate, only when known to the day (OC4IDS
                            dates are instants; a year is not a day)
  actual_end (completed)    completion.endDate, likewise
  total_investment_vnd      budget.amount {amount, currency "VND"}; budget.description says
                            what the figure is (its basis, date and qualifier, both languages);
                            budget.approvalDate when it is an approved figure dated to the day
  funding lines             budget.budgetBreakdowns[] (0.9.4 and later): one group "funding"
                            whose budgetBreakdown[] has a line each: id, description (source
                            type, province and note), amount in VND when stated, period = the
                            budget year (1 Jan–31 Dec)
  geometry                  locations[]: GeoJSON geometry (WGS 84, ≤ 7 decimals)
  provinces                 locations[]: one a province, its name and ISO 3166-2 code in the
                            description, address.region and countryName, and the gazetteer
                            ISO2 = VN (the locationGazetteers codelist has no ISO 3166-2)
  governing_body            parties[] role publicAuthority (cơ quan chủ quản: "responsible for
                            developing the infrastructure assets"), and publicAuthority
  project_owner             parties[] role procuringEntity (chủ đầu tư organises procurement)
  private_investor          parties[] role funder (nhà đầu tư, PPP: the partyRole codelist of
                            0.9.5 has no private-party role; the investor finances the project)
  sources                   documents[]: id, title, url, datePublished, description
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tracker import vocab
from tracker.formats.geojson import geometry_geojson
from tracker.i18n import gettext

OC4IDS_VERSION = "0.9"  # major.minor, as the package schema asks; validated against 0.9.5
COUNTRY = "VN"  # ISO 3166-1 alpha-2: the codelist's ISO2 gazetteer
COUNTRY_NAME = "Việt Nam"
FUNDING_GROUP = {"id": "funding",
                 "description": "Nguồn vốn theo loại nguồn, tỉnh và năm ngân sách / funding "
                                "by source type, province and budget year"}
PUBLISHER = "Theo dõi dự án hạ tầng Cần Thơ – Hậu Giang (Cần Thơ – Hậu Giang infrastructure " \
    "tracker)"
VN_OFFSET = "+07:00"  # dates are Vietnamese calendar days
SECTORS = {
    "road": ["transport", "transport.road"],
    "expressway": ["transport", "transport.road"],
    "bridge": ["transport", "transport.road"],  # the codelist's road sector includes bridges
    "waterway": ["transport", "transport.water"],
}


def _day_start(d: date) -> str:
    return f"{d.isoformat()}T00:00:00{VN_OFFSET}"


def _day_end(d: date) -> str:
    return f"{d.isoformat()}T23:59:59{VN_OFFSET}"


def utc_text(stamp: datetime) -> str:
    return stamp.replace(microsecond=0).isoformat() + "Z"


def _period(p: Any) -> dict[str, str]:
    out = {}
    if p.planned_start is not None and p.planned_start_precision == "day":
        out["startDate"] = _day_start(p.planned_start)
    if p.planned_end is not None and p.planned_end_precision == "day":
        out["endDate"] = _day_end(p.planned_end)
    return out


def _parties(p: Any) -> list[dict[str, Any]]:
    parties: list[dict[str, Any]] = []
    for pid, _vi, _en, role in vocab.PROJECT_ROLES:
        name = getattr(p, pid)
        if not name:
            continue
        same = next((x for x in parties if x["name"] == name), None)
        if same is not None:
            same["roles"].append(role)
        else:
            parties.append({"id": pid, "name": name, "roles": [role]})
    return parties


def _figure_words(p: Any) -> str:
    """What the total is, in both languages: "Tổng mức đầu tư: Điều chỉnh, nguồn không ghi
    ngày, khoảng / Total investment: adjusted, the source gives no date, approximately"."""
    words: dict[str, list[str]] = {"vi": [], "en": []}
    for terms, code in ((vocab.ESTIMATE_BASES, p.total_investment_basis),
                        (vocab.QUALIFIERS, p.total_investment_qualifier)):
        term = vocab.lookup(terms, code) if code and code != "exact" else None
        if term is not None:
            words["vi"].append(term.vi if not words["vi"] else term.vi.lower())
            words["en"].append(term.en.lower())
    day = p.total_investment_as_of_iso
    for lang in ("vi", "en"):
        words[lang].insert(min(1, len(words[lang])), day or gettext("project.no_date", lang))
    return (f"Tổng mức đầu tư: {', '.join(words['vi'])} / "
            f"Total investment: {', '.join(words['en'])}")


def _budget(p: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if p.total_investment_vnd is not None:
        out["amount"] = {"amount": p.total_investment_vnd, "currency": "VND"}
        out["description"] = _figure_words(p)
        if p.total_investment_basis == "approved" and \
                p.total_investment_as_of_precision == "day":
            out["approvalDate"] = _day_start(p.total_investment_as_of)
    breakdown = []
    for fl in p.funding_lines:
        source = vocab.lookup(vocab.FUNDING_SOURCES, fl.source_type)
        label = f"{source.vi} / {source.en}" if source else fl.source_type
        if fl.province and (prov := vocab.PROVINCE_BY_CODE.get(fl.province)):
            label += f" – {prov.vi}"
        entry: dict[str, Any] = {"id": str(fl.id), "description":
                                 label + (f". {fl.note}" if fl.note else "")}
        if fl.amount_vnd is not None:
            entry["amount"] = {"amount": fl.amount_vnd, "currency": "VND"}
        if fl.budget_year is not None:
            entry["period"] = {"startDate": _day_start(date(fl.budget_year, 1, 1)),
                               "endDate": _day_end(date(fl.budget_year, 12, 31))}
        breakdown.append(entry)
    if breakdown:
        out["budgetBreakdowns"] = [{**FUNDING_GROUP, "budgetBreakdown": breakdown}]
    return out


def _locations(p: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if p.geometry is not None:
        loc: dict[str, Any] = {"id": "geometry", "geometry": geometry_geojson(p.geometry)}
        if p.geometry_note or p.geometry_note_en:
            loc["description"] = p.geometry_note or p.geometry_note_en
        out.append(loc)
    for code in p.province_codes:
        prov = vocab.PROVINCE_BY_CODE.get(code)
        if prov is None:
            continue
        out.append({"id": f"province-{prov.code}",
                    "description": f"{prov.vi} / {prov.en} (ISO 3166-2: {prov.iso_3166_2}; "
                                   "ranh giới trước 01/07/2025 / boundary until 30 June 2025)",
                    "address": {"region": prov.vi, "countryName": COUNTRY_NAME},
                    "gazetteer": {"scheme": "ISO2", "identifiers": [COUNTRY]}})
    return out


def _documents(p: Any) -> list[dict[str, Any]]:
    out = []
    for link in p.source_links:
        s = link.source
        doc: dict[str, Any] = {"id": s.key}
        if s.title:
            doc["title"] = s.title
        if s.url:
            doc["url"] = s.url
        if s.published_on:
            doc["datePublished"] = _day_start(s.published_on)
        description = s.citation()
        if link.supports:
            description += f" (supports: {link.supports})"
        doc["description"] = description
        out.append(doc)
    return out


def project(p: Any) -> dict[str, Any]:
    """One project in OC4IDS form; keys we cannot fill from our data are left out."""
    out: dict[str, Any] = {"id": p.code, "updated": utc_text(p.updated_at), "language": "vi",
                           "title": p.name_vi}
    if p.description_vi:
        out["description"] = p.description_vi
    status = vocab.STATUS_BY_CODE[p.status].oc4ids if p.status in vocab.STATUS_BY_CODE \
        else None
    if status:
        out["status"] = status
    if p.kind in SECTORS:
        out["sector"] = list(SECTORS[p.kind])
    period = _period(p)
    if period:
        out["period"] = period
    locations = _locations(p)
    if locations:
        out["locations"] = locations
    budget = _budget(p)
    if budget:
        out["budget"] = budget
    parties = _parties(p)
    if parties:
        out["parties"] = parties
        authority = next((x for x in parties if "publicAuthority" in x["roles"]), None)
        if authority:
            out["publicAuthority"] = {"id": authority["id"], "name": authority["name"]}
    documents = _documents(p)
    if documents:
        out["documents"] = documents
    if p.status == "completed" and p.actual_end is not None \
            and p.actual_end_precision == "day":
        out["completion"] = {"endDate": _day_end(p.actual_end)}
    return out


