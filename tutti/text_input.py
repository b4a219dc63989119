"""Text received from outside: control characters refused, JSON nesting bounded before it is parsed.

A NUL byte cannot be stored by PostgreSQL (the driver raises before the row is written) and no other
control character belongs in a name, a login or a note: they are refused with the field named, on both
databases alike. Tabs and line breaks are text where a field holds several lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Deeper JSON than this is refused before parsing: Python's parser recurses once per level.
MAX_JSON_DEPTH = 32
LINE_BREAKS = "\t\n\r"
_JSON_SIGNIFICANT = re.compile(rb'["\\\[\]{}]')


def has_control(text: str, multiline: bool = False) -> bool:
    """Say whether the text holds a control character (or a lone surrogate); tab and line breaks pass if multiline."""
    for ch in text:
        if ch in LINE_BREAKS and multiline:
            continue
        if ch < " " or "\x7f" <= ch <= "\x9f" or unicodedata.category(ch) == "Cs":
            return True
    return False


def json_depth(raw: bytes, stop_past: int = MAX_JSON_DEPTH) -> int:
    """Return how deeply arrays and objects nest in a JSON text, without parsing it (brackets in strings skipped).

    One pass over quotes, backslashes and brackets only; it stops as soon as the depth passes `stop_past`.
    """
    depth = deepest = 0
    in_string, escaped_at = False, -1
    for match in _JSON_SIGNIFICANT.finditer(raw):
        at, ch = match.start(), raw[match.start()]
        if at == escaped_at:
            continue
        if in_string:
            if ch == 0x5C:  # a backslash escapes the next byte
                escaped_at = at + 1
            elif ch == 0x22:
                in_string = False
        elif ch == 0x22:
            in_string = True
        elif ch in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_past:
                    break
        elif ch in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def control_paths(value: object, parent: str = "") -> Iterator[str]:
    """Yield the path (« people[0].mobile ») of every string, key or value, of parsed JSON holding a control."""
    if isinstance(value, str):
        if has_control(value):
            yield parent or "(corps)"
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from control_paths(item, _path(parent, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            if has_control(key):
                yield _path(parent, key)
            else:
                yield from control_paths(item, _path(parent, key))
