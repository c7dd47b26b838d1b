"""The figures rules of issue 9 (tracker.rules), as plain functions: stated before measured,
a shared corridor counted once, component shares under a province filter, lower bounds kept
as lower bounds, and shares only between figures of the same estimate."""

from __future__ import annotations

import pytest

from tracker import formatting
from tracker.rules import (
    ComponentFacts,
    LengthItem,
    combined_qualifier,
    effective_length_km,
    km_total,
    province_share,
    same_estimate_share,
)

TY = 10**9
CHAU_DOC = [ComponentFacts("an-giang", 57, 13_799 * TY),
            ComponentFacts("can-tho", 37.4, 9_845 * TY),
            ComponentFacts("hau-giang", 35, 9_927 * TY, "approximate"),
            ComponentFacts("soc-trang", 58.4, 11_120 * TY)]


def test_stated_length_wins_over_measured():
    assert effective_length_km(37.152, 34.9) == (37.152, "stated")
    assert effective_length_km(None, 34.9) == (34.9, "measured")
    assert effective_length_km(None, None) == (None, None)


def test_shared_corridor_is_counted_once_with_its_longest_length():
    total = km_total([LengthItem(37.152, 34.9, True, "ql61c"),
                      LengthItem(None, 30.0, True, "ql61c"),
                      LengthItem(None, 10.0, True), LengthItem(34, 33.0, True)])
    assert total.km == pytest.approx(37.152 + 10.0 + 34)
    assert (total.stated, total.measured, total.measured_on_approximate) == (2, 1, 1)
    assert total.corridor_shared == 1


def test_measured_lengths_say_how_many_are_on_approximate_lines():
    total = km_total([LengthItem(None, 5.0, True), LengthItem(None, 7.0, False),
                      LengthItem(None, None, True)])
    assert (total.km, total.measured, total.measured_on_approximate) == (12.0, 2, 1)


def test_lower_bound_and_approximate_figures_make_a_qualified_sum():
    assert combined_qualifier(["exact", "approximate"]) == "approximate"
    assert combined_qualifier(["approximate", "at_least", "exact"]) == "at_least"
    assert combined_qualifier([None, "exact"]) == "exact"
    assert combined_qualifier([]) == "exact"
    assert formatting.vnd_qualified(44_690 * TY, "at_least") == "≥ 44.690 tỷ đồng"
    assert formatting.vnd_qualified(27_523 * TY, "approximate", "en") == "≈ 27,523 billion VND"


def test_province_share_counts_the_component_in_that_province():
    share = province_share(CHAU_DOC, ["hau-giang"], 188.2, 44_690 * TY, "at_least")
    assert (share.km, share.amount_vnd, share.counted_whole) == (35, 9_927 * TY, False)
    assert share.km_qualifier == "approximate" and share.amount_qualifier == "exact"
    both = province_share(CHAU_DOC, ["hau-giang", "can-tho"], 188.2, 44_690 * TY)
    assert both.km == pytest.approx(72.4) and both.amount_vnd == 19_772 * TY


def test_a_project_without_a_split_there_is_counted_whole():
    sections = [ComponentFacts(None, 37, None, "at_least"),
                ComponentFacts(None, 73, None, "at_least")]
    share = province_share(sections, ["hau-giang"], 111, 27_523 * TY, "approximate")
    assert share.counted_whole and share.amount_vnd == 27_523 * TY and share.km == 111
    assert share.amount_qualifier == "approximate"
    assert province_share([], ["can-tho"], None, None).counted_whole


def test_shares_only_between_figures_of_the_same_estimate():
    # QL61C: the ODA line belongs to the later estimate (the Japanese loan): it is never
    # divided by the first proposal (the old 91,5 %)
    oda = 3_556_690 * 10**6
    assert same_estimate_share(oda, "japanese-loan", 3_888 * TY, "first-proposal") is None
    assert same_estimate_share(oda, "japanese-loan", oda, "japanese-loan") == 100.0
    assert same_estimate_share(oda, None, oda, "japanese-loan") is None
    assert same_estimate_share(1, "a", 4, "a") == 25.0


def test_stated_values_keep_the_sources_precision():
    assert formatting.stated_km(37.152, 3) == "37,152 km"
    assert formatting.stated_km(37.4, 1, lang="en") == "37.4 km"
    assert formatting.stated_km(37.40, 2) == "37,40 km"
    assert formatting.stated_km(37, 0, "at_least") == "≥ 37 km"
