"""Count, split and convert SMS text the way carriers bill it (3GPP TS 23.038).

Decisions, so that the countdown, the recap and the charge always agree:

- Every SMS is ``normalise(message) + SUFFIX``: the suffix starts with its own dot and
  is appended directly, with no separating space (149 + 11 = 160).
- The 149 cap is counted in the units of the message's encoding: septets for GSM-7
  (extension characters count 2), UTF-16 code units for UCS-2 (emoji count 2). A GSM-7
  message within the cap therefore always costs exactly 1 SMS; a UCS-2 one may cost up
  to 3, and ``count(message).parts`` says how many. The UI shows ``units_left`` as
  « N caractères restants » and ``parts`` as SMS per recipient; the charge uses
  ``count(message).parts`` too.
- Parts are filled greedily and never split an escape pair, a surrogate pair or a
  grapheme cluster; a grapheme larger than a whole part is split between code points.
- Empty text has no parts: ``split_parts("") == []`` and ``parts_count("") == 0``
  (it never reaches a phone: ``count()`` always counts the suffix, and empty
  messages are refused upstream).
- ``to_gsm7`` maps ``°`` to ``o`` (so « n° 3 » reads « no 3 »), removes invisible
  characters (soft hyphen, zero-width space, BOM) and keeps what has no sensible
  equivalent (emoji, CJK) unchanged.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from operator import sub
from typing import Literal

import regex

Encoding = Literal["GSM-7", "UCS-2"]

SUFFIX = ".STOP 36608"
MAX_MESSAGE_UNITS = 149

# GSM 03.38 default alphabet in code order 0x00-0x7F, without ESC (0x1B): ESC only
# introduces an extension character, it is never text of its own.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "\f^{}\\[~]|€"

_BASIC = frozenset(GSM7_BASIC)
_EXTENSION = frozenset(GSM7_EXTENSION)
_GSM7 = _BASIC | _EXTENSION

# (one SMS, one part of a concatenated SMS): the UDH takes 7 septets or 3 UTF-16 units.
_LIMITS: dict[str, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}

_GRAPHEME = regex.compile(r"\X")
_GUILLEMET_OPEN = regex.compile("«[ \u00a0\u202f\u2009]*")
_GUILLEMET_CLOSE = regex.compile("[ \u00a0\u202f\u2009]*»")


def _table(chars: str, to: str) -> dict[str, str]:
    return dict.fromkeys(chars, to)


# Checked before Unicode decomposition, which handles the other accented letters.
_EQUIVALENTS: dict[str, str] = {
    **_table("’‘‚′‛ʼ´`‹›", "'"),
    **_table("“”„‟″«»", '"'),
    **_table("‐‑‒–—―−•", "-"),
    # Tab, non-breaking spaces (French typography puts them before : ; ! ?) and the
    # fixed-width spaces word processors insert.
    **_table("\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
             "\u200a\u202f\u205f\u3000", " "),
    **_table("\u00ad\u200b\u2060\ufeff", ""),
    **_table("\u2028\u2029", "\n"),
    # French letters outside GSM-7 (é è à ù ç-capital and friends are inside it).
    **_table("êë", "e"),
    "â": "a",
    **_table("îï", "i"),
    "ô": "o",
    "û": "u",
    "ÿ": "y",
    "ç": "c",
    **_table("ÀÂ", "A"),
    **_table("ÈÊË", "E"),
    **_table("ÎÏ", "I"),
    "Ô": "O",
    **_table("ÙÛ", "U"),
    "œ": "oe",
    "Œ": "OE",
    "…": "...",
    "°": "o",
    "·": ".",
    "⁄": "/",
    "˜": "~",
    "ł": "l",
    "Ł": "L",
}


def normalise(text: str) -> str:
    """Turn CRLF and lone CR into LF, as the browser's textarea sends CRLF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_gsm7(ch: str) -> bool:
    """Tell whether a character is in the GSM-7 default alphabet or its extension."""
    return ch in _GSM7


def gsm7_units(ch: str) -> int:
    """Return the septets a GSM-7 character costs: 1, or 2 for an extension one."""
    if ch in _BASIC:
        return 1
    if ch in _EXTENSION:
        return 2
    raise ValueError(f"{ch!r} is not a GSM-7 character")


def encoding_of(text: str) -> Encoding:
    """Return GSM-7, or UCS-2 as soon as one character is outside GSM-7."""
    return "GSM-7" if _GSM7.issuperset(text) else "UCS-2"


def _units_in(text: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return len(text) + sum(map(_EXTENSION.__contains__, text))
    # surrogatepass: a lone surrogate (broken input) still costs one unit.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def units(text: str) -> int:
    """Return septets (GSM-7) or UTF-16 code units (UCS-2) the text costs."""
    return _units_in(text, encoding_of(text))


def _part_ends(text: str, encoding: Encoding, part: int) -> list[int]:
    """Return where each part ends when text is packed greedily into `part` units."""
    # C-level map/accumulate, as this runs on every keystroke. Costing 2 units: an
    # extension character in GSM-7, a character outside the BMP in UCS-2.
    costs_two = _EXTENSION.__contains__ if encoding == "GSM-7" else "\uffff".__lt__
    doubled = list(accumulate(map(costs_two, text), initial=0))  # before each offset
    cuts = list(accumulate(map(len, _GRAPHEME.findall(text))))
    units_at = [cut + doubled[cut] for cut in cuts]
    if max(map(sub, units_at, [0, *units_at])) > part:
        cuts = _code_point_cuts(cuts, doubled, part)
        units_at = [cut + doubled[cut] for cut in cuts]
    ends: list[int] = []
    done = 0
    while done < units_at[-1]:
        last = bisect_right(units_at, done + part) - 1  # furthest cut that still fits
        ends.append(cuts[last])
        done = units_at[last]
    return ends


def _code_point_cuts(cuts: list[int], doubled: list[int], part: int) -> list[int]:
    """Add cuts between the code points of graphemes bigger than a whole part."""
    # Only absurd combining sequences get here; a code point is never cut, so
    # neither is a surrogate pair.
    widened: list[int] = []
    start = 0
    for end in cuts:
        if end + doubled[end] - start - doubled[start] > part:
            widened.extend(range(start + 1, end))
        widened.append(end)
        start = end
    return widened


def split_parts(text: str) -> list[str]:
    """Return the parts a phone receives; `[]` for empty text."""
    if not text:
        return []
    encoding = encoding_of(text)
    single, part = _LIMITS[encoding]
    if _units_in(text, encoding) <= single:
        return [text]
    starts = [0, *_part_ends(text, encoding, part)]
    return [text[a:b] for a, b in zip(starts, starts[1:])]


def parts_count(text: str) -> int:
    """Return len(split_parts(text)) without building the parts; 0 for empty text."""
    if not text:
        return 0
    encoding = encoding_of(text)
    single, part = _LIMITS[encoding]
    total = _units_in(text, encoding)
    if total <= single:
        return 1
    if encoding == "GSM-7" and _EXTENSION.isdisjoint(text) and "\r\n" not in text:
        return -(-total // part)  # every character is its own 1-septet grapheme
    return len(_part_ends(text, encoding, part))


def non_gsm_characters(text: str) -> list[str]:
    """Return the distinct characters that force UCS-2, in order of first appearance."""
    return list(dict.fromkeys(ch for ch in text if ch not in _GSM7))


def _mapped(text: str) -> str:
    return "".join(_EQUIVALENTS.get(ch, ch) for ch in text)


def _char_equivalent(ch: str) -> str:
    if ch in _GSM7:
        return ch
    if ch in _EQUIVALENTS:
        return _EQUIVALENTS[ch]
    base = _mapped(_strip_marks(ch))
    return base if base and _GSM7.issuperset(base) and _keeps_spacing(ch, base) else ch


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if unicodedata.category(c) != "Mn")


def _keeps_spacing(original: str, base: str) -> bool:
    # Spacing accents (´ ¨ ¸) decompose to a space plus a mark: that is no equivalent.
    return not base.isspace() or original.isspace()


@lru_cache(maxsize=4096)
def _grapheme_equivalent(grapheme: str) -> str:
    if _GSM7.issuperset(grapheme):
        return grapheme
    for candidate in (
        unicodedata.normalize("NFC", grapheme),  # e + U+0301 (pasted from a Mac) -> é
        _mapped(unicodedata.normalize("NFC", grapheme)),
        _mapped(_strip_marks(grapheme)),
    ):
        if candidate and _GSM7.issuperset(candidate) and _keeps_spacing(
            grapheme, candidate
        ):
            return candidate
    return "".join(_char_equivalent(ch) for ch in grapheme)


def to_gsm7(text: str) -> str:
    """Replace characters by GSM-7 equivalents; keep those that have none."""
    if _GSM7.issuperset(text):
        return text
    text = _GUILLEMET_CLOSE.sub("»", _GUILLEMET_OPEN.sub("«", text))
    return "".join(_grapheme_equivalent(g) for g in _GRAPHEME.findall(text))


@dataclass(frozen=True)
class SmsCount:
    """What one message costs per recipient, counted with the suffix appended."""

    encoding: Encoding
    message_units: int  # units of the typed message, in the encoding of the full text
    units_left: int  # MAX_MESSAGE_UNITS - message_units; negative when too long
    too_long: bool
    full_units: int  # units of message + SUFFIX
    parts: int  # SMS per recipient for message + SUFFIX
    non_gsm: tuple[str, ...]  # characters forcing UCS-2, in order of first appearance
    parts_if_gsm: int  # SMS per recipient after to_gsm7(message)


def full_text(message: str) -> str:
    """Return the text actually sent: the normalised message followed by SUFFIX."""
    return normalise(message) + SUFFIX


def count(message: str) -> SmsCount:
    """Count what the message costs per recipient once normalised and suffixed."""
    text = normalise(message)
    full = text + SUFFIX
    encoding = encoding_of(full)
    message_units = _units_in(text, encoding)
    parts = parts_count(full)
    if encoding == "GSM-7":
        non_gsm: tuple[str, ...] = ()
        parts_if_gsm = parts
    else:
        non_gsm = tuple(non_gsm_characters(text))
        parts_if_gsm = parts_count(to_gsm7(text) + SUFFIX)
    return SmsCount(
        encoding=encoding,
        message_units=message_units,
        units_left=MAX_MESSAGE_UNITS - message_units,
        too_long=message_units > MAX_MESSAGE_UNITS,
        full_units=_units_in(full, encoding),
        parts=parts,
        non_gsm=non_gsm,
        parts_if_gsm=parts_if_gsm,
    )
