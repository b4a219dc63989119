"""Page arithmetic: the page asked for, how many there are, and the rows before it."""

from __future__ import annotations

import pytest

from tutti.paging import Page, paginate


def test_paginate_empty_list_has_one_page():
    page = paginate("1", 0, 50)
    assert (page.number, page.pages, page.offset, page.has_prev, page.has_next) == (1, 1, 0, False, False)


@pytest.mark.parametrize(("total", "pages"), [(1, 1), (50, 1), (51, 2), (100, 2), (101, 3)])
def test_paginate_counts_pages_rounding_up(total, pages):
    assert paginate(1, total, 50).pages == pages


def test_paginate_middle_page_offset_and_neighbours():
    page = paginate("2", 120, 50)
    assert page == Page(2, 50, 120)
    assert (page.offset, page.has_prev, page.has_next) == (50, True, True)


@pytest.mark.parametrize("raw", ["", "0", "-3", "abc", "²", "99999999999999999999", None])
def test_paginate_unusable_number_is_page_one(raw):
    assert paginate(raw, 120, 50).number == 1


def test_paginate_past_the_end_is_the_last_page():
    page = paginate("9", 120, 50)
    assert (page.number, page.offset, page.has_next) == (3, 100, False)


def test_paginate_unclamped_past_the_end_stays_as_asked():
    page = paginate("9", 120, 50, clamp=False)
    assert (page.number, page.pages, page.offset, page.has_prev, page.has_next) == (9, 3, 400, True, False)
