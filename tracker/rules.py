"""The register's business rules as plain functions over plain values: no SQL, no Flask.

Where a rule also runs in SQL (the filters and sorts), its twin lives in `queries/select.py` and a
test pins the two equal on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, Protocol

CLOSED = ("completed", "cancelled")


class ProjectFacts(Protocol):
    """What the rules read of a project: an ORM Project or the fast path's plain facts."""

    status: str
    planned_end: date | None
    total_investment_vnd: int | None
    disbursed_vnd: int | None


def is_closed(status: str | None) -> bool:
    """A completed or cancelled project can be neither late nor stale."""
    return status in CLOSED


def disbursement_rate(project: ProjectFacts) -> float | None:
    """Disbursed / total investment, in %; None when either is unknown or the total is 0."""
    return share_pct(project.disbursed_vnd, project.total_investment_vnd)


def share_pct(part: float | None, whole: float | None) -> float | None:
    """part / whole in % to one decimal; None when either is unknown or the whole is 0."""
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 1)


def display_name(name_vi: str, name_en: str | None, lang: str) -> str:
    """The name in the reader's language: English when asked and known, else Vietnamese."""
    return name_en if lang == "en" and name_en else name_vi


def days_late(project: ProjectFacts, today: date) -> int | None:
    """Days since the planned end passed, for a project not completed or cancelled; else None.

    A year- or month-precision planned end counts from the last day of its period.
    """
    if project.planned_end is None or is_closed(project.status):
        return None
    late = (today - project.planned_end).days
    return late if late > 0 else None


# --------------------------------------------------------------------------- figures (issue 9)

QUALIFIER_ORDER = ("exact", "approximate", "at_least")


def effective_length_km(stated: float | None, measured: float | None
                        ) -> tuple[float | None, str | None]:
    """The length a total uses and where it comes from: the stated one where a source gives
    it ("stated"), else the one measured on the map ("measured"); (None, None) if neither."""
    if stated is not None:
        return stated, "stated"
    if measured is not None:
        return measured, "measured"
    return None, None


def combined_qualifier(qualifiers: Iterable[str | None]) -> str:
    """How a sum of figures is stated: a lower bound if any part is one ("≥"), about if any
    part is approximate ("≈"), else exact. An unknown qualifier counts as exact."""
    worst = 0
    for q in qualifiers:
        if q in QUALIFIER_ORDER:
            worst = max(worst, QUALIFIER_ORDER.index(q))
    return QUALIFIER_ORDER[worst]


def same_estimate_share(part: float | None, part_estimate: str | None,
                        whole: float | None, whole_estimate: str | None) -> float | None:
    """part / whole in %, only when both figures belong to the same estimate (a funding line
    of a later estimate is never divided by the first proposal); else None."""
    if part_estimate is None or part_estimate != whole_estimate:
        return None
    return share_pct(part, whole)


class LengthItem(NamedTuple):
    """What a km total reads of one project (a tuple: totals build thousands)."""

    stated_km: float | None
    measured_km: float | None
    approximate: bool  # the geometry is approximate
    corridor: str | None = None


@dataclass(frozen=True)
class KmTotal:
    km: float
    stated: int  # projects counted with their stated length
    measured: int  # ... with the length measured on the map
    measured_on_approximate: int  # ... measured on an approximate line
    corridor_shared: int  # projects left out because their corridor is already counted


def km_total(items: Iterable[LengthItem]) -> KmTotal:
    """Stated lengths where known, else measured ones; a corridor several projects share
    (QL61C phases 1 and 2) is counted once, with the longest of its projects' lengths."""
    corridors: dict[str, tuple[float, str, bool]] = {}
    singles: list[tuple[float, str, bool]] = []
    shared = 0
    for it in items:
        km, source = effective_length_km(it.stated_km, it.measured_km)
        if km is None or source is None:
            continue
        entry = (km, source, it.approximate)
        if it.corridor is None:
            singles.append(entry)
        elif it.corridor in corridors:
            shared += 1
            if km > corridors[it.corridor][0]:
                corridors[it.corridor] = entry
        else:
            corridors[it.corridor] = entry
    counted = singles + list(corridors.values())
    measured = [e for e in counted if e[1] == "measured"]
    return KmTotal(km=sum(e[0] for e in counted),
                   stated=len(counted) - len(measured), measured=len(measured),
                   measured_on_approximate=sum(1 for e in measured if e[2]),
                   corridor_shared=shared)


@dataclass(frozen=True)
class ComponentFacts:
    province: str | None
    stated_length_km: float | None
    amount_vnd: int | None
    length_qualifier: str | None = None
    amount_qualifier: str | None = None


@dataclass(frozen=True)
class ProvinceShare:
    """A project's part in some provinces: its components there, or the whole project when
    the sources give no split for them (`counted_whole`)."""

    km: float | None
    amount_vnd: int | None
    km_qualifier: str
    amount_qualifier: str
    counted_whole: bool


def province_share(components: Sequence[ComponentFacts], provinces: Iterable[str],
                   whole_km: float | None, whole_vnd: int | None,
                   whole_qualifier: str | None = None) -> ProvinceShare:
    """The project's share in `provinces`: the sum of its components in them (km and money,
    with the qualifier of the sum); the whole project, marked `counted_whole`, when no
    component of it lies in them (its split is unknown there)."""
    wanted = set(provinces)
    mine = [c for c in components if c.province is not None and c.province in wanted]
    if not mine:
        return ProvinceShare(whole_km, whole_vnd, "exact",
                             combined_qualifier([whole_qualifier]), True)
    lengths = [c.stated_length_km for c in mine if c.stated_length_km is not None]
    amounts = [c.amount_vnd for c in mine if c.amount_vnd is not None]
    return ProvinceShare(
        km=sum(lengths) if lengths else None,
        amount_vnd=sum(amounts) if amounts else None,
        km_qualifier=combined_qualifier(c.length_qualifier for c in mine),
        amount_qualifier=combined_qualifier(c.amount_qualifier for c in mine),
        counted_whole=False)
