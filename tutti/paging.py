"""Page arithmetic: which rows a page number stands for, and how many pages a list has."""

from __future__ import annotations

from dataclasses import dataclass

from tutti.params import page_number


@dataclass(frozen=True)
class Page:
    """One page of a list of `total` rows, `size` a page; there is always at least one page."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """Return how many pages the list has (one when it is empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        """Return how many rows come before this page."""
        return (self.number - 1) * self.size

    @property
    def has_prev(self) -> bool:
        """Say whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Say whether a page comes after this one."""
        return self.number < self.pages


def paginate(requested: object, total: int, size: int, *, clamp: bool = True) -> Page:
    """Return the page asked for (text or a number; anything unusable is page 1) of `total` rows.

    A number past the last page is the last page; with `clamp=False` it stays as asked, an empty page past the
    end (the API's lists: a client reading until an empty page still stops).
    """
    number = page_number(requested)
    page = Page(number, size, total)
    return Page(min(number, page.pages), size, total) if clamp else page
