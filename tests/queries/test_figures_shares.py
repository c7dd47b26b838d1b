"""The dashboard's numbers under a province filter, on both databases: Hậu Giang counts the
Hậu Giang component of Châu Đốc – Cần Thơ – Sóc Trăng (35 km, 9.927 tỷ), not its 44.690 tỷ;
Cần Thơ – Cà Mau, whose sources split it into sections no province owns, counts whole and
says so; programme and related projects stay apart; the QL61C corridor counts once."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import TODAY
from tracker.queries.figures import summary
from tracker.queries.filter import ProjectFilter

TY = 10**9
DAY = date.fromisoformat(TODAY)


def _summary(app, **args):
    with app.extensions["tracker"].sessions() as s:
        return summary(s, ProjectFilter.from_args(args), DAY)


def test_hau_giang_filter_counts_hau_giangs_component(seeded_app):
    s = _summary(seeded_app, province="hau-giang")
    shares = {line.code: line.share for line in s.shares}
    chau_doc = shares["chau-doc-can-tho-soc-trang-expressway"]
    assert (chau_doc.amount_vnd, chau_doc.km, chau_doc.counted_whole) == (9_927 * TY, 35, False)
    assert chau_doc.km_qualifier == "approximate"
    assert shares["can-tho-ca-mau-expressway"].counted_whole
    related = s.by_role["related"]
    assert related.investment_vnd == (9_927 + 27_523) * TY  # not 44.690 + 27.523
    assert related.investment_qualifier == "approximate"
    assert related.counted_whole == 1
    assert s.by_role["programme"].count + related.count == s.total.count


def test_without_a_province_the_lower_bound_stays_a_lower_bound(seeded_app):
    s = _summary(seeded_app)
    related = s.by_role["related"]
    assert related.investment_vnd == (44_690 + 27_523) * TY
    assert related.investment_qualifier == "at_least"
    programme = s.by_role["programme"]
    # QL61C's current estimate only (the Japanese loan), never added to the related ones
    assert programme.investment_vnd == 3_556_690 * 10**6
    assert programme.corridor_shared == 1  # phases 1 and 2: one corridor
    assert programme.km_measured_approximate == programme.km_measured


@pytest.mark.parametrize("role", ["programme", "related"])
def test_one_role_selects_only_it(seeded_app, role):
    s = _summary(seeded_app, programme_role=role)
    assert list(s.by_role) == [role] and s.total.count == s.by_role[role].count


def test_the_summary_api_gives_them_together_only_when_asked(seeded_app):
    client = seeded_app.test_client()
    apart = client.get("/api/v1/summary").get_json()
    assert apart["total"] is None
    assert [r["programme_role"] for r in apart["by_role"]] == ["programme", "related"]
    together = client.get("/api/v1/summary?programme_role=all").get_json()
    assert together["total"]["count"] == sum(r["count"] for r in together["by_role"])
    bad = client.get("/api/v1/summary?programme_role=both")
    assert bad.status_code == 400 and "programme_role" in bad.get_data(as_text=True)
