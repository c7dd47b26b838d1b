"""The fast read path (tracker.queries.records) gives exactly what the ORM path gives, on
both databases, and its feature cache never serves a stale project."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from tests.conftest import TODAY
from tracker import fields
from tracker.fields import RECORD_FIELDS
from tracker.formats.base import geometries
from tracker.periods import Period
from tracker.queries.features import FeatureCache, select_features
from tracker.queries.figures import projects_extent, selection_stats
from tracker.queries.filter import ProjectFilter
from tracker.queries.records import project_record, select_records
from tracker.queries.select import select_keys, select_projects
from tracker.services.base import transaction

DAY = date.fromisoformat(TODAY)


def _orm_records(session, f):
    return [project_record(p, DAY) for p in select_projects(session, f)]


@pytest.mark.parametrize("args", [
    {}, {"kind": "road"}, {"status": "completed,preparation"}, {"q": "bon tong"},
    {"province": "an-giang"}, {"bbox": "105.5,9.5,106,10.2"}, {"owner": "hậu giang"},
])
def test_select_records_equals_project_record(seeded_app, args):
    f = ProjectFilter.from_args(args)
    with seeded_app.extensions["tracker"].sessions() as s:
        expected = _orm_records(s, f)
        got = select_records(s, f, DAY)
        assert got.records == expected
        assert [list(r) for r in got.records] == [list(RECORD_FIELDS)] * len(expected)
        projects = {p.code: p for p in select_projects(s, f)}
        for record, wkb, box in zip(got.records, got.wkb, got.bbox, strict=True):
            p = projects[record["code"]]
            assert (wkb is None) == (p.geometry is None)
            if wkb is not None:
                assert geometries([wkb])[0].equals_exact(p.geometry, 0)
                assert box == pytest.approx(p.geometry.bounds)


def test_paging_is_stable_by_code(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        every = [r["code"] for r in select_records(s, ProjectFilter(), DAY).records]
        assert every == sorted(every)
        pages = [r["code"] for off in range(0, len(every), 3)
                 for r in select_records(s, ProjectFilter(), DAY, limit=3, offset=off).records]
        assert pages == every
        assert [k[1] for k in select_keys(s, ProjectFilter(), limit=4, offset=2)] == every[2:6]


def test_period_filter_uses_actual_then_planned_dates(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        projects = select_projects(s, ProjectFilter())

        def expected(period):
            out = []
            for p in projects:
                start = p.actual_start or p.planned_start
                end = p.actual_end or p.planned_end
                if start is None and end is None:
                    continue
                if period.end is not None and start is not None and start > period.end:
                    continue
                if period.start is not None and end is not None and end < period.start:
                    continue
                out.append(p.code)
            return sorted(out)

        for period in (Period(date(2026, 1, 1), date(2026, 12, 31)), Period(None, date(2013, 1, 1)),
                       Period(date(2027, 6, 1), None), Period(DAY, DAY)):
            f = ProjectFilter(period=period)
            got = [r["code"] for r in select_records(s, f, DAY).records]
            assert got == expected(period)
            assert selection_stats(s, f).count == len(got)
            assert ProjectFilter.from_args(f.to_args()) == f
        assert expected(Period(date(2027, 6, 1), None))  # the seed has a project ending 2027


def test_extent_is_computed_from_the_data(seeded_app):
    import shapely

    with seeded_app.extensions["tracker"].sessions() as s:
        projects = select_projects(s, ProjectFilter())
        bbox, span = projects_extent(s)
        geoms = [p.geometry for p in projects if p.geometry is not None]
        assert bbox == pytest.approx(tuple(shapely.total_bounds(geoms)))
        periods = [(p.actual_start or p.planned_start, p.actual_end or p.planned_end)
                   for p in projects]
        periods = [(a, b) for a, b in periods if a or b]
        open_start = any(a is None for a, _b in periods)
        open_end = any(b is None for _a, b in periods)
        assert span[0] == (None if open_start else min(a for a, _b in periods))
        assert span[1] == (None if open_end else max(b for _a, b in periods))


def test_stats_change_when_a_project_changes(seeded_app):
    with seeded_app.extensions["tracker"].sessions() as s:
        before = selection_stats(s, ProjectFilter())
        assert before.count == len(select_projects(s, ProjectFilter()))
        p = select_projects(s, ProjectFilter.from_args({"kind": "bridge"}))[0]
        with transaction(s):
            p.name_en = "Vàm Xáng bridge (renamed)"
        after = selection_stats(s, ProjectFilter())
        assert after.fingerprint() != before.fingerprint()
        with transaction(s):
            s.delete(p)
        gone = selection_stats(s, ProjectFilter())
        assert gone.count == before.count - 1 and gone.fingerprint() != after.fingerprint()


def test_feature_cache_serves_fresh_features_only(seeded_app):
    cache = FeatureCache()
    f = ProjectFilter()
    with seeded_app.extensions["tracker"].sessions() as s:
        plain = select_features(s, f, DAY)
        assert select_features(s, f, DAY, cache=cache) == plain
        assert len(cache) == len(plain)
        assert select_features(s, f, DAY, cache=cache, limit=3, offset=2) == plain[2:5]
        p = select_projects(s, ProjectFilter.from_args({"kind": "bridge"}))[0]
        with transaction(s):
            p.name_en = "Vàm Xáng bridge (renamed)"
        fresh = select_features(s, f, DAY, cache=cache)
        assert fresh == select_features(s, f, DAY)
        names = {orjson.loads(x)["id"]: orjson.loads(x)["properties"]["name_en"] for x in fresh}
        assert names[p.code] == "Vàm Xáng bridge (renamed)"
        assert len(cache) == len(plain)  # the old version was dropped
        # another day: days_late changes, so nothing cached for today is reused
        tomorrow = select_features(s, f, date(2026, 11, 22), cache=cache)
        assert tomorrow == select_features(s, f, date(2026, 11, 22))


def test_feature_cache_is_bounded():
    cache = FeatureCache(max_items=3)
    cache.put_many(((i, "t", DAY), b"x") for i in range(5))
    assert len(cache) == 3 and cache.get((0, "t", DAY)) is None and cache.get((4, "t", DAY))
    cache.put_many([((4, "t2", DAY), b"yy")])  # a newer version replaces the older
    assert cache.get((4, "t", DAY)) is None and len(cache) == 3 and cache.size == 4
    small = FeatureCache(max_bytes=10)
    small.put_many(((i, "t", DAY), b"12345") for i in range(4))
    assert len(small) == 2 and small.size == 10
    cache.clear()
    assert len(cache) == 0 and cache.size == 0


def test_field_table_matches_the_record():
    fields.check_consistency()
    assert all(len(f.shp) <= 10 for f in fields.FIELDS)
