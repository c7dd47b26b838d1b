"""Property tests: round trips that must hold for any input, not just the examples."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from tracker import vocab
from tracker.dates import iso_partial, parse_partial
from tracker.queries.filter import ProjectFilter
from tracker.text import fold


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
       st.sampled_from(["day", "month", "year"]), st.sampled_from(["start", "end"]))
def test_partial_dates_round_trip(d, precision, bound):
    text = iso_partial(d, precision)
    parsed, p = parse_partial(text, bound)
    assert p == precision and iso_partial(parsed, p) == text
    if bound == "start":
        assert parsed <= d
    else:
        assert parsed >= d


VIETNAMESE = ("aăâbcdđeêghiklmnoôơpqrstuưvxy"
              "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ ")


@given(st.text())
def test_fold_is_idempotent(s):
    once = fold(s)
    assert fold(once) == once


@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper(), min_size=1))
def test_fold_turns_vietnamese_into_plain_lowercase_ascii(s):
    folded = fold(s)
    assert folded.isascii() and folded == folded.lower()
    assert folded == fold(s.upper()) == fold(s.lower())


@given(st.lists(st.sampled_from(vocab.codes(vocab.STATUSES)), unique=True),
       st.lists(st.sampled_from(vocab.codes(vocab.KINDS)), unique=True),
       # control characters are refused (test_a_control_character_in_search_text_is_refused)
       st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                      blacklist_characters=","),
               max_size=20).map(str.strip))
def test_filter_round_trips_through_args(statuses, kinds, q):
    f = ProjectFilter.from_args({"status": ",".join(statuses), "kind": ",".join(kinds),
                                 "q": q})
    assert ProjectFilter.from_args(f.to_args()) == f


@given(st.text(max_size=5), st.sampled_from(["\x00", "\x1b", "\x93", "\x7f"]),
       st.sampled_from(["q", "owner"]))
def test_a_control_character_in_search_text_is_refused(text, control, name):
    """A NUL reached PostgreSQL as a 500; every control character is a 400 naming the field."""
    from tracker.errors import BadParameter

    try:
        ProjectFilter.from_args({name: f"a{text}{control}b"})
    except BadParameter as exc:
        assert exc.field == name
    else:
        raise AssertionError("a control character was accepted")
