"""Editing in the browser, through the Flask test client on SQLite and PostGIS: each role
against each form, CSRF, every field's error next to it in the reader's language with what
was typed kept, a stale form saying who changed what since, status updates and sources,
geometry from a file or a drawing, the soft delete, and typed markup shown as text."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from tests.db_dump import dump
from tests.web.forms import field_errors, form_values
from tests.web.test_account_pages import csrf, make_users, sign_in
from tracker.models import AuditEntry, Project, Source
from tracker.queries.select import get_project

CODE = "ql61c-phase2"
PAGE = f"/projects/{CODE}"
FORMS = {  # name: (url, what saving it makes the project page say, the least role)
    "create": ("/projects/_new", "create", "editor"),
    "edit": (f"{PAGE}/edit", "edit", "editor"),
    "update": (f"{PAGE}/update", "status_update", "editor"),
    "estimate": (f"{PAGE}/estimate", "estimate", "editor"),
    "components": (f"{PAGE}/components", "components", "editor"),
    "geometry": (f"{PAGE}/geometry", "geometry", "editor"),
    "delete": (f"{PAGE}/delete", None, "admin"),
}
RANK = {"viewer": 1, "editor": 2, "admin": 3}
LINE = {"type": "LineString", "coordinates": [[105.60, 9.85], [105.70, 9.92], [105.75, 9.95]]}


@pytest.fixture
def people(seeded_app):
    make_users(seeded_app, ("an", "admin"), ("lan", "editor"), ("minh", "viewer"))
    return seeded_app


def client_of(app, who: str | None):
    client = app.test_client()
    if who:
        assert sign_in(client, who).status_code == 303
    return client


def filled(name: str, values: dict) -> dict:
    """A valid submission of each form (from what the form showed)."""
    if name == "create":
        values.update(code="dt999-moi", name_vi="Đường tỉnh 999", provinces=["hau-giang"],
                      source="mpi-1319-bkhdt")
    elif name == "edit":
        values.update(name_en="Renamed in the form", stated_length_km="37,2",
                      source="mpi-1319-bkhdt")
    elif name == "update":
        values.update(as_of="30/11/2026", status="under_construction", progress_pct="12,5",
                      source="mpi-1319-bkhdt")
    elif name == "components":
        values.update({"rows-0-province": "hau-giang", "rows-0-stated_length_km": "37,152",
                       "source": "mpi-1319-bkhdt"})
    elif name == "estimate":
        values.update(amount_vnd="3.700.000.000.000", as_of="20/11/2026",
                      source="mpi-1319-bkhdt")
    elif name == "geometry":
        values.update(geometry_json=json.dumps(LINE), geometry_accuracy="digitised")
    return values


def engine(app):
    return app.extensions["tracker"].engine


@pytest.mark.parametrize("role", [None, "viewer", "editor", "admin"])
@pytest.mark.parametrize("name", list(FORMS))
def test_each_role_against_each_form(people, role, name):
    url, saved, least = FORMS[name]
    who = {"viewer": "minh", "editor": "lan", "admin": "an"}.get(role)
    client = client_of(people, who)
    admin = client_of(people, "an")
    values = filled(name, form_values(admin.get(url).text, url))
    values["csrf_token"] = csrf(client.get("/sign-in" if who is None else "/account").data)
    before = dump(engine(people))
    shown = client.get(url)
    posted = client.post(url, data=values)
    if role is None:
        for r in (shown, posted):
            assert r.status_code == 303 and "/sign-in" in r.headers["Location"]
    elif RANK[role] < RANK[least]:
        assert shown.status_code == posted.status_code == 403
    else:
        assert shown.status_code == 200
        assert posted.status_code == 303, field_errors(posted.text) or posted.text[:2000]
        if saved:
            assert f"saved={saved}" in posted.headers["Location"]
            page = client.get(posted.headers["Location"])
            assert "saved-notice" in page.text
        else:
            assert client.get(PAGE).status_code == 404
        return
    assert dump(engine(people)) == before


def test_a_form_post_without_its_csrf_token_is_refused(people):
    client = client_of(people, "lan")
    values = filled("edit", form_values(client.get(f"{PAGE}/edit").text, f"{PAGE}/edit"))
    before = dump(engine(people))
    for token in (None, "forged"):
        data = {**values, "csrf_token": token} if token else {
            k: v for k, v in values.items() if k != "csrf_token"}
        r = client.post(f"{PAGE}/edit", data=data)
        assert r.status_code == 400 and "Biểu mẫu đã hết hạn" in r.text
    assert dump(engine(people)) == before


def refused_form(people, url: str, lang: str, typed: dict, words: dict) -> tuple[dict, dict]:
    """Post `typed` over what the form at `url` showed: a 422 with exactly the fields of
    `words` in error, each saying its words, and nothing written. Returns the errors and
    the values the form shows again."""
    client = client_of(people, "lan")
    values = form_values(client.get(f"{url}?lang={lang}").text, url)
    values.update(typed)
    before = dump(engine(people))
    r = client.post(f"{url}?lang={lang}", data=values)
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert set(errors) == set(words), errors
    for field, text in words.items():
        assert any(text in m for m in errors[field]), (field, errors[field])
    assert dump(engine(people)) == before
    return errors, {**form_values(r.text, url), "_page": r.text}


@pytest.mark.parametrize(("lang", "words"), [
    ("vi", {"progress_pct": "Tiến độ là một số từ 0 đến 100.",
            "as_of": "Cần ngày tính đến", "disbursed_vnd": "Cần một số nguyên",
            "source": "Chọn một nguồn"}),
    ("en", {"progress_pct": "Progress is a number from 0 to 100.",
            "as_of": "The as-of date is needed", "disbursed_vnd": "A whole number",
            "source": "Choose a source"}),
])
def test_every_fields_error_is_next_to_it_in_the_readers_language(people, lang, words):
    _errors, kept = refused_form(people, f"{PAGE}/update", lang, {
        "as_of": "31/02/2026", "progress_pct": "150", "disbursed_vnd": "nhiều",
        "note": "<b>kept</b> {{ 7*7 }}", "status": "under_construction"}, words)
    assert kept["note"] == "<b>kept</b> {{ 7*7 }}" and kept["progress_pct"] == "150"
    assert kept["as_of"] == "31/02/2026" and kept["status"] == "under_construction"
    assert "&lt;b&gt;kept&lt;/b&gt; {{ 7*7 }}" in kept["_page"]


@pytest.mark.parametrize(("lang", "words"), [
    ("vi", {"amount_vnd": "Cần một số nguyên", "as_of": "Cần ngày tính đến",
            "original_currency": "Mã tiền tệ ISO 4217", "source": "Chọn một nguồn"}),
    ("en", {"amount_vnd": "A whole number", "as_of": "The as-of date is needed",
            "original_currency": "A three-letter ISO 4217 code", "source": "Choose a source"}),
])
def test_an_estimate_forms_errors_are_next_to_their_fields(people, lang, words):
    errors, kept = refused_form(people, f"{PAGE}/estimate", lang, {
        "amount_vnd": "ba nghìn tỷ", "as_of": "", "original_amount": "21.820.000.000",
        "original_currency": "yên", "note": "<i>giữ</i>"}, words)
    assert len(errors["amount_vnd"]) == 1  # unreadable, not also "missing"
    assert (kept["amount_vnd"], kept["note"], kept["original_currency"]) == (
        "ba nghìn tỷ", "<i>giữ</i>", "yên")


def test_an_estimate_recorded_in_the_form_becomes_the_total_shown_everywhere(people):
    """QL61C's total comes from its estimates: the edit form shows it read-only with the way
    to change it; recording an approved figure moves it on the page, the trail and the
    brief's changes."""
    client = client_of(people, "lan")
    edit = client.get(f"{PAGE}/edit").text
    assert "total-from-estimates" in edit and f'href="{PAGE}/estimate"' in edit
    url = f"{PAGE}/estimate"
    values = form_values(client.get(url).text, url)
    assert values["basis"] == "adjusted" and values["qualifier"] == "exact"
    values.update(amount_vnd="3.700.000.000.000", as_of="20/11/2026", basis="approved",
                  original_amount="22.500.000.000", original_currency="jpy",
                  note="Phê duyệt điều chỉnh", source="_new",
                  source_publisher="UBND tỉnh Hậu Giang", source_published="20/11/2026",
                  source_locator="QĐ 2345/QĐ-UBND")
    r = client.post(url, data=values)
    assert r.status_code == 303, field_errors(r.text)
    assert "saved=estimate" in r.headers["Location"]
    with people.extensions["tracker"].sessions() as s:
        p = get_project(s, CODE)
        latest = p.latest_estimate()
        assert (p.total_investment_vnd, latest.basis, latest.as_of_iso, latest.original_amount,
                latest.original_currency) == (3_700_000_000_000, "approved", "2026-11-20",
                                              22_500_000_000, "JPY")
        assert latest.source.locator == "QĐ 2345/QĐ-UBND"
    page = client.get(r.headers["Location"]).text
    assert "Đã ghi tổng mức đầu tư mới." in page and "3.700 tỷ đồng" in page
    assert 'data-estimate="approved-2026-11" class="current-estimate"' in page
    assert 'data-field="estimate"' in page and "Thêm tổng mức đầu tư" in page
    brief = client.get("/brief.json?as_of=2026-12-01&since=2026-11-01").json
    [change] = [c for c in brief["changes"] if c["kind"] == "estimate"]
    assert (change["code"], change["new"], change["old"]) == (
        CODE, 3_700_000_000_000, 3_556_690_000_000)
    assert "Được duyệt" in change["text"]


EXPRESSWAY = "/projects/chau-doc-can-tho-soc-trang-expressway"


def test_the_components_form_changes_removes_and_adds_rows_as_one_list(people):
    client = client_of(people, "lan")
    url = f"{EXPRESSWAY}/components"
    values = form_values(client.get(url).text, url)
    assert [values[f"rows-{i}-province"] for i in range(4)] == [
        "an-giang", "can-tho", "hau-giang", "soc-trang"]
    assert values["rows-1-stated_length_km"] == "37,4"  # the source's decimals kept
    assert values["rows-4-province"] == "" and "rows-7-province" not in values  # 3 blank
    values.update({"rows-0-amount_vnd": "14.000.000.000.000", "rows-3-remove": "y",
                   "rows-4-name_vi": "Nút giao <b>QL1</b>", "rows-4-stated_length_km": "2,50",
                   "rows-4-source": "baohaugiang"})
    r = client.post(url, data=values)
    assert r.status_code == 303, field_errors(r.text)
    assert "saved=components" in r.headers["Location"]
    with people.extensions["tracker"].sessions() as s:
        p = get_project(s, "chau-doc-can-tho-soc-trang-expressway")
        rows = [(c.seq, c.province, c.name_vi, c.stated_length_km, c.stated_length_decimals,
                 c.amount_vnd) for c in p.components]
        assert rows[0][5] == 14_000_000_000_000
        assert rows[1][1:5] == ("can-tho", "Dự án thành phần TP Cần Thơ", 37.4, 1)  # as it was
        assert [r[1] for r in rows] == ["an-giang", "can-tho", "hau-giang", None]
        assert rows[3][2:5] == ("Nút giao <b>QL1</b>", 2.5, 2)
    page = client.get(r.headers["Location"]).text
    assert "Đã lưu các dự án thành phần." in page
    assert "Nút giao &lt;b&gt;QL1&lt;/b&gt;" in page and "2,50 km" in page
    assert 'data-field="components"' in page


@pytest.mark.parametrize(("lang", "words"), [
    ("vi", {"rows-0-amount_vnd": "Cần một số nguyên", "rows-4-name_vi": "Cần tên tiếng Việt",
            "rows-4-source": "Chọn một nguồn"}),
    ("en", {"rows-0-amount_vnd": "A whole number", "rows-4-name_vi": "A Vietnamese name",
            "rows-4-source": "Choose a source"}),
])
def test_a_components_rows_errors_are_next_to_its_fields(people, lang, words):
    _errors, kept = refused_form(people, f"{EXPRESSWAY}/components", lang, {
        "rows-0-amount_vnd": "nhiều tỷ", "rows-4-name_en": "English only",
        "rows-4-note": "{{ 7*7 }}"}, words)
    assert (kept["rows-0-amount_vnd"], kept["rows-4-note"]) == ("nhiều tỷ", "{{ 7*7 }}")


def test_a_stale_form_says_who_changed_what_and_keeps_what_was_typed(people):
    lan, an = client_of(people, "lan"), client_of(people, "an")
    url = f"{PAGE}/edit"
    mine = form_values(lan.get(url).text, url)
    theirs = form_values(an.get(url).text, url)
    theirs.update(governing_body="Sở Giao thông vận tải", source="mpi-1319-bkhdt")
    assert an.post(url, data=theirs).status_code == 303
    mine["name_en"] = "My own name"
    r = lan.post(url, data=mine)
    assert r.status_code == 409
    assert "stale-notice" in r.text and "an" in r.text
    assert 'data-field="governing_body"' in r.text and "Sở Giao thông vận tải" in r.text
    kept = form_values(r.text, url)
    assert kept["name_en"] == "My own name" and kept["version"] == "2"
    with people.extensions["tracker"].sessions() as s:
        assert get_project(s, CODE).name_en != "My own name"
    # sent again, knowing the other change (which it reverts: a fact, so with a source)
    again = lan.post(url, data={**kept, "source": "mpi-1319-bkhdt"})
    assert again.status_code == 303
    with people.extensions["tracker"].sessions() as s:
        p = get_project(s, CODE)
        assert (p.name_en, p.version_id) == ("My own name", 3)


def test_a_status_update_with_a_new_source_reaches_the_page_and_its_history(people):
    client = client_of(people, "lan")
    url = f"{PAGE}/update"
    values = form_values(client.get(url).text, url)
    values.update(as_of="03/2026", status="under_construction", progress_pct="7,5",
                  disbursed_vnd="1.000.000.000", note="Đã khởi công", note_en="Started",
                  source="_new", source_publisher="Sở Xây dựng Cần Thơ",
                  source_published="20/11/2026", source_url="https://sxd.cantho.gov.vn/a")
    r = client.post(url, data=values)
    assert r.status_code == 303, field_errors(r.text)
    with people.extensions["tracker"].sessions() as s:
        p = get_project(s, CODE)
        [u] = [u for u in p.updates if u.author == "Lan"]
        assert (u.as_of.isoformat(), u.as_of_precision, u.progress_pct, u.disbursed_vnd) == (
            "2026-03-01", "month", 7.5, 1_000_000_000)
        assert u.source.key == "so-xay-dung-can-tho-2026-11-20"
        assert s.scalar(select(Source).where(Source.key == u.source.key)).url.endswith("/a")
    page = client.get(PAGE).text
    assert "Đã khởi công" in page and "03/2026" in page
    assert 'class="project-audit' in page and "Cập nhật tình trạng" in page
    english = client.get(PAGE + "?lang=en").text
    assert "Started" in english and "Change history" in english


@pytest.mark.parametrize("upload", ["file", "drawing"])
def test_the_geometry_comes_from_a_file_or_a_drawing(people, upload):
    client = client_of(people, "lan")
    url = f"{PAGE}/geometry"
    values = form_values(client.get(url).text, url)
    values["geometry_accuracy"] = "surveyed"
    if upload == "file":
        doc = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": LINE}]}
        values["geometry_file"] = (io.BytesIO(json.dumps(doc).encode()), "tuyen.geojson")
    else:
        values["geometry_json"] = json.dumps(LINE)
    r = client.post(url, data=values, content_type="multipart/form-data")
    assert r.status_code == 303, field_errors(r.text)
    with people.extensions["tracker"].sessions() as s:
        p = get_project(s, CODE)
        assert [list(c) for c in p.geometry.coords] == LINE["coordinates"]
        assert p.geometry_accuracy == "surveyed"
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.kind == "geometry"


def _post_geometry(client, content: bytes, name: str, **choices: str):
    url = f"{PAGE}/geometry"
    values = form_values(client.get(url).text, url)
    values.update(choices, geometry_file=(io.BytesIO(content), name))
    return client.post(url, data=values, content_type="multipart/form-data")


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    from pyproj import Geod
    return Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])[2]


@pytest.mark.parametrize(("epsg", "driver"), [(5897, "ESRI Shapefile"), (3405, "GPKG"),
                                              (9209, "GeoJSON")])
def test_a_geometry_file_in_vn2000_lands_where_it_is(people, tmp_path, epsg, driver):
    """The upload reads every format and CRS the import reads: a consultant's VN-2000 file
    lands on the known WGS 84 positions to a few centimetres."""
    from shapely.geometry import LineString

    from tests.imports.helpers import write_gis, zipped
    from tests.test_vn2000 import PLACES, vn2000_positions
    names = ["Vị Thanh, Hậu Giang", "Ninh Kiều, Cần Thơ", "Ngã Bảy, Hậu Giang"]
    local = vn2000_positions(epsg)
    line = LineString([local[n] for n in names])
    folder = tmp_path / "out"
    folder.mkdir()
    suffix = {"ESRI Shapefile": "shp", "GPKG": "gpkg", "GeoJSON": "geojson"}[driver]
    path = write_gis(folder / f"tuyen.{suffix}", [{"code": CODE}], [line], f"EPSG:{epsg}",
                     driver)
    content = zipped(folder) if driver == "ESRI Shapefile" else path.read_bytes()
    upload = "tuyen.zip" if driver == "ESRI Shapefile" else path.name
    r = _post_geometry(client_of(people, "lan"), content, upload)
    assert r.status_code == 303, field_errors(r.text)
    with people.extensions["tracker"].sessions() as s:
        coords = list(get_project(s, CODE).geometry.coords)
    assert len(coords) == len(names)
    for position, name in zip(coords, names, strict=True):
        assert _metres(position, PLACES[name]) < 0.05, name


def test_how_the_file_was_read_is_shown_once_after_saving(people, tmp_path):
    """A consultant's Shapefile whose .prj (ESRI WKT) lost the datum shift: it lands where it
    is, and the project page says once that VN-2000 was recognised without a TOWGS84."""
    from pyproj import CRS
    from shapely.geometry import LineString

    from tests.imports.helpers import write_gis, zipped
    from tests.test_vn2000 import PLACES, vn2000_positions
    names = ["Vị Thanh, Hậu Giang", "Ngã Bảy, Hậu Giang"]
    local = vn2000_positions(5897)
    folder = tmp_path / "shp"
    folder.mkdir()
    write_gis(folder / "tuyen.shp", [{"code": CODE}], [LineString([local[n] for n in names])],
              "EPSG:5897", "ESRI Shapefile")
    (folder / "tuyen.prj").write_text(CRS.from_epsg(5897).to_wkt("WKT1_ESRI"))
    client = client_of(people, "lan")
    r = _post_geometry(client, zipped(folder), "tuyen.zip")
    assert r.status_code == 303, field_errors(r.text)
    with people.extensions["tracker"].sessions() as s:
        coords = list(get_project(s, CODE).geometry.coords)
    for position, name in zip(coords, names, strict=True):
        assert _metres(position, PLACES[name]) < 0.05, name
    page = client.get(r.headers["Location"]).text
    assert "geometry-read-notes" in page and "Cách tệp đã được đọc" in page
    assert "VN-2000" in page and "no datum shift (TOWGS84)" in page
    assert "geometry-read-notes" not in client.get(r.headers["Location"]).text


def test_a_file_of_several_features_gives_the_one_with_the_projects_code(people, tmp_path):
    from shapely.geometry import LineString

    from tests.imports.helpers import write_gis
    mine = LineString([(105.61, 9.86), (105.71, 9.93)])
    other = LineString([(105.50, 9.80), (105.55, 9.82)])
    path = write_gis(tmp_path / "nhieu.gpkg", [{"ma_du_an": "dt926"}, {"ma_du_an": CODE}],
                     [other, mine], "EPSG:4326", "GPKG")
    client = client_of(people, "lan")
    assert _post_geometry(client, path.read_bytes(), path.name).status_code == 303
    with people.extensions["tracker"].sessions() as s:
        assert get_project(s, CODE).geometry.equals_exact(mine, 1e-9)
    unnamed = write_gis(tmp_path / "hai.gpkg", [{"x": 1}, {"x": 2}], [other, mine],
                        "EPSG:4326", "GPKG")
    before = dump(engine(people))
    r = _post_geometry(client, unnamed.read_bytes(), unnamed.name)
    assert r.status_code == 422
    assert "2 features with a geometry; one is expected" in field_errors(r.text)[
        "geometry_file"][0] + r.text
    assert dump(engine(people)) == before


def test_a_file_without_a_crs_needs_the_pages_choice(people):
    from tests.test_vn2000 import PLACES, vn2000_positions
    local = vn2000_positions(5897)
    names = ["Vị Thanh, Hậu Giang", "Ngã Bảy, Hậu Giang"]
    csv = "wkt\n" + '"LINESTRING (' + ", ".join(
        f"{local[n][0]:.3f} {local[n][1]:.3f}" for n in names) + ')"\n'
    client = client_of(people, "lan")
    before = dump(engine(people))
    r = _post_geometry(client, csv.encode(), "tuyen.csv")
    assert r.status_code == 422 and "does not say which CRS" in r.text
    [said] = field_errors(r.text)["geometry_crs"]  # next to the CRS choice, in Vietnamese
    assert said.startswith("Hệ tọa độ của tệp chưa rõ")
    assert 'name="geometry_crs"' in r.text and "EPSG:5897" in r.text
    assert dump(engine(people)) == before
    r = _post_geometry(client, csv.encode(), "tuyen.csv", geometry_crs="EPSG:5897")
    assert r.status_code == 303, field_errors(r.text)
    with people.extensions["tracker"].sessions() as s:
        coords = list(get_project(s, CODE).geometry.coords)
    for position, name in zip(coords, names, strict=True):
        assert _metres(position, PLACES[name]) < 0.05, name
    assert _post_geometry(client, csv.encode(), "tuyen.csv",
                          geometry_crs="EPSG:2154").status_code == 422


@pytest.mark.parametrize(("content", "words"), [
    (b"not json", "not valid JSON"),
    (json.dumps({"type": "Point", "coordinates": [105.7, 10.0]}).encode(), "must be a"),
    (json.dumps({"type": "LineString", "coordinates": [[1, 1], [2, 2]]}).encode(),
     "outside the region"),
    (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "holds no features"),
    (json.dumps({"type": "LineString", "coordinates": [[105.6, 9.8], [105.7, 9.9]],
                 "crs": {"type": "name", "properties": {"name": "EPSG:3405"}}}).encode(),
     "VN-2000"),
    (b"PK\x03\x04 not really a zip", "zip"),
])
def test_a_geometry_that_cannot_be_used_is_refused_next_to_the_file(people, content, words):
    client = client_of(people, "lan")
    url = f"{PAGE}/geometry"
    values = form_values(client.get(url).text, url)
    values["geometry_file"] = (io.BytesIO(content), "x.geojson")
    before = dump(engine(people))
    r = client.post(url, data=values, content_type="multipart/form-data")
    assert r.status_code == 422
    [message] = field_errors(r.text)["geometry_file"]
    assert "Vị trí không dùng được" in message
    assert words in r.text
    assert dump(engine(people)) == before


def test_typed_markup_and_template_braces_show_as_text_everywhere(people):
    client = client_of(people, "lan")
    url = f"{PAGE}/edit"
    values = form_values(client.get(url).text, url)
    hostile = "<script>alert(1)</script> {{ 7*7 }} {% if 1 %}x{% endif %}"
    values.update(name_vi=hostile, governing_body="=HYPERLINK(\"http://evil\")",
                  source="mpi-1319-bkhdt")
    assert client.post(url, data=values).status_code == 303
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} {% if 1 %}x{% endif %}"
    for page in (PAGE, "/projects?q=ql61c", "/audit", f"{PAGE}/edit", f"{PAGE}/update"):
        text = client.get(page).text
        assert "<script>alert(1)" not in text, page
        assert escaped in text.replace("&#34;", '"').replace("&#39;", "'"), page
    popup = client.get(f"/map/popup/{CODE}.json").json["properties"]
    assert popup["name_vi"] == hostile and popup["governing_body"] == values["governing_body"]
    api = client.get(f"/api/v1/projects/{CODE}").json
    assert api["name_vi"] == hostile
    csv = client.get(f"/audit.csv?project={CODE}").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and ",=HYPERLINK" not in csv


def test_the_audit_pages_are_for_editors_and_admins_and_filter(people):
    lan = client_of(people, "lan")
    url = f"{PAGE}/edit"
    values = form_values(lan.get(url).text, url)
    values["name_en"] = "Audited"
    assert lan.post(url, data=values).status_code == 303
    assert client_of(people, None).get("/audit").status_code == 303
    assert client_of(people, "minh").get("/audit").status_code == 403
    viewer_page = client_of(people, "minh").get(PAGE).text
    assert "project-audit" not in viewer_page and 'data-link="edit"' not in viewer_page
    page = lan.get("/audit").text
    assert 'data-kind="edit"' in page and "Audited" in page
    assert 'data-kind="user"' not in page  # accounts' changes: admins only
    admin = client_of(people, "an").get("/audit").text
    assert 'data-kind="user"' in admin
    assert lan.get("/audit?kind=user").status_code == 400
    assert 'data-kind="edit"' in lan.get("/audit?person=lan&kind=edit").text
    assert 'data-kind="edit"' not in lan.get("/audit?person=an").text
    assert 'data-kind="edit"' not in lan.get("/audit?project=dt926").text
    assert 'data-kind="edit"' not in lan.get("/audit?until=2020-01-01").text
    with people.extensions["tracker"].sessions() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.kind == "edit"))
        local = entry.at.replace(tzinfo=None)
    from datetime import timedelta
    shown = (local + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M")
    assert shown in page  # Vietnam time
    csv = lan.get("/audit.csv?kind=edit").data.decode("utf-8-sig").splitlines()
    assert csv[0] == "at,actor,kind,project,summary,field,old,new"
    assert any("+07:00,lan,edit,ql61c-phase2" in line and ",name_en," in line for line in csv)


def test_the_soft_delete_form_removes_the_project_from_the_pages(people):
    admin = client_of(people, "an")
    values = form_values(admin.get(f"{PAGE}/delete").text, f"{PAGE}/delete")
    assert admin.post(f"{PAGE}/delete", data=values).status_code == 303
    assert admin.get(PAGE).status_code == 404
    assert f'href="{PAGE}"' not in admin.get("/projects").text
    rows = admin.get("/projects.csv").data.decode("utf-8-sig").splitlines()
    assert len(rows) > 5 and not any(row.startswith(f"{CODE},") for row in rows)
    assert admin.get(f"/map?project={CODE}").status_code == 404
    trail = admin.get(f"/audit?project={CODE}").text
    assert 'data-kind="delete"' in trail
    with people.extensions["tracker"].sessions() as s:
        assert s.scalar(select(Project).where(Project.code == CODE)).deleted_at is not None
