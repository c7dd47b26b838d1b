"""The light reads the pages use (tracker.queries, the pages block), on both databases."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import TODAY
from tests.factories import make_project
from tracker.errors import BadParameter
from tracker.queries.figures import extent, summary, totals
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import map_rows, select_projects
from tracker.text import fold

today = date.fromisoformat(TODAY)


def codes(projects):
    return [p.code for p in projects]


def test_extent_counts_and_envelopes_the_selection(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        everything = extent(s, ProjectFilter())
        assert everything.count == everything.with_geometry == 10
        x0, y0, x1, y1 = everything.bounds
        assert 104.4 <= x0 < x1 <= 106.9 and 8.5 <= y0 < y1 <= 11.1
        bridge = extent(s, ProjectFilter.from_args({"kind": "bridge"}))
        assert bridge.count == 1 and bridge.bounds[0] == bridge.bounds[2]
        nothing = extent(s, ProjectFilter.from_args({"q": "no such thing"}))
        assert nothing == type(nothing)(0, 0, None)
        s.add(make_project("no-geometry-yet", geometry=None, geometry_accuracy=None))
        s.commit()
        assert extent(s, ProjectFilter()).count == 11
        assert extent(s, ProjectFilter()).with_geometry == 10


def test_totals_agree_with_summary(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        for args in ({}, {"status": "under_construction"}, {"kind": "road"}):
            f = ProjectFilter.from_args(args)
            assert totals(s, f) == summary(s, f, today).total


def test_table_page_sorts_late_status_and_english_names(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        s.add(make_project("late-road", status="under_construction", name_vi="Đường trễ",
                           planned_end=date(2026, 1, 31), planned_end_precision="month"))
        s.add(make_project("done-road", status="completed", name_vi="Đường xong",
                           planned_end=date(2020, 1, 1), planned_end_precision="day"))
        s.commit()
        f = ProjectFilter()
        most_late = codes(select_projects(s, f, sort="late", desc=True, today=today))
        assert most_late[:2] == ["can-tho-ca-mau-expressway", "late-road"]
        least_late = codes(select_projects(s, f, sort="late", today=today))
        assert least_late[:2] == ["late-road", "can-tho-ca-mau-expressway"]
        assert most_late.index("done-road") > 1  # completed is never late

        from tracker import vocab

        order = {st.code: st.order for st in vocab.STATUSES}
        statuses = [order[p.status] for p in select_projects(s, f, sort="status")]
        assert statuses == sorted(statuses)
        # by the name shown (the database's collation decides accents; first letters agree)
        english = [p.name_en or p.name_vi for p in
                   select_projects(s, f, sort="name", lang="en")]
        initials = [fold(name)[0] for name in english]
        assert initials == sorted(initials)
        vietnamese = codes(select_projects(s, f, sort="name"))
        assert vietnamese[::-1] == codes(select_projects(s, f, sort="name", desc=True))
        assert vietnamese != codes(select_projects(s, f, sort="name", lang="en"))

        page = select_projects(s, f, limit=3, offset=3)
        assert codes(page) == codes(select_projects(s, f))[3:6]
        assert codes(select_projects(s, f, limit=None)) == codes(select_projects(s, f))
        with pytest.raises(BadParameter):
            select_projects(s, f, sort="colour")


def test_map_rows_are_the_drawable_projects(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        s.add(make_project("no-geometry-yet", geometry=None, geometry_accuracy=None))
        s.commit()
        rows = map_rows(s, ProjectFilter())
        assert len(rows) == 10 and "no-geometry-yet" not in [r.code for r in rows]
        bridge = map_rows(s, ProjectFilter.from_args({"kind": "bridge"}))[0]
        assert bridge.code == "vam-xang-bridge" and bridge.geometry.geom_type == "Point"


def test_selection_fingerprint_changes_with_any_change(seeded_app):
    """The map's ETag (like the API's) follows every edit and deletion in the selection."""
    from tracker.queries.figures import selection_stats
    from tracker.queries.select import get_project
    from tracker.services.seed import record_update

    roads = ProjectFilter.from_args({"kind": "road"})
    with seeded_app.extensions["tracker"].sessions() as s:
        def version():
            return selection_stats(s, roads).fingerprint()

        before = version()
        assert version() == before
        record_update(s, get_project(s, "dt926"), as_of=date(2026, 1, 1), status="suspended",
                      author="test")
        after_update = version()
        assert after_update != before
        s.delete(get_project(s, "dt932"))
        s.commit()
        assert version() != after_update
