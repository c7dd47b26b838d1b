"""The shared filter and the key figures, on both databases."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString

from tests.conftest import TODAY
from tests.factories import make_project
from tracker.errors import BadParameter
from tracker.queries.figures import summary
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import count_projects, select_projects
from tracker.rules import LengthItem, km_total
from tracker.services.base import transaction


def codes(session, **args):
    return [p.code for p in select_projects(session, ProjectFilter.from_args(args))]


def test_filters_select_in_sql(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        assert codes(s, kind="bridge") == ["vam-xang-bridge"]
        assert "bon-tong-mot-ngan" in codes(s, q="bon tong")
        assert codes(s, q="Bốn Tổng") == codes(s, q="BON TONG")
        assert set(codes(s, status="completed,preparation")) >= {"ql61c-phase1", "ql61c-phase2"}
        assert "vam-xang-bridge" in codes(s, bbox="105.64,9.96,105.66,9.98")
        assert "chau-doc-can-tho-soc-trang-expressway" in codes(s, province="an-giang")
        by_owner = codes(s, owner="Hậu Giang")
        assert "ql61c-phase2" in by_owner  # owner: UBND tỉnh Hậu Giang
        for spelling in ("hau giang", "HẬU GIANG", "ubnd tinh hau"):
            assert codes(s, owner=spelling) == by_owner
        assert codes(s, owner="%") == [] and codes(s, owner="Kiên Giang") == []
        assert count_projects(s, ProjectFilter()) == len(codes(s))


@pytest.mark.parametrize("args, parameter", [
    ({"status": "done"}, "status"), ({"kind": "tunnel"}, "kind"),
    ({"bbox": "106,10,105,9"}, "bbox"), ({"bbox": "0,0,200,10"}, "bbox"),
    ({"updated_since": "yesterday"}, "updated_since"),
])
def test_bad_filter_values_name_the_parameter(args, parameter):
    with pytest.raises(BadParameter) as err:
        ProjectFilter.from_args(args)
    assert err.value.field == parameter


def test_filter_round_trips_through_query_args():
    f = ProjectFilter.from_args({"status": "proposed,completed", "q": "xà no",
                                 "bbox": "105,9,106,10"})
    assert ProjectFilter.from_args(f.to_args()) == f


def test_summary_sums_known_values_and_counts_unknown(seeded_app):
    from datetime import date

    with seeded_app.extensions["tracker"].sessions() as s:
        projects = select_projects(s, ProjectFilter())
        result = summary(s, ProjectFilter(), date.fromisoformat(TODAY))
        assert result.total.count == len(projects)
        known = [p.total_investment_vnd for p in projects if p.total_investment_vnd is not None]
        assert result.total.investment_vnd == sum(known)
        assert result.total.with_investment == len(known)
        assert sum(g.count for g in result.by_status.values()) == len(projects)
        # stated lengths where known, else measured, the QL61C corridor once (tracker.rules)
        expected = km_total(LengthItem(p.stated_length_km, p.length_km,
                                       p.geometry_accuracy == "approximate", p.corridor)
                            for p in projects)
        assert result.total.km == pytest.approx(expected.km)
        assert expected.corridor_shared == 1
        assert result.total.km < sum(p.stated_length_km or p.length_km or 0 for p in projects)
        late_codes = [p.code for p, _ in result.late]
        # opening was expected 19/12/2025 and no later update confirms it
        assert "can-tho-ca-mau-expressway" in late_codes
        assert all(days > 0 for _, days in result.late)


def test_bbox_matches_geometries_not_their_envelopes(app):
    """A diagonal line whose envelope covers the box's corner but whose line does not touch
    it is not selected, on either database (OGC API - Features: intersection)."""
    with app.extensions["tracker"].sessions() as s, transaction(s):
        s.add(make_project("diagonal", geometry=LineString([(105.0, 9.5), (106.0, 10.5)])))
        s.add(make_project("inside", geometry=LineString([(105.82, 10.02), (105.88, 10.08)])))
    box_off_line = "105.8,10.0,105.9,10.1"  # the line passes x=105.8 at y=10.3
    with app.extensions["tracker"].sessions() as s:
        got = [p.code for p in select_projects(s, ProjectFilter.from_args({"bbox": box_off_line}))]
        assert got == ["inside"]
        on_line = ProjectFilter.from_args({"bbox": "105.45,9.9,105.55,10.0"})
        assert [p.code for p in select_projects(s, on_line)] == ["diagonal"]
