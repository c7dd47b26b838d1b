"""Small builders of valid domain objects; tests change one thing to break one rule."""

from __future__ import annotations

from datetime import date
from typing import Any

from shapely.geometry import LineString, Point

from tracker.models import Project, ProjectProvince, StatusUpdate


def make_project(code: str = "test-road", **overrides: Any) -> Project:
    kind = overrides.pop("kind", "road")
    geometry = overrides.pop(
        "geometry", Point(105.65, 9.97) if kind == "bridge"
        else LineString([(105.50, 9.80), (105.60, 9.90)]))
    status = overrides.pop("status", "proposed")
    provinces = overrides.pop("provinces", ["hau-giang"])
    # current progress and disbursement come from the history, so they go on the update
    progress = overrides.pop("progress_pct", None)
    disbursed = overrides.pop("disbursed_vnd", None)
    fields: dict[str, Any] = dict(
        code=code, name_vi="Đường thử", name_en="Test road", kind=kind, field="transport",
        status=status, geometry=geometry, geometry_accuracy="approximate",
    )
    fields.update(overrides)
    p = Project(**fields)
    p.provinces = [ProjectProvince(province=x) for x in provinces]
    p.updates = [StatusUpdate(as_of=date(2021, 1, 1), as_of_precision="year", status=status,
                              progress_pct=progress, disbursed_vnd=disbursed, author="test")]
    return p
