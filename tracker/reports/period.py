"""The programme's periodic review report (báo cáo sơ kết / tổng kết): per project and per
cooperation field, the status, progress and money at the start and at the end of a period,
and what was completed, started, slipped and is stale. One document, rendered as HTML, JSON,
PDF and XLSX.

Presets of the 2021–2025 programme: the final review (tổng kết) covers the whole programme,
01/01/2021 – 31/12/2025; the mid-term review (sơ kết) its first half, 01/01/2021 –
30/06/2023 (two and a half of its five years: the usual "sơ kết giữa kỳ" of a five-year
programme, and the last day of a half-year on which the localities report).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tracker import vocab
from tracker.errors import BadParameter
from tracker.params import single
from tracker.queries.filter import ProjectFilter
from tracker.queries.history import ChangeContext, find_changes, states, timelines
from tracker.reports import facts
from tracker.reports.brief import parse_day
from tracker.reports.words import day, filter_text, label, status_label, text
from tracker.rules import display_name, is_closed

PRESETS: dict[str, tuple[date, date]] = {
    "mid_term": (date(2021, 1, 1), date(2023, 6, 30)),
    "final": (date(2021, 1, 1), date(2025, 12, 31)),
}
DEFAULT_PRESET = "final"
SECTIONS = ("completed", "started", "slipped", "stale")
PROJECT_KEYS = ("code", "name", "field", "role", "status_start", "status_end",
                "progress_start", "progress_end", "disbursed_start", "disbursed_end",
                "investment")
FIELD_KEYS = ("field", "count_start", "count_end", "completed", "started", "investment",
              "disbursed_start", "disbursed_end")


def period_dates(args: Any) -> tuple[date, date, str | None]:
    """(start, end, preset) from `preset` or `from` and `to` (default: the final review)."""
    preset = single(args, "preset")
    if preset is not None and preset not in PRESETS:
        raise BadParameter(f"unknown preset {preset[:40]!r}",
                           detail=f"one of: {', '.join(PRESETS)}", field="preset")
    start = parse_day(args, "from", None)
    end = parse_day(args, "to", None)
    if start is None and end is None:
        chosen = preset or DEFAULT_PRESET
        return (*PRESETS[chosen], chosen)
    if start is None or end is None:
        missing = "from" if start is None else "to"
        raise BadParameter(f"{missing} is needed with {'to' if missing == 'from' else 'from'}",
                           field=missing)
    if end <= start:
        raise BadParameter("to must be after from",
                           detail=f"from {start.isoformat()}, to {end.isoformat()}", field="to")
    matched = next((k for k, v in PRESETS.items() if v == (start, end)), None)
    return start, end, matched


@dataclass
class PeriodReport:
    title: str
    start: date
    end: date
    preset: str | None
    lang: str
    filter: dict[str, str]
    filter_text: str
    period_text: str
    data_as_of: date | None
    data_as_of_text: str
    project_columns: list[tuple[str, str]]
    projects: list[dict[str, Any]]
    field_columns: list[tuple[str, str]]
    fields: list[dict[str, Any]]
    sections: dict[str, list[dict[str, Any]]]


def build_period(session: Session, f: ProjectFilter, start: date, end: date, settings: Any,
                 lang: str = "vi", preset: str | None = None) -> PeriodReport:
    lines = timelines(session, f, end)
    before = start - timedelta(days=1)  # the state at the start: before its first day
    at_start = {r["id"]: r for r in states(lines, f, before)}
    at_end = {r["id"]: r for r in states(lines, f, end)}
    selected = [ln for ln in lines if ln.project["id"] in at_end]
    changes = find_changes(ChangeContext(session, selected, before, end))
    changes.sort(key=lambda c: (c.day, c.code))

    sections: dict[str, list[dict[str, Any]]] = {k: [] for k in SECTIONS}
    completed: set[str] = set()
    started: set[str] = set()
    for c in changes:
        name = display_name(c.name_vi, c.name_en, lang)
        when = day(c.day, lang, c.precision)
        entry = {"code": c.code, "name": name, "day": c.day}
        if c.kind in ("status", "new_project") and c.new == "completed" and \
                c.code not in completed:
            completed.add(c.code)
            sections["completed"].append({**entry, "reason": text("period.reason.completed",
                                                                  lang, day=when)})
        if c.kind in ("status", "new_project") and c.new == "under_construction" and \
                c.code not in started:
            started.add(c.code)
            sections["started"].append({**entry, "reason": text("period.reason.started",
                                                                lang, day=when)})
        if c.kind == "planned_end":
            sections["slipped"].append({**entry, "reason": text(
                "period.reason.moved", lang, old=c.old or "–", new=c.new or "–", day=when)})
    rows = []
    for pid, r in at_end.items():
        s = at_start.get(pid)
        end_day = r.get("planned_end")
        if end_day is not None and start <= end_day <= end and not is_closed(r["status"]):
            sections["slipped"].append({
                "code": r["code"], "name": display_name(r["name_vi"], r["name_en"], lang),
                "day": end_day, "reason": text("period.reason.passed", lang,
                                               end=day(end_day, lang,
                                                       r.get("planned_end_precision") or "day"),
                                               status=status_label(r["status"], lang))})
        if facts.stale(r, end, settings):
            sections["stale"].append({
                "code": r["code"], "name": display_name(r["name_vi"], r["name_en"], lang),
                "day": facts.status_as_of(r),
                "reason": text("brief.reason.stale", lang,
                               age=facts.status_age_days(r, end),
                               status=status_label(r["status"], lang),
                               status_as_of=day(facts.status_as_of(r), lang,
                                                facts.status_as_of_precision(r)),
                               limit=facts.stale_days(settings))})
        rows.append({
            "code": r["code"], "name": display_name(r["name_vi"], r["name_en"], lang),
            "field": label(vocab.COOPERATION_FIELDS, r["field"], lang),
            "field_code": r["field"],
            "role": text(f"period.role.{facts.programme_role(r)}", lang),
            "status_start": s["status"] if s else None, "status_end": r["status"],
            "progress_start": s["progress_pct"] if s else None,
            "progress_end": r["progress_pct"],
            "disbursed_start": s["disbursed_vnd"] if s else None,
            "disbursed_end": r["disbursed_vnd"], "investment": r["total_investment_vnd"],
            "completed": r["code"] in completed, "started": r["code"] in started,
        })
    rows.sort(key=lambda x: x["code"])
    for items in sections.values():
        items.sort(key=lambda x: (x["day"] or date.min, x["code"]))

    fields = []
    for term in vocab.COOPERATION_FIELDS:
        mine = [x for x in rows if x["field_code"] == term.code]
        if not mine:
            continue
        fields.append({
            "field": term.label(lang), "field_code": term.code,
            "count_start": sum(1 for x in mine if x["status_start"] is not None),
            "count_end": len(mine),
            "completed": sum(1 for x in mine if x["completed"]),
            "started": sum(1 for x in mine if x["started"]),
            "investment": _sum(x["investment"] for x in mine),
            "disbursed_start": _sum(x["disbursed_start"] for x in mine),
            "disbursed_end": _sum(x["disbursed_end"] for x in mine),
        })
    latest = max((r["update_as_of"] for r in at_end.values()), default=None)
    title = text(f"period.title_preset.{preset}", lang) if preset else text("period.title",
                                                                             lang)
    return PeriodReport(
        title=title, start=start, end=end, preset=preset, lang=lang, filter=f.to_args(),
        filter_text=filter_text(f, lang),
        period_text=text("period.period", lang, start=day(start, lang), end=day(end, lang)),
        data_as_of=latest,
        data_as_of_text=(text("print.data_as_of", lang, date=day(latest, lang)) if latest
                         else text("print.data_as_of_none", lang)),
        project_columns=[(k, text(f"period.col.{k}", lang)) for k in PROJECT_KEYS],
        projects=rows,
        field_columns=[(k, text(f"period.col.{k}", lang)) for k in FIELD_KEYS],
        fields=fields, sections=sections)


def _sum(values: Any) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None
