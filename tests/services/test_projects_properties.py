"""Random sequences of edits, geometry replacements, status updates and investment estimates
(some of them refused) on SQLite and PostGIS: after each, the project's current values are
its history's, its total is its latest estimate's, the row version counts its audit entries,
and replaying the audit trail from nothing gives the project's current values, its history
and its estimates."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString
from sqlalchemy import select

from tracker import vocab
from tracker.audit import Actor
from tracker.errors import InvalidFields
from tracker.models import AuditEntry, Source
from tracker.queries.select import get_project
from tracker.services import estimates as estimate_service
from tracker.services import projects as service
from tracker.services.base import transaction

ACTORS = [Actor("lan"), Actor("minh"), Actor("an")]
TOTAL = 1_000_000_000_000
NUMBERS = itertools.count()

years = st.integers(2019, 2031)


@st.composite
def partial_dates(draw) -> str:
    y = draw(years)
    precision = draw(st.sampled_from(("year", "month", "day")))
    if precision == "year":
        return f"{y}"
    m = draw(st.integers(1, 12))
    return f"{y}-{m:02d}" if precision == "month" else f"{y}-{m:02d}-{draw(st.integers(1, 28)):02d}"


maybe_text = st.one_of(st.none(), st.text(
    alphabet="abc xyzĐđêơư<>{}&'\"", min_size=1, max_size=20))
edits = st.fixed_dictionaries({}, optional={
    "name_en": maybe_text, "governing_body": maybe_text, "description_vi": maybe_text,
    "total_investment_vnd": st.one_of(st.none(), st.integers(0, 2 * TOTAL)),
    "stated_length_km": st.one_of(st.none(), st.floats(0, 100)),
    "planned_start": st.one_of(st.none(), partial_dates()),
    "planned_end": st.one_of(st.none(), partial_dates()),
    "provinces": st.lists(st.sampled_from(vocab.codes(vocab.PROVINCES)), unique=True),
})
updates = st.fixed_dictionaries({
    "as_of": partial_dates(), "status": st.sampled_from(vocab.codes(vocab.STATUSES)),
    "source": st.just("prop-src")},
    optional={"progress_pct": st.one_of(st.none(), st.floats(0, 100), st.just(150.0)),
              "disbursed_vnd": st.one_of(st.none(), st.integers(0, TOTAL)),
              "note": maybe_text})
estimates = st.fixed_dictionaries({
    "amount_vnd": st.integers(0, 2 * TOTAL), "as_of": partial_dates(),
    "basis": st.sampled_from(vocab.codes(vocab.ESTIMATE_BASES)), "source": st.just("prop-src")},
    optional={"qualifier": st.sampled_from(vocab.codes(vocab.QUALIFIERS)),
              "note": maybe_text})
lines = st.lists(st.tuples(st.floats(105.0, 106.0), st.floats(9.5, 10.5)), min_size=2,
                 max_size=6, unique=True).map(LineString)
steps = st.lists(st.one_of(
    st.tuples(st.just("edit"), edits),
    st.tuples(st.just("update"), updates),
    st.tuples(st.just("estimate"), estimates),
    st.tuples(st.just("geometry"), lines)), min_size=1, max_size=8)


def _check(session, code: str) -> None:
    session.expire_all()
    p = get_project(session, code)
    history = sorted(p.updates, key=lambda u: (u.as_of, u.id))
    assert p.status == history[-1].status
    progress = [u.progress_pct for u in history if u.progress_pct is not None]
    disbursed = [u.disbursed_vnd for u in history if u.disbursed_vnd is not None]
    assert p.progress_pct == (progress[-1] if progress else None)
    assert p.disbursed_vnd == (disbursed[-1] if disbursed else None)
    entries = list(session.scalars(select(AuditEntry).where(
        AuditEntry.project_id == p.id).order_by(AuditEntry.id)))
    assert p.version_id == len(entries)  # one version per change, one entry per change
    assert [e.project_version for e in entries] == list(range(1, len(entries) + 1))
    if p.estimates:
        assert p.total_investment_vnd == max(p.estimates, key=lambda e: e.seq).amount_vnd
        dated = [e.as_of for e in sorted(p.estimates, key=lambda e: e.seq) if e.as_of]
        assert dated == sorted(dated)  # placed by date
    state: dict = {}
    replayed_history = []
    replayed_estimates = []
    for e in entries:
        for c in e.change_list:
            if c["field"] in ("update", "estimate"):
                assert c["old"] is None  # history is never rewritten
                (replayed_history if c["field"] == "update" else replayed_estimates).append(
                    c["new"])
            else:
                state[c["field"]] = c["new"]
    now = service.snapshot(p)
    assert {k: state.get(k) for k in now} == now
    key = repr
    assert sorted(map(key, replayed_history)) == sorted(
        key(service.update_values(u)) for u in p.updates)
    assert sorted(map(key, replayed_estimates)) == sorted(
        key(estimate_service.estimate_values(e)) for e in p.estimates)


@settings(max_examples=20, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=steps, first=updates)
def test_random_edits_keep_history_current_values_and_trail_in_step(session, steps, first):
    code = f"prop-{next(NUMBERS)}"
    if session.query(Source).filter_by(key="prop-src").first() is None:
        with transaction(session):
            session.add(Source(key="prop-src", publisher="Sở Xây dựng"))
    try:
        service.create_project(session, ACTORS[0], {
            "code": code, "name_vi": "Đường thử", "kind": "road",
            "total_investment_vnd": TOTAL, **first}, today=date(2026, 11, 21))
    except InvalidFields:
        session.rollback()
        assert get_project(session, code) is None
        return
    _check(session, code)
    for i, (what, value) in enumerate(steps):
        p = get_project(session, code)
        actor = ACTORS[i % len(ACTORS)]
        before = service.snapshot(p), p.version_id
        try:
            if what == "edit":
                service.edit_project(session, actor, p, value, expected_version=p.version_id,
                                     source="prop-src")
            elif what == "estimate":
                estimate_service.record_estimate(session, actor, p, value,
                                                 expected_version=p.version_id,
                                                 today=date(2026, 11, 21))
            elif what == "geometry":
                service.edit_project(session, actor, p, {
                    "geometry": value, "geometry_accuracy": "digitised"},
                    expected_version=p.version_id)
            else:
                service.record_update(session, actor, p, value,
                                      expected_version=p.version_id)
        except InvalidFields:
            session.rollback()
            session.expire_all()
            p = get_project(session, code)
            assert (service.snapshot(p), p.version_id) == before  # refused: nothing changed
        _check(session, code)
