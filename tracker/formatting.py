"""How numbers, money and dates look to a person: the Vietnamese way by default.

Unknown values are never shown as 0: they read "chưa có dữ liệu" / "no data". Times are
stored in UTC and shown in Vietnam time (Asia/Ho_Chi_Minh, UTC+7 without daylight saving),
never labelled "UTC" on a page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.dates import display_partial
from tracker.i18n import gettext
from tracker.vocab import QUALIFIER_SIGNS

NO_DATA = {"vi": "chưa có dữ liệu", "en": "no data"}
TY = 1_000_000_000
TRIEU = 1_000_000


def _vietnam() -> tzinfo:
    """Asia/Ho_Chi_Minh from the time-zone database; UTC+7 where the machine has none
    (the same offset for every date since 1975)."""
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=7), "ICT")


VIETNAM = _vietnam()


def no_data(lang: str = "vi") -> str:
    return NO_DATA["en" if lang == "en" else "vi"]


def number(value: float, decimals: int = 0, lang: str = "vi") -> str:
    """1250.5 -> '1.250,5' (vi) or '1,250.5' (en); trailing zero decimals dropped."""
    text = f"{value:,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    if lang == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def vnd(value: int | None, lang: str = "vi") -> str:
    """Money in đồng: '1.250 tỷ đồng', '500 triệu đồng' (en: '1,250 billion VND')."""
    if value is None:
        return no_data(lang)
    if abs(value) >= TY:
        amount, unit = value / TY, ("billion VND" if lang == "en" else "tỷ đồng")
    elif abs(value) >= TRIEU:
        amount, unit = value / TRIEU, ("million VND" if lang == "en" else "triệu đồng")
    else:
        amount, unit = float(value), ("VND" if lang == "en" else "đồng")
    return f"{number(amount, 2, lang)} {unit}"


def km(value: float | None, lang: str = "vi") -> str:
    return no_data(lang) if value is None else f"{number(value, 1, lang)} km"


def fixed(value: float, decimals: int, lang: str = "vi") -> str:
    """A number with exactly `decimals` decimals (a stated value at its source's precision:
    '37,152', '37,40')."""
    text = f"{value:,.{max(decimals, 0)}f}"
    if lang == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def stated_km(value: float | None, decimals: int | None, qualifier: str | None = None,
              lang: str = "vi") -> str:
    """A length as its source states it: '37,152 km', '≥ 37 km', '≈ 35 km'."""
    if value is None:
        return no_data(lang)
    text = fixed(value, decimals, lang) if decimals is not None else number(value, 3, lang)
    return f"{QUALIFIER_SIGNS.get(qualifier or 'exact', '')}{text} km"


def vnd_qualified(value: int | None, qualifier: str | None, lang: str = "vi") -> str:
    """Money with its qualifier: '≥ 44.690 tỷ đồng', '≈ 27.523 tỷ đồng'."""
    if value is None:
        return no_data(lang)
    return f"{QUALIFIER_SIGNS.get(qualifier or 'exact', '')}{vnd(value, lang)}"


def percent(value: float | None, lang: str = "vi") -> str:
    return no_data(lang) if value is None else f"{number(value, 1, lang)} %"


def day(value: date | None, lang: str = "vi") -> str:
    return no_data(lang) if value is None else value.strftime("%d/%m/%Y")


def vietnam_time(value: datetime) -> datetime:
    """A stored time (naive UTC, or aware) as Vietnam time."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM)


def moment(value: datetime | None, lang: str = "vi") -> str:
    """'21/11/2026 14:05' in Vietnam time (the page says which zone once, not per value)."""
    return no_data(lang) if value is None else vietnam_time(value).strftime("%d/%m/%Y %H:%M")


def local_time(value: datetime | None) -> str:
    """A stored UTC time as Vietnam reads it, '02/12/2026 14:05'; a dash when there is none
    (tables of accounts and of the audit trail)."""
    return "–" if value is None else moment(value)


def iso_moment(value: datetime | None) -> str | None:
    """The same instant in ISO 8601 with its +07:00 offset, for <time datetime>."""
    return None if value is None else vietnam_time(value).isoformat(timespec="minutes")


def status_age(as_of: date | None, precision: str | None, today: date, lang: str = "vi"
               ) -> str:
    """How long ago a status was true, at its date's precision: '349 ngày trước', 'khoảng
    17 tháng trước' (a month), 'khoảng 5 năm trước' (a year)."""
    if as_of is None:
        return gettext("status.undated", lang)
    days = (today - as_of).days
    if days < 0:
        return gettext("status.age_later", lang)
    if precision == "year":
        return gettext("status.age_years", lang, n=number(max(1, today.year - as_of.year),
                                                          0, lang))
    if precision == "month":
        months = (today.year - as_of.year) * 12 + today.month - as_of.month
        return gettext("status.age_months", lang, n=number(max(1, months), 0, lang))
    if days == 0:
        return gettext("status.age_today", lang)
    if days == 1:
        return gettext("status.age_day", lang)
    return gettext("status.age_days", lang, n=number(days, 0, lang))


def status_as_of(as_of: date | None, precision: str | None, today: date, lang: str = "vi"
                 ) -> str:
    """'18/12/2025 (349 ngày trước)', '07/2025 (khoảng 17 tháng trước)', '2021 (…)'."""
    shown = display_partial(as_of, precision)
    if shown is None:
        return gettext("status.undated", lang)
    return f"{shown} ({status_age(as_of, precision, today, lang)})"
