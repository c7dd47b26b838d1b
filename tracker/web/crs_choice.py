"""The CRS choice of the pages that read a GIS file (the import, a project's geometry): the
file's own declaration, WGS 84, or one of the VN-2000 systems the register converts exactly."""

from __future__ import annotations

from tracker import geo
from tracker.errors import ValidationError
from tracker.i18n import gettext

CRS_CHOICES = ("", "EPSG:4326", *(f"EPSG:{code}" for code in geo.VN2000_CRS))


def crs_label(code: str) -> str:
    if not code:
        return gettext("import.crs.declared")
    number = int(code.removeprefix("EPSG:"))
    return f"{code} {geo.VN2000_CRS.get(number, 'WGS 84')}"


def crs_choices() -> list[tuple[str, str]]:
    """(value, label) pairs in the reader's language."""
    return [(code, crs_label(code)) for code in CRS_CHOICES]


def chosen_crs(value: str | None, field: str = "crs") -> str | None:
    """The chosen CRS (None: as the file declares); ValidationError for a value not offered."""
    crs = (value or "").strip()
    if crs not in CRS_CHOICES:
        raise ValidationError(gettext("import.error.crs"), field=field)
    return crs or None
