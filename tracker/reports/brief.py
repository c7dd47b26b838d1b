"""The leaders' meeting brief: one document, built once from the history, rendered as HTML
(/brief), JSON (/brief.json) and PDF (/brief.pdf, `tracker brief`).

Where are we (headline figures of the programme's projects, the related ones apart, each with
its change since `since`), what needs attention (late and confirmed, behind schedule, stale;
each with its reason in words), what changed (dated), and the map. Everything is as the
register stood on `as_of` (tracker.queries.history), never today's values for a past day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tracker import formatting, vocab
from tracker.errors import BadParameter
from tracker.params import single
from tracker.periods import OutOfRange, check_range
from tracker.queries.filter import ProjectFilter
from tracker.queries.history import Change, ChangeContext, find_changes, states, timelines
from tracker.reports import facts
from tracker.reports.words import day as day_text
from tracker.reports.words import filter_text, label, status_label, text
from tracker.rules import (
    LengthItem,
    behind_schedule,
    combined_qualifier,
    counted_part,
    display_name,
    is_closed,
    km_total,
    share_pct,
)

DEFAULT_SINCE_DAYS = 30
GROUPS = (facts.PROGRAMME, facts.RELATED, "all")
ATTENTION_KINDS = ("late", "late_unconfirmed", "behind", "stale")
PRINTED_ITEMS = 8  # per attention kind and for the changes: what a page (or two) can hold


def parse_day(args: Any, name: str, default: date | None) -> date | None:
    """An ISO day parameter (YYYY-MM-DD) within the register's calendar; 400 naming it."""
    raw = single(args, name)
    if raw is None:
        return default
    try:
        value = date.fromisoformat(raw)
        check_range(value)
    except OutOfRange as exc:
        raise BadParameter(f"{name} is outside the register's calendar", detail=str(exc),
                           field=name) from exc
    except ValueError as exc:
        raise BadParameter(f"{name} must be a date YYYY-MM-DD",
                           detail=f"got {raw[:40]!r}", field=name) from exc
    return value


def brief_dates(args: Any, today: date) -> tuple[date, date]:
    """(as_of, since) from the arguments: as_of defaults to today, since to 30 days before;
    since must lie before as_of."""
    as_of = parse_day(args, "as_of", today)
    assert as_of is not None
    since = parse_day(args, "since", as_of - timedelta(days=DEFAULT_SINCE_DAYS))
    assert since is not None
    if since >= as_of:
        raise BadParameter("since must be before as_of",
                           detail=f"since {since.isoformat()}, as_of {as_of.isoformat()}",
                           field="since")
    return as_of, since


@dataclass
class Figures:
    """Key figures of a group of projects on one day. Sums cover the projects whose amount is
    known (with_*); a sum over none is None (no data), never 0."""

    count: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    km_by_status: dict[str, float] = field(default_factory=dict)
    km: float = 0.0
    investment_vnd: int | None = None
    with_investment: int = 0
    investment_basis: dict[str, int] = field(default_factory=dict)  # basis -> projects
    investment_qualifier: str = "exact"  # of the sum: "≥" if any part is a lower bound
    disbursed_vnd: int | None = None
    with_disbursed: int = 0
    disbursement_pct: float | None = None  # over the projects where both amounts are known


def figures(rows: list[dict[str, Any]], provinces: Sequence[str] = ()) -> Figures:
    """The group's figures counted as the dashboard counts them (tracker.rules.counted_part:
    stated lengths where known, a shared corridor once, a province's share where the sources
    split a project)."""
    out = Figures(count=len(rows))
    both_disbursed = both_total = 0
    lengths: dict[str, list[LengthItem]] = {}
    qualifiers: list[str | None] = []
    for r in rows:
        s = r["status"]
        out.by_status[s] = out.by_status.get(s, 0) + 1
        part = counted_part(r.get("stated_length_km"), r.get("length_km"),
                            r.get("geometry_accuracy") == "approximate", r.get("corridor"),
                            r.get("total_investment_vnd"), facts.investment_qualifier(r),
                            r.get("disbursed_vnd"), r.get("components", []), provinces)
        lengths.setdefault(s, []).append(part.length)
        total, disbursed = part.investment_vnd, part.disbursed_vnd
        if total is not None:
            qualifiers.append(part.investment_qualifier)
            out.investment_vnd = (out.investment_vnd or 0) + total
            out.with_investment += 1
            basis = facts.investment_basis(r) or "unknown"
            out.investment_basis[basis] = out.investment_basis.get(basis, 0) + 1
        if disbursed is not None:
            out.disbursed_vnd = (out.disbursed_vnd or 0) + disbursed
            out.with_disbursed += 1
        if total is not None and disbursed is not None:
            both_total += total
            both_disbursed += disbursed
    out.km_by_status = {s: round(km_total(items).km, 3) for s, items in lengths.items()}
    out.km = round(km_total(i for items in lengths.values() for i in items).km, 3)
    out.disbursement_pct = share_pct(both_disbursed, both_total) if both_total else None
    out.investment_qualifier = combined_qualifier(qualifiers)
    return out


@dataclass
class Headline:
    """A group's figures on as_of (`now`) and on since (`then`), and the differences."""

    group: str
    now: Figures
    then: Figures
    change: dict[str, Any] = field(default_factory=dict)


def _diff(a: Any, b: Any) -> Any:
    if a is None and b is None:
        return None
    return round((a or 0) - (b or 0), 3)


def headline(group: str, now: Figures, then: Figures) -> Headline:
    change = {name: _diff(getattr(now, name), getattr(then, name))
              for name in ("count", "km", "investment_vnd", "disbursed_vnd",
                           "disbursement_pct")}
    change["by_status"] = {s: now.by_status.get(s, 0) - then.by_status.get(s, 0)
                           for s in vocab.codes(vocab.STATUSES)
                           if now.by_status.get(s, 0) != then.by_status.get(s, 0)}
    return Headline(group, now, then, change)


@dataclass
class Attention:
    """A project that needs attention, for one reason (a project may have several)."""

    kind: str  # late | late_unconfirmed | behind | stale
    code: str
    name: str
    status: str
    reason: str  # in words
    numbers: dict[str, Any]


@dataclass
class ChangeLine:
    """A change of the history, with its words."""

    kind: str
    day: date
    precision: str
    code: str
    name: str
    old: Any
    new: Any
    text: str


@dataclass
class Brief:
    title: str
    as_of: date
    since: date
    lang: str
    filter: dict[str, str]
    filter_text: str
    data_as_of: date | None
    data_as_of_precision: str | None
    data_as_of_text: str
    stale_days: int
    headline: dict[str, Headline]
    attention: dict[str, list[Attention]]
    changes: list[ChangeLine]
    codes: list[str]  # the projects in the brief on as_of (what the map draws)
    statuses: dict[str, str]  # code -> status on as_of

    def printed(self, items: list[Any]) -> list[Any]:
        return items[:PRINTED_ITEMS]


def _name(r: dict[str, Any], lang: str) -> str:
    return display_name(r["name_vi"], r.get("name_en"), lang)


def project_attention(r: dict[str, Any], as_of: date, settings: Any, lang: str
                      ) -> list[Attention]:
    """Why one project (a register row on as_of) needs attention: none when closed."""
    if is_closed(r["status"]):
        return []
    found: list[Attention] = []
    name, status = _name(r, lang), r["status"]
    shown = facts.status_as_of(r)
    common = {"status": status_label(status, lang),
              "status_as_of": day_text(shown, lang, facts.status_as_of_precision(r))}

    def add(kind: str, numbers: dict[str, Any], key: str, **words: Any) -> None:
        found.append(Attention(kind, r["code"], name, status,
                               text(key, lang, **common, **words), numbers))

    late = facts.late_days(r, as_of)
    end_text = day_text(r.get("planned_end"), lang, r.get("planned_end_precision") or "day")
    if late is not None:
        confirmed = facts.late_confirmed(r, as_of)
        add("late" if confirmed else "late_unconfirmed",
            {"days_late": late, "planned_end": r.get("planned_end"),
             "status_as_of": shown, "late_confirmed": confirmed},
            "brief.reason.late" if confirmed else "brief.reason.late_unconfirmed",
            days=formatting.number(late, 0, lang), planned_end=end_text)
    start = r.get("actual_start") or r.get("planned_start")
    behind = behind_schedule(r.get("progress_pct"), start, r.get("planned_end"), as_of)
    if behind is not None:
        progress, expected = behind
        add("behind", {"progress_pct": progress, "expected_pct": expected,
                       "planned_start": start, "planned_end": r.get("planned_end")},
            "brief.reason.behind", progress=formatting.percent(progress, lang),
            expected=formatting.percent(expected, lang),
            start=day_text(start, lang), end=end_text)
    if facts.stale(r, as_of, settings):
        age = facts.status_age_days(r, as_of)
        limit = facts.stale_days(settings)
        add("stale", {"status_as_of": shown, "status_age_days": age, "stale_days": limit},
            "brief.reason.stale", age=formatting.number(age or 0, 0, lang),
            limit=formatting.number(limit, 0, lang))
    return found


def attention(rows: list[dict[str, Any]], as_of: date, settings: Any, lang: str
              ) -> dict[str, list[Attention]]:
    """The projects needing attention by kind, the most urgent first."""
    out: dict[str, list[Attention]] = {k: [] for k in ATTENTION_KINDS}
    for r in rows:
        for a in project_attention(r, as_of, settings, lang):
            out[a.kind].append(a)
    for items in out.values():
        items.sort(key=lambda a: (-(a.numbers.get("days_late") or
                                    a.numbers.get("status_age_days") or
                                    (a.numbers.get("expected_pct", 0) -
                                     a.numbers.get("progress_pct", 0))), a.code))
    return out


def change_line(c: Change, lang: str) -> ChangeLine:
    name = display_name(c.name_vi, c.name_en, lang)
    if c.kind == "status":
        words = text("brief.change.status", lang, old=status_label(c.old, lang),
                     new=status_label(c.new, lang))
    elif c.kind == "new_project":
        words = text("brief.change.new_project", lang, new=status_label(c.new, lang))
    elif c.kind == "disbursed":
        words = text("brief.change.disbursed", lang, old=formatting.vnd(c.old, lang),
                     new=formatting.vnd(c.new, lang))
    elif c.kind == "estimate":
        basis = label(vocab.ESTIMATE_BASES, c.detail, lang) if c.detail else None
        words = text("brief.change.estimate" if c.old is not None else
                     "brief.change.first_estimate", lang,
                     old=formatting.vnd(c.old, lang) if c.old is not None else "",
                     new=formatting.vnd(c.new, lang),
                     basis=basis or formatting.no_data(lang))
    elif c.kind == "planned_end":
        words = text("brief.change.planned_end", lang, old=c.old or formatting.no_data(lang),
                     new=c.new or formatting.no_data(lang))
    else:  # a kind a later finder adds, before its words are written
        words = text("brief.change.other", lang, kind=c.kind)
    return ChangeLine(c.kind, c.day, c.precision, c.code, name, c.old, c.new, words)


def build_brief(session: Session, f: ProjectFilter, as_of: date, since: date, settings: Any,
                lang: str = "vi") -> Brief:
    lines = timelines(session, f, as_of)
    now_rows = states(lines, f, as_of)
    then_rows = states(lines, f, since)
    groups: dict[str, Headline] = {}
    for group in GROUPS:
        def pick(rows: list[dict[str, Any]], g: str = group) -> list[dict[str, Any]]:
            return rows if g == "all" else [r for r in rows if facts.programme_role(r) == g]
        groups[group] = headline(group, figures(pick(now_rows), f.province),
                                 figures(pick(then_rows), f.province))
    selected = {r["id"] for r in now_rows}
    changes = find_changes(ChangeContext(session, [ln for ln in lines
                                                   if ln.project["id"] in selected],
                                         since, as_of))
    latest = max(now_rows, key=lambda r: r["update_as_of"], default=None)
    data_day = latest["update_as_of"] if latest else None
    data_prec = latest["update_as_of_precision"] if latest else None
    return Brief(
        title=text("brief.title", lang), as_of=as_of, since=since, lang=lang,
        filter=f.to_args(), filter_text=filter_text(f, lang),
        data_as_of=data_day, data_as_of_precision=data_prec,
        data_as_of_text=(text("print.data_as_of", lang, date=day_text(data_day, lang, data_prec
                                                                       or "day"))
                         if data_day else text("print.data_as_of_none", lang)),
        stale_days=facts.stale_days(settings), headline=groups,
        attention=attention(now_rows, as_of, settings, lang),
        changes=[change_line(c, lang) for c in changes],
        codes=[r["code"] for r in now_rows],
        statuses={r["code"]: r["status"] for r in now_rows})
