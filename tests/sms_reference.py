"""A deliberately simple, independent SMS counter that the tests hold tutti to.

It asks the gsm0338 codec what each character costs, and cuts each part at the
furthest allowed offset that still fits, instead of packing atoms like tutti does.
"""

from __future__ import annotations

from functools import cache
from itertools import accumulate

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
import regex

ESC = "\x1b"


@cache
def septets(ch: str) -> int | None:
    """Return what the codec spends on ch, or None when GSM-7 cannot carry it."""
    if ch == ESC:  # the codec maps it, but it only ever announces an extension
        return None
    try:
        return len(ch.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def encoding(text: str) -> str:
    """Return "GSM-7" when the codec can carry every character, else "UCS-2"."""
    return "GSM-7" if all(septets(ch) is not None for ch in text) else "UCS-2"


def cost(ch: str, enc: str) -> int:
    """Return what one code point costs in the given encoding."""
    if enc == "GSM-7":
        spent = septets(ch)
        assert spent is not None
        return spent
    return 2 if ord(ch) > 0xFFFF else 1


def limits(enc: str) -> tuple[int, int]:
    """Return (single SMS, concatenated part) sizes."""
    return (160, 153) if enc == "GSM-7" else (70, 67)


def units(text: str) -> int:
    """Return the units the whole text costs."""
    enc = encoding(text)
    return sum(cost(ch, enc) for ch in text)


def parts(text: str) -> list[str]:
    """Return the parts of text, each the longest prefix that fits at a legal cut."""
    if not text:
        return []
    enc = encoding(text)
    single, limit = limits(enc)
    spent = [0, *accumulate(cost(ch, enc) for ch in text)]
    if spent[-1] <= single:
        return [text]
    cuts: list[int] = []
    pos = 0
    for grapheme in regex.findall(r"\X", text):
        end = pos + len(grapheme)
        if spent[end] - spent[pos] > limit:  # cannot stay whole: cut between code points
            cuts.extend(range(pos + 1, end))
        cuts.append(end)
        pos = end
    result = []
    start = 0
    while start < len(text):
        end = max(c for c in cuts if c > start and spent[c] - spent[start] <= limit)
        result.append(text[start:end])
        start = end
    return result
