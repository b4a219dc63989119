"""Text to SMPP short_message and back: GSM-7 (unpacked septets) or UCS-2, UDH concatenation."""

from __future__ import annotations

from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

from tutti.sms import encoding

GSM7 = 0x00  # SMSC default alphabet: one septet per octet, escape pairs as 0x1B + code
UCS2 = 0x08  # UTF-16BE; surrogate pairs go through as two units
UDHI = 0x40  # esm_class bit: short_message starts with a user data header
GSM_CODEC = "gsm03.38"

# Octets of text one segment may carry: single SMS, then a part behind a 6-octet UDH.
_LIMITS = {GSM7: (160, 153), UCS2: (140, 134)}


@dataclass(frozen=True)
class Segment:
    """One submit_sm worth of message: what goes in data_coding, esm_class and short_message."""

    data_coding: int
    esm_class: int
    short_message: bytes


@dataclass(frozen=True)
class Concat:
    """The concatenation header of one part: which message, how many parts, which one."""

    reference: int
    total: int
    seq: int


def data_coding_of(text: str) -> int:
    """Pick the data_coding the whole message goes out in."""
    return GSM7 if encoding.encoding_of(text) == "GSM-7" else UCS2


def encode_text(text: str, data_coding: int) -> bytes:
    """Encode text for short_message; raise UnicodeError if the alphabet cannot carry it."""
    if data_coding == GSM7:
        return text.encode(GSM_CODEC)
    if data_coding == UCS2:
        return text.encode("utf-16-be")
    raise ValueError(f"unsupported data_coding {data_coding}")


def decode_text(payload: bytes, data_coding: int, errors: str = "strict") -> str:
    """Decode short_message bytes (without UDH) as the phone would show them."""
    if data_coding == GSM7:
        text = payload.decode(GSM_CODEC, errors)
        # The codec silently drops a dangling escape: a phone would show garbage, so say so.
        dangling = (len(payload) - len(payload.rstrip(b"\x1b"))) % 2
        if dangling and errors == "strict":
            raise UnicodeDecodeError(GSM_CODEC, payload, len(payload) - 1, len(payload), "lone escape")
        return text + "\ufffd" * dangling
    if data_coding == UCS2:
        return payload.decode("utf-16-be", errors)
    if data_coding == 0x01:  # IA5 / ASCII
        return payload.decode("ascii", errors)
    return payload.decode("latin-1", errors)  # 0x03 Latin-1, and a readable fallback for the rest


def to_segments(text: str, reference: int) -> list[Segment]:
    """Cut a message into submit_sm segments, parts as tutti.sms.encoding splits them."""
    data_coding = data_coding_of(text)
    parts = encoding.split_parts(text)
    if not parts:
        raise ValueError("empty message")
    single, part_limit = _LIMITS[data_coding]
    if len(parts) == 1:
        payload = encode_text(text, data_coding)
        _check(payload, single)
        return [Segment(data_coding, 0, payload)]
    if len(parts) > 255:
        raise ValueError("a concatenated SMS has at most 255 parts")
    segments = []
    for seq, part in enumerate(parts, start=1):
        payload = encode_text(part, data_coding)
        _check(payload, part_limit)
        # IE 0x00: concatenation with an 8-bit reference (length 3: ref, total, seq).
        udh = bytes([5, 0x00, 3, reference & 0xFF, len(parts), seq])
        segments.append(Segment(data_coding, UDHI, udh + payload))
    return segments


def _check(payload: bytes, limit: int) -> None:
    """Refuse a part the SMSC would cut, rather than let a phone receive half of it."""
    if len(payload) > limit:
        raise ValueError(f"segment of {len(payload)} octets exceeds {limit}")


def split_udh(short_message: bytes, esm_class: int) -> tuple[Concat | None, bytes]:
    """Separate the UDH from the text octets, returning its concatenation info if any."""
    if not esm_class & UDHI or not short_message:
        return None, short_message
    udh_len = short_message[0]
    udh, body = short_message[1 : 1 + udh_len], short_message[1 + udh_len :]
    concat = None
    i = 0
    while i + 2 <= len(udh):
        iei, size = udh[i], udh[i + 1]
        value = udh[i + 2 : i + 2 + size]
        if iei == 0x00 and size == 3:
            concat = Concat(value[0], value[1], value[2])
        elif iei == 0x08 and size == 4:  # 16-bit reference, as some phones send
            concat = Concat(int.from_bytes(value[:2], "big"), value[2], value[3])
        i += 2 + size
    return concat, body
