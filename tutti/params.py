"""Reading numbers out of untrusted text: ids, page numbers."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,12}")
# Ids are 32-bit integers in PostgreSQL: a bigger number is no id, and comparing a column with it is an error there.
MAX_ID = 2**31 - 1


def to_int(raw: object, default: int | None = None) -> int | None:
    """Return the ASCII digits as an int (up to MAX_ID), else the default.

    str.isdigit() accepts « ² » or Arabic-Indic digits that int() then rejects or reads as another
    number: only 0-9 count here.
    """
    text = str(raw or "")
    return int(text) if _DIGITS.fullmatch(text) and int(text) <= MAX_ID else default


def page_number(raw: object) -> int:
    """Return a page number of at least 1; anything unusable is page 1."""
    return max(1, to_int(raw, 1) or 1)
