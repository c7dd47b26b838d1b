"""Hostile seed files: each is refused by `tracker seed --file` with exit code 1 and a message
naming the feature (its index and code) or the source, and the field; the database is byte for
byte what it was (every table dumped before and after, on SQLite and on PostGIS)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from tests.conftest import SEED_FILE, TODAY
from tracker import create_app
from tracker.models import Project

SEED: dict[str, Any] = json.loads(SEED_FILE.read_text(encoding="utf-8"))
VICTIM = len(SEED["features"])  # the last feature, 1-based as the messages count
CODE = SEED["features"][-1]["properties"]["code"]
FEATURE = f"feature {VICTIM} ({CODE})"
SOURCE = next(iter(SEED["sources"]))  # a source key every case may spoil
SOURCE_LABEL = f"source '{SOURCE}'"


def database_dump(engine: Engine) -> str:
    """Every row of every table, in a fixed order: SQLite's own dump; on PostGIS each table
    read ORDER BY all its columns. (PostGIS's spatial_ref_sys belongs to the extension.)"""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            return "\n".join(raw.driver_connection.iterdump())  # type: ignore[union-attr]
        finally:
            raw.close()
    lines = []
    with engine.connect() as conn:
        columns = conn.execute(text(
            "SELECT table_name, count(*) FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name <> 'spatial_ref_sys' "
            "AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE') "
            "GROUP BY table_name ORDER BY table_name")).all()
        assert {"projects", "status_updates", "sources"} <= {t for t, _ in columns}
        for table, ncols in columns:
            order = ", ".join(str(i) for i in range(1, ncols + 1))
            lines.append(f"-- {table}")
            for row in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}')):
                lines.append(repr(tuple(bytes(v) if isinstance(v, memoryview) else v
                                        for v in row)))
    return "\n".join(lines)


def encode(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def props(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = data["features"][-1]["properties"]
    return result


def edit(change: Callable[[dict[str, Any]], Any]) -> Callable[[], bytes]:
    """A seed file with one change made to a copy of the real one."""
    def build() -> bytes:
        data = copy.deepcopy(SEED)
        change(data)
        return encode(data)
    return build


def spliced(change: Callable[[dict[str, Any]], Any], marker: str, raw: bytes
            ) -> Callable[[], bytes]:
    """A seed file where the JSON text of `marker` (set by `change`) is replaced by `raw`."""
    def build() -> bytes:
        data = copy.deepcopy(SEED)
        change(data)
        out = encode(data)
        assert out.count(json.dumps(marker).encode()) == 1
        return out.replace(json.dumps(marker).encode(), raw)
    return build


def line(n: int) -> list[list[float]]:
    return [[105.5 + i * 1e-5, 9.8 + (i % 2) * 1e-5] for i in range(n)]


HOSTILE: list[tuple[str, Callable[[], bytes], tuple[str, ...]]] = [
    # tracebacks before
    ("properties null", edit(lambda d: d["features"][-1].update(properties=None)),
     (FEATURE, "properties")),
    ("properties a list", edit(lambda d: d["features"][-1].update(properties=[1, 2])),
     (FEATURE, "properties")),
    ("sources a list", edit(lambda d: d.update(sources=[dict(d["sources"][SOURCE])])),
     ("sources", "must be an object")),
    ("a feature's sources an object", edit(lambda d: props(d).update(sources={"ref": SOURCE})),
     (FEATURE, "sources", "must be a list")),
    ("a bad published date", edit(lambda d: d["sources"][SOURCE].update(published="2021-02-30")),
     (SOURCE_LABEL, "published", "not a real date")),
    ("a numeric published date", edit(lambda d: d["sources"][SOURCE].update(published=20210101)),
     (SOURCE_LABEL, "published", "YYYY-MM-DD")),
    ("a published date in 1900", edit(lambda d: d["sources"][SOURCE].update(
        published="1900-01-01")), (SOURCE_LABEL, "published", "1975–2100")),
    ("non-UTF-8 bytes in a name", spliced(lambda d: props(d).update(name_vi="@@"), "@@",
                                          b'"Cau \xff\xfe"'), (FEATURE, "name_vi", "UTF-8")),
    ("non-UTF-8 bytes between tokens", spliced(lambda d: props(d).update(name_vi="@@"), "@@",
                                               b'\xff"x"'), ("not UTF-8", "line 1")),
    ("100,000 nested lists", spliced(lambda d: props(d).update(description_en="@@"), "@@",
                                     b"[" * 100_000 + b"]" * 100_000),
     (FEATURE, "description_en", "nested deeper")),
    ("40 nested lists", spliced(lambda d: props(d).update(description_en="@@"), "@@",
                                b"[" * 40 + b"]" * 40),
     (FEATURE, "description_en", "nested deeper")),
    ("money of 10^30", edit(lambda d: props(d)["estimates"][0].update(amount_vnd=10**30)),
     (FEATURE, "estimate 1", "amount_vnd", "largest")),
    ("money of 2^63 in a funding line",
     edit(lambda d: props(d).update(funding=[{"source_type": "oda", "amount_vnd": 2**63}])),
     (FEATURE, "funding line 1", "amount_vnd", "largest")),
    ("money of 5,000 digits", spliced(lambda d: props(d)["estimates"][0].update(
        amount_vnd="@@"), "@@", b"9" * 5000),
     (FEATURE, "amount_vnd", "5,000 digits")),
    # silently accepted before
    ("an Infinity length", edit(lambda d: props(d).update(stated_length_km=float("inf"))),
     (FEATURE, "stated_length_km", "finite")),
    ("a 1e400 length", spliced(lambda d: props(d).update(stated_length_km="@@"), "@@",
                               b"1e400"), (FEATURE, "stated_length_km", "finite")),
    ("a NaN progress", edit(lambda d: props(d)["updates"][0].update(progress_pct=float("nan"))),
     (FEATURE, "update 1", "progress_pct")),
    ("an existing update edited to progress 150",
     edit(lambda d: props(d)["updates"][0].update(progress_pct=150)),
     (FEATURE, "update 1", "progress_pct", "between 0 and 100")),
    ("a 5,000-character name", edit(lambda d: props(d).update(name_vi="Đường " * 1000)),
     (FEATURE, "name_vi", "at most 300")),
    ("a 20,000-character description", edit(lambda d: props(d).update(
        description_vi="Mô tả. " * 3000)), (FEATURE, "description_vi", "at most 10,000")),
    ("a 501-character source title", edit(lambda d: d["sources"][SOURCE].update(
        title="T" * 501)), (SOURCE_LABEL, "title", "at most 500")),
    ("a year-9999 update", edit(lambda d: props(d)["updates"].append(
        {**props(d)["updates"][-1], "as_of": "9999-01-01"})),
     (FEATURE, f"update {len(SEED['features'][-1]['properties']['updates']) + 1}", "as_of",
      "1975–2100")),
    ("a planned end in 1900", edit(lambda d: props(d).update(planned_end="1900")),
     (FEATURE, "planned_end", "1975–2100")),
    ("fullwidth digits in a date", edit(lambda d: props(d).update(planned_end="２０３０")),
     (FEATURE, "planned_end", "ISO 8601")),
    ("a budget year 3000", edit(lambda d: props(d).update(funding=[
        {"source_type": "oda", "budget_year": 3000}])), (FEATURE, "budget_year")),
    ("NUL in a name", edit(lambda d: props(d).update(name_vi="Cầu\x00")),
     (FEATURE, "name_vi", "U+0000")),
    ("ESC in a description", edit(lambda d: props(d).update(
        description_en="red \x1b[31malert\x1b[0m")), (FEATURE, "description_en", "U+001B")),
    ("RLO in a name", edit(lambda d: props(d).update(name_en="Road \u202egnp.exe")),
     (FEATURE, "name_en", "U+202E")),
    ("an isolate in a note", edit(lambda d: props(d)["updates"][0].update(note="a\u2067b")),
     (FEATURE, "update 1", "note", "U+2067")),
    ("a C1 control in a note", edit(lambda d: props(d)["updates"][0].update(note="a\x9bb")),
     (FEATURE, "update 1", "note", "U+009B")),
    ("a tab in a one-line name", edit(lambda d: props(d).update(name_vi="Cầu\tmới")),
     (FEATURE, "name_vi", "U+0009")),
    ("a newline in a source publisher", edit(lambda d: d["sources"][SOURCE].update(
        publisher="Báo\nCần Thơ")), (SOURCE_LABEL, "publisher", "U+000A")),
    ("a lone surrogate", spliced(lambda d: props(d).update(name_vi="@@"), "@@", b'"a\\ud800"'),
     (FEATURE, "name_vi", "U+D800")),
    ("duplicate keys in a feature", spliced(lambda d: props(d).update(name_vi="@@"), "@@",
                                            b'"A", "name_vi": "B"'),
     (FEATURE, "name_vi", "twice")),
    ("duplicate keys in a source", spliced(lambda d: d["sources"][SOURCE].update(
        title="@@"), "@@", b'"A", "title": "B"'), (SOURCE_LABEL, "title", "twice")),
    ("a javascript: URL", edit(lambda d: d["sources"][SOURCE].update(url="javascript:alert(1)")),
     (SOURCE_LABEL, "url", "http")),
    ("a vbscript: URL", edit(lambda d: d["sources"][SOURCE].update(url="vbscript:msgbox(1)")),
     (SOURCE_LABEL, "url", "http")),
    ("a data: URL", edit(lambda d: d["sources"][SOURCE].update(
        url="data:text/html,<script>alert(1)</script>")), (SOURCE_LABEL, "url", "http")),
    ("a bracketed host", edit(lambda d: d["sources"][SOURCE].update(url="http://[x]/")),
     (SOURCE_LABEL, "url", "not a valid URL")),
    ("a URL with credentials", edit(lambda d: d["sources"][SOURCE].update(
        url="https://user:pw@example.org/")), (SOURCE_LABEL, "url", "password")),
    ("a NaN coordinate", edit(lambda d: d["features"][-1]["geometry"].update(
        coordinates=[[float("nan"), 9.8], [105.6, 9.9]])), (FEATURE, "geometry", "finite")),
    ("60,000 vertices", edit(lambda d: d["features"][-1]["geometry"].update(
        coordinates=line(60_000))), (FEATURE, "geometry", "TRACKER_MAX_VERTICES")),
    ("geometry a list", edit(lambda d: d["features"][-1].update(geometry=[105.6, 9.9])),
     (FEATURE, "geometry")),
    ("an update citing a list", edit(lambda d: props(d)["updates"][0].update(source=[SOURCE])),
     (FEATURE, "update 1", "source")),
    ("funding an object", edit(lambda d: props(d).update(funding={"source_type": "oda"})),
     (FEATURE, "funding", "must be a list")),
    ("provinces a string", edit(lambda d: props(d).update(provinces="can-tho")),
     (FEATURE, "provinces")),
    ("a status that is a number", edit(lambda d: props(d)["updates"][0].update(status=3)),
     (FEATURE, "update 1", "status")),
]


@pytest.fixture
def seeded_runner(seeded_app):
    return seeded_app.test_cli_runner()


@pytest.mark.parametrize("build, expected", [c[1:] for c in HOSTILE],
                         ids=[c[0] for c in HOSTILE])
def test_a_hostile_file_exits_1_names_feature_and_field_and_writes_nothing(
        seeded_app, seeded_runner, tmp_path, build, expected):
    engine = seeded_app.extensions["tracker"].engine
    before = database_dump(engine)
    path = tmp_path / "hostile.geojson"
    path.write_bytes(build())
    result = seeded_runner.invoke(args=["seed", "--file", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    message = result.output.strip().splitlines()[-1]
    for part in expected:
        assert part in message, (part, message)
    assert all(ch == "\n" or ch >= " " for ch in result.output)  # no control reaches a terminal
    assert database_dump(engine) == before


def test_the_real_seed_file_with_a_bom_is_accepted(seeded_app, seeded_runner, tmp_path):
    engine = seeded_app.extensions["tracker"].engine
    before = database_dump(engine)
    path = tmp_path / "bom.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + SEED_FILE.read_bytes())
    result = seeded_runner.invoke(args=["seed", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated" in result.output
    assert database_dump(engine) == before


def test_multi_line_text_keeps_tabs_and_newlines(seeded_app, seeded_runner, tmp_path):
    before = database_dump(seeded_app.extensions["tracker"].engine)
    data = copy.deepcopy(SEED)
    props(data)["description_en"] = "First line\r\n\tindented\rlast"
    path = tmp_path / "multi.geojson"
    path.write_bytes(encode(data))
    result = seeded_runner.invoke(args=["seed", "--file", str(path)])
    assert result.exit_code == 0, result.output
    with seeded_app.extensions["tracker"].sessions() as s:
        stored = s.scalar(select(Project.description_en).where(Project.code == CODE))
    assert stored == "First line\n\tindented\nlast"
    assert database_dump(seeded_app.extensions["tracker"].engine) != before  # the dump sees it


def test_text_that_fills_its_column_exactly_is_stored(seeded_app, seeded_runner, tmp_path):
    """300 characters of three-byte Vietnamese fit a 300-character column on both databases."""
    data = copy.deepcopy(SEED)
    props(data)["name_vi"] = "ệ" * 300
    path = tmp_path / "full.geojson"
    path.write_bytes(encode(data))
    result = seeded_runner.invoke(args=["seed", "--file", str(path)])
    assert result.exit_code == 0, result.output
    with seeded_app.extensions["tracker"].sessions() as s:
        assert s.scalar(select(Project.name_vi).where(Project.code == CODE)) == "ệ" * 300


def _app_with(db_url: str, tmp_path: Path, **settings: Any):
    app = create_app({"database_url": db_url, "instance_path": str(tmp_path),
                      "today": TODAY, "tiles_url": "", **settings})
    app.config["TESTING"] = True
    return app


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(db_url, tmp_path):
    app = _app_with(db_url, tmp_path, max_upload_mb=1)
    engine = app.extensions["tracker"].engine
    try:
        before = database_dump(engine)
        path = tmp_path / "big.geojson"
        path.write_bytes(b"{not json at all" + b" " * (1024 * 1024))  # just over 1 MB
        result = app.test_cli_runner().invoke(args=["seed", "--file", str(path)])
        assert result.exit_code == 1
        assert "TRACKER_MAX_UPLOAD_MB" in result.output and "1 MB" in result.output
        assert "JSON" not in result.output  # refused on its size, before parsing
        assert database_dump(engine) == before
        path.write_bytes(SEED_FILE.read_bytes())  # the real file is under the limit
        ok = app.test_cli_runner().invoke(args=["seed", "--file", str(path)])
        assert ok.exit_code == 0, ok.output
    finally:
        engine.dispose()


def test_the_vertex_limit_is_a_setting(db_url, tmp_path):
    app = _app_with(db_url, tmp_path, max_vertices=5)
    engine = app.extensions["tracker"].engine
    try:
        first = next(i for i, f in enumerate(SEED["features"], 1)
                     if f["geometry"] and len(f["geometry"]["coordinates"]) > 5)
        code = SEED["features"][first - 1]["properties"]["code"]
        before = database_dump(engine)
        result = app.test_cli_runner().invoke(args=["seed", "--file", str(SEED_FILE)])
        assert result.exit_code == 1
        assert f"feature {first} ({code})" in result.output
        assert "at most 5 are allowed" in result.output
        assert database_dump(engine) == before
    finally:
        engine.dispose()
