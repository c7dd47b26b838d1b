"""Names in Vietnamese alphabetical order: the sort key itself, and the table, its CSV twin and
the query layer ordering by it on both databases."""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from tests.factories import make_project
from tracker.collation import sort_key
from tracker.models import Project
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import select_projects

# As a Vietnamese dictionary orders them: d before đ, a ă â, o ô ơ, u ư; tones only decide
# between the same letters (ngang, huyền, hỏi, ngã, sắc, nặng); word by word; 9 before 10.
DICTIONARY = ["An Giang", "An Hòa", "Ăn Quán", "Âu Lạc", "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ",
              "Bà Rịa", "Bác Ái", "Bạc Liêu", "Cà Mau", "Cái Răng", "Cao Lãnh", "Cầu Ngang",
              "Duyên Hải", "Dương Đông", "Đà Nẵng", "Đầm Dơi", "Đường tỉnh 9", "Đường tỉnh 10",
              "Đường tỉnh 926", "Đường tỉnh 931B", "Ô Môn", "Ơn Trời", "Phụng Hiệp", "Ung Hòa",
              "Ưu Long", "Vị Thanh"]


def test_the_key_orders_names_as_a_vietnamese_dictionary():
    shuffled = DICTIONARY[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == DICTIONARY


def test_the_key_ignores_case_punctuation_and_unicode_form():
    assert sort_key("ĐƯỜNG TỈNH 926") == sort_key("đường tỉnh 926")
    assert sort_key("Cần Thơ – Cà Mau") == sort_key("Cần Thơ - Cà  Mau")
    assert sort_key(unicodedata.normalize("NFD", "Vàm Xáng")) == sort_key("Vàm Xáng")
    assert sort_key(None) == sort_key("") == ""


@given(st.text())
def test_the_key_is_plain_ascii_so_no_database_collation_can_reorder_it(text):
    assert re.fullmatch(r"[0-9a-z]*", sort_key(text))


LETTERS = "aăâbdđeêoôơuưĐÂ0129"


@given(st.text(alphabet=LETTERS, min_size=1), st.text(alphabet=LETTERS, min_size=1),
       st.sampled_from([" ", " – ", "-", " ("]))
def test_a_name_sorts_before_its_own_continuation(name, more, between):
    assert sort_key(name) < sort_key(name + between + more)


SHUFFLED = ["Đường tỉnh 10", "Cầu Ngang", "Duyên Hải", "Ăn Quán", "Đà Nẵng", "An Giang",
            "Đường tỉnh 9", "Bạc Liêu", "Bà Rịa", "Ô Môn"]


def _add_named(app) -> dict[str, str]:
    codes = {}
    with app.extensions["tracker"].sessions() as s:
        for i, name in enumerate(SHUFFLED):
            code = f"p{i:02d}"
            codes[code] = name
            s.add(make_project(code, name_vi=name, name_en=None if i % 3 else f"Z {name}"))
        s.commit()
    return codes


def test_the_database_orders_by_name_as_python_does(app):
    names = _add_named(app)
    expected = sorted(names, key=lambda c: sort_key(names[c]))
    with app.extensions["tracker"].sessions() as s:
        got = [p.code for p in select_projects(s, ProjectFilter(), sort="name")]
        down = [p.code for p in select_projects(s, ProjectFilter(), sort="name", desc=True)]
        # English: the English name where there is one, else the Vietnamese one
        shown = {p.code: p.name_en or p.name_vi for p in s.scalars(select(Project))}
        english = [p.code for p in select_projects(s, ProjectFilter(), sort="name", lang="en")]
    assert got == expected and down == expected[::-1]
    assert english == sorted(shown, key=lambda c: sort_key(shown[c]))


def test_the_table_and_its_csv_open_in_name_order(app, client):
    names = _add_named(app)
    expected = sorted(names, key=lambda c: sort_key(names[c]))
    html = client.get("/projects").get_data(as_text=True)
    assert re.findall(r'<tr data-code="([^"]+)"', html) == expected
    assert re.search(r'data-sort="name"\s+aria-sort="ascending"', html)
    text = client.get("/projects.csv").data.decode("utf-8").lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["code"] for r in rows] == expected


def test_renaming_a_project_moves_it(app):
    names = _add_named(app)
    first = sorted(names, key=lambda c: sort_key(names[c]))[0]
    with app.extensions["tracker"].sessions() as s:
        p = s.scalar(select(Project).where(Project.code == first))
        p.name_vi = "Yên Hòa"
        s.commit()
        assert [p.code for p in select_projects(s, ProjectFilter(), sort="name")][-1] == first
