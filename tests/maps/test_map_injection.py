"""Stored text is data, never a template (both databases, both languages).

Template syntax typed into every stored text field of a project (names, descriptions, roles,
geometry note, sources, funding and history notes) and into the province outlines'
names must come back as the same literal text on every page that shows it: no 500, no
evaluation ({{ 7*7 }} never becomes 49), no command run (the lipsum payload would create a
marker file). Before the map's frame was separated from its data, Folium's branca compiled
all of these a second time as Jinja templates.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import orjson
import pytest
from markupsafe import escape
from sqlalchemy import select

from tests.factories import make_project
from tracker.config import REPO_ROOT
from tracker.models import Boundary, FundingLine, ProjectSource, Source, StatusUpdate
from tracker.urls import safe_http_url

CODE = "template-text"
PAYLOADS = {
    "expression": "{{ 7*7 }}",
    "raw": "{% raw %}",
    "comment": "{# not closed",
    "lipsum": "{{ lipsum.__globals__.os.popen('touch MARKER').read() }}",
    # no quotes to be escaped on the way: this one ran on the server before the fix
    "lipsum_unquoted": "{{ lipsum.__globals__.os.popen("
                       "lipsum.__globals__.os.environ.TM_CMD).read() }}",
}
DATA_BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)
LANGS = ("vi", "en")


class Stored:
    """Tagged payloads, one per field, so a page can be checked field by field."""

    def __init__(self, kind: str, marker: Path):
        self.kind = kind
        self.marker = marker

    def text(self, field: str) -> str:
        payload = PAYLOADS[self.kind].replace("MARKER", f"{self.marker}-{field}")
        return f"{field}:{payload}"

    def evaluated(self, field: str) -> str:
        return f"{field}:49"  # what {{ 7*7 }} would have become


PROJECT_FIELDS = ("name_vi", "name_en", "description_vi", "description_en", "governing_body",
                  "project_owner", "geometry_note")
# Shown as HTML text on the project page (in this language).
PROJECT_PAGE = {
    "vi": ("name_vi", "name_en", "description_vi", "governing_body", "project_owner",
           "geometry_note", "source_title", "source_publisher", "source_locator", "update_note",
           "update_author", "funding_note"),
    "en": ("name_en", "name_vi", "description_en", "governing_body", "project_owner",
           "geometry_note", "source_title", "source_publisher", "source_locator", "update_note",
           "update_author", "funding_note"),
}
NAME = {"vi": "name_vi", "en": "name_en"}
BOUNDARY = {"vi": "boundary_name_vi", "en": "boundary_name_en"}


@pytest.fixture(params=sorted(PAYLOADS))
def stored(request, app, tmp_path, monkeypatch) -> Stored:
    """One project with the payload in every stored text field, the province outlines named
    with it, and the project late (so the dashboard lists it)."""
    from tracker.services.seed import seed_boundaries_if_empty

    st = Stored(request.param, tmp_path / "marker")
    monkeypatch.setenv("TM_CMD", f"touch {st.marker}-unquoted")
    with app.extensions["tracker"].sessions() as s:
        seed_boundaries_if_empty(s, REPO_ROOT / "geodata" / "boundaries.geojson")
        for b in s.scalars(select(Boundary)):
            b.name_vi = st.text("boundary_name_vi")
            b.name_en = st.text("boundary_name_en")
        source = Source(key="template-source", title=st.text("source_title"),
                        publisher=st.text("source_publisher"),
                        url=source_url(st),
                        locator=st.text("source_locator"), note=st.text("source_note"),
                        published_on=date(2025, 3, 1))
        p = make_project(CODE, status="under_construction", planned_end=date(2025, 1, 1),
                         planned_end_precision="day",
                         **{name: st.text(name) for name in PROJECT_FIELDS})
        p.source_links = [ProjectSource(source=source,
                                        supports=st.text("supports").replace(" ", ""))]
        p.funding_lines = [FundingLine(source_type="central_budget", amount_vnd=10**9,
                                       note=st.text("funding_note"), source=source)]
        p.updates.append(StatusUpdate(as_of=date(2024, 5, 1), as_of_precision="day",
                                      status="under_construction",
                                      note=st.text("update_note"),
                                      author=st.text("update_author"), source=source))
        s.add(p)
        s.commit()
    return st


def get(client, url: str, st: Stored) -> str:
    """The page at `url`: a 200, and no command of a payload ran while it was built."""
    response = client.get(url)
    assert not list(st.marker.parent.glob("marker*")), (url, "a stored payload ran")
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def assert_literal(html: str, st: Stored, fields: tuple[str, ...], url: str) -> None:
    for field in fields:
        assert st.evaluated(field) not in html, (url, field)
        assert str(escape(st.text(field))) in html, (url, field)


def map_data(html: str) -> dict:
    blocks = [json.loads(text) for _, text in DATA_BLOCK.findall(html)]
    assert len(blocks) == 1
    for opener in ("{{", "{%", "{#"):  # not even readable as a template
        assert opener not in DATA_BLOCK.search(html).group(2)
    return blocks[0]



def source_url(st) -> str:
    """The payload inside a URL the register accepts (a space is not allowed in a URL)."""
    return "https://example.org/" + st.text("source_url").replace(" ", "%20")

def boundary_names(values: dict) -> set[str]:
    return {f["properties"]["name"] for f in values["boundaries"]["features"]}


@pytest.mark.parametrize("lang", LANGS)
def test_project_page_shows_stored_template_text_as_text(stored, client, lang):
    url = f"/projects/{CODE}?lang={lang}"
    html = get(client, url, stored)
    assert_literal(html, stored, PROJECT_PAGE[lang], url)
    url_text = source_url(stored)
    href = str(escape(url_text))
    # a valid http(s) URL is a link; one with spaces is not a URL and shows as plain text
    assert (f'href="{href}"' in html) if safe_http_url(url_text) else (href in html)
    assert str(escape(stored.text("supports").replace(" ", ""))) in html  # one word
    values = map_data(html)  # the small map's inline feature and the outlines
    props = values["data"]["features"][0]["properties"]
    assert (props["name_vi"], props["name_en"], props["governing_body"]) == (
        stored.text("name_vi"), stored.text("name_en"), stored.text("governing_body"))
    assert boundary_names(values) == {stored.text(BOUNDARY[lang])}


@pytest.mark.parametrize("lang", LANGS)
def test_map_shows_stored_template_text_as_text(stored, client, lang):
    for url in (f"/map?lang={lang}", f"/map?project={CODE}&lang={lang}"):
        html = get(client, url, stored)
        values = map_data(html)
        assert boundary_names(values) == {stored.text(BOUNDARY[lang])}, url
        if "project=" in url:
            assert values["focus"] == CODE
            assert_literal(html, stored, (NAME[lang],), url)  # "Đang xem: …"
        for field in ("boundary_name_vi", "boundary_name_en"):
            assert stored.evaluated(field) not in html
    features = orjson.loads(client.get(f"/map/features.geojson?lang={lang}").data)
    props = features["features"][0]["properties"]
    assert (props["name_vi"], props["name_en"]) == (stored.text("name_vi"),
                                                    stored.text("name_en"))
    popup = client.get(f"/map/popup/{CODE}.json?lang={lang}").get_json()["properties"]
    assert popup["governing_body"] == stored.text("governing_body")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("url", ["/projects", "/"])
def test_table_and_dashboard_show_stored_template_text_as_text(stored, client, url, lang):
    page = f"{url}?lang={lang}"
    html = get(client, page, stored)
    assert_literal(html, stored, (NAME[lang],), page)


def test_the_map_frame_is_the_same_whatever_is_stored(app, stored, client):
    """The frame's script is built from settings and language only: stored text changes
    nothing in it (so it can be cached, and never compiles stored text)."""
    page = get(client, f"/projects/{CODE}", stored)
    frame_url = re.search(r'<script src="(/map/frame/project\.vi\.js\?v=\w+)"', page).group(1)
    frame = get(client, frame_url, stored)
    assert "template-text" not in frame and "lipsum" not in frame and "7*7" not in frame
    with app.extensions["tracker"].sessions() as s:
        for b in s.scalars(select(Boundary)):
            b.name_vi = "Tên khác"
        s.commit()
    page = get(client, f"/projects/{CODE}", stored)
    assert frame_url in page and get(client, frame_url, stored) == frame
