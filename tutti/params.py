"""Reading numbers out of untrusted text: ids, page numbers."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,12}")


def to_int(raw: object, default: int | None = None) -> int | None:
    """Return the ASCII digits as an int (at most 12 of them), else the default.

    str.isdigit() accepts « ² » or Arabic-Indic digits that int() then rejects or reads as another
    number: only 0-9 count here.
    """
    text = str(raw or "")
    return int(text) if _DIGITS.fullmatch(text) else default


def page_number(raw: object) -> int:
    """Return a page number of at least 1; anything unusable is page 1."""
    return max(1, to_int(raw, 1) or 1)
