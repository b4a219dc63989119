"""Phone numbers: parse what staff typed, keep E.164, and say whether it can receive an SMS."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType

KIND_NONE, KIND_INVALID, KIND_LANDLINE, KIND_MOBILE = "none", "invalid", "landline", "mobile"
_SMS_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
MAX_RAW_LENGTH = 40


@dataclass(frozen=True)
class ParsedPhone:
    """A number as typed, its E.164 form when valid, and its kind."""

    raw: str
    e164: str | None
    kind: str


def parse_mobile(raw: str | None, region: str = "FR") -> ParsedPhone:
    """Parse a number typed in the structure's region and classify it."""
    raw = (raw or "").strip()[:MAX_RAW_LENGTH]
    if not raw:
        return ParsedPhone("", None, KIND_NONE)
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return ParsedPhone(raw, None, KIND_INVALID)
    if not phonenumbers.is_valid_number(number):
        return ParsedPhone(raw, None, KIND_INVALID)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.number_type(number) in _SMS_TYPES:
        return ParsedPhone(raw, e164, KIND_MOBILE)
    return ParsedPhone(raw, e164, KIND_LANDLINE)


@lru_cache(maxsize=4096)
def display(e164: str | None, region: str = "FR") -> str:
    """Format an E.164 number the way people of the region write it."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
