"""The register's business rules as plain functions over plain values: no SQL, no Flask.

Where a rule also runs in SQL (the filters and sorts), its twin lives in `queries/select.py` and a
test pins the two equal on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
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


# ------------------------------------------------------------------ how old a status is

STALE_DAYS = 180  # the default of settings.stale_days (TRACKER_STALE_DAYS)


def status_age_days(as_of: date | None, today: date) -> int | None:
    """Days from the date the shown status is true as of to today; None when it has no date.

    A month- or year-precision status counts from the first day of its period (the date
    StatusUpdate stores), so its age is never understated."""
    return None if as_of is None else (today - as_of).days


def is_stale(status: str | None, as_of: date | None, today: date,
             stale_days: int = STALE_DAYS) -> bool:
    """The status needs an update: older than `stale_days` (or undated) and not closed.

    A completed or cancelled project stays as it is: its last status never goes stale."""
    if is_closed(status):
        return False
    age = status_age_days(as_of, today)
    return age is None or age > stale_days


def stale_since(today: date, stale_days: int = STALE_DAYS) -> date:
    """The oldest as-of date that is not stale today: is_stale's `age > stale_days` as a
    date, for SQL (an open project whose status is dated before it is stale)."""
    return today - timedelta(days=stale_days)


def late_confirmed(planned_end: date | None, status_as_of: date | None,
                   days_late: int | None) -> bool | None:
    """Whether a lateness rests on a status dated on or after the planned end.

    None when the project is not late (`days_late` None). False when the status behind it
    is dated before the planned end (or undated): nobody has said what happened since the
    end passed, so the lateness is "overdue — unconfirmed", not a fact."""
    if days_late is None:
        return None
    if planned_end is None or status_as_of is None:
        return False
    return status_as_of >= planned_end


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
@dataclass(frozen=True)
class CountedPart:
    """What a total counts of one project: its length item, money and disbursement, either
    the whole project or (under a province filter, where the sources split it) its share."""

    length: LengthItem
    investment_vnd: int | None
    investment_qualifier: str | None
    disbursed_vnd: int | None
    counted_whole: bool  # a province filter, but no split known for it: the whole project
    share: ProvinceShare | None  # under a province filter


def counted_part(stated_km: float | None, measured_km: float | None, approximate: bool,
                 corridor: str | None, total_vnd: int | None, qualifier: str | None,
                 disbursed_vnd: int | None, components: Sequence[ComponentFacts],
                 provinces: Sequence[str]) -> CountedPart:
    """One project as the dashboard, the API's summary and the brief count it: whole when no
    province is asked for; else its components in those provinces (a component's length is
    stated, its disbursement unknown), or the whole project marked counted_whole."""
    whole = LengthItem(stated_km, measured_km, approximate, corridor)
    if not provinces:
        return CountedPart(whole, total_vnd, qualifier, disbursed_vnd, False, None)
    share = province_share(components, provinces, effective_length_km(stated_km, measured_km)[0],
                           total_vnd, qualifier)
    if share.counted_whole:
        return CountedPart(whole, total_vnd, qualifier, disbursed_vnd, True, share)
    return CountedPart(LengthItem(share.km, None, False, None), share.amount_vnd,
                       share.amount_qualifier, None, False, share)


BEHIND_MARGIN = 15  # percentage points of progress below the share of planned time elapsed


def behind_schedule(progress_pct: float | None, planned_start: date | None,
                    planned_end: date | None, today: date, margin: float = BEHIND_MARGIN
                    ) -> tuple[float, float] | None:
    """(progress, expected) when the progress is more than `margin` points below the share of
    the planned time elapsed by `today` (both in %, the expected share to one decimal); None
    when it is not behind, or when the progress or either planned date is unknown (or the plan
    has no length). The caller leaves closed projects out (they can be neither late nor
    behind)."""
    if progress_pct is None or planned_start is None or planned_end is None:
        return None
    length = (planned_end - planned_start).days
    if length <= 0:
        return None
    elapsed = min(max((today - planned_start).days, 0), length)
    expected = round(100.0 * elapsed / length, 1)
    if progress_pct + margin < expected:
        return (float(progress_pct), expected)
    return None
