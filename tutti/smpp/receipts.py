"""Delivery receipts (SMPP 3.4 appendix B text) and STOP replies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# message_state TLV values, named as the receipt text names them.
MESSAGE_STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
FINAL_STATES = frozenset({"DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "UNKNOWN", "REJECTD"})

_KEY = re.compile(r"(?i)(?:^|(?<=\s))(id|sub|dlvrd|submit date|done date|stat|err|text):")
# STOP as the first word; digits may follow ("STOP36608") but not letters ("stopper").
_STOP = re.compile(r"^\W*stop(?![^\W\d_])")


@dataclass(frozen=True)
class Receipt:
    """One parsed delivery receipt."""

    id: str
    stat: str
    err: str | None = None
    sub: str | None = None
    dlvrd: str | None = None
    submit_date: datetime | None = None
    done_date: datetime | None = None
    text: str = ""

    @property
    def final(self) -> bool:
        """Whether no further receipt will follow for this message."""
        return self.stat in FINAL_STATES

    @property
    def error(self) -> str | None:
        """The err field when it means something: None for absent or all-zero codes."""
        if not self.err or self.err.strip("0") == "":
            return None
        return self.err


def parse_receipt(text: str) -> Receipt | None:
    """Parse receipt text 'id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…'."""
    matches = list(_KEY.finditer(text))
    fields: dict[str, str] = {}
    for i, match in enumerate(matches):
        key = match.group(1).lower()
        if key == "text":  # free text runs to the end, whatever it contains
            fields[key] = text[match.end() :].strip()
            break
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        fields.setdefault(key, text[match.end() : end].strip())
    if not fields.get("id") or not fields.get("stat"):
        return None
    return Receipt(
        id=fields["id"],
        stat=fields["stat"].upper(),
        err=fields.get("err") or None,
        sub=fields.get("sub"),
        dlvrd=fields.get("dlvrd"),
        submit_date=_date(fields.get("submit date")),
        done_date=_date(fields.get("done date")),
        text=fields.get("text", ""),
    )


def _date(value: str | None) -> datetime | None:
    """Parse YYMMDDhhmm[ss]; None when absent or malformed (receipts are loosely formatted)."""
    if not value or not value.isdigit() or len(value) not in (10, 12):
        return None
    try:
        return datetime.strptime(value, "%y%m%d%H%M%S" if len(value) == 12 else "%y%m%d%H%M")
    except ValueError:
        return None


def format_receipt(
    message_id: str, stat: str, err: str = "000", *, submitted: datetime, done: datetime, text: str = ""
) -> str:
    """Write a receipt the way SMSCs commonly do (used by the simulator)."""
    delivered = "001" if stat == "DELIVRD" else "000"
    return (
        f"id:{message_id} sub:001 dlvrd:{delivered} submit date:{submitted:%y%m%d%H%M} "
        f"done date:{done:%y%m%d%H%M} stat:{stat} err:{err} text:{text[:20]}"
    )


def is_stop(text: str) -> bool:
    """Whether an inbound SMS asks to opt out: its first word is STOP, in any case.

    "STOP", "Stop.", " STOP SMS ", "STOP 36608", "stop merci" are; "stopper" and "non stop merci"
    are not: a STOP inside a sentence is as often "non stop" as a request, and every inbound
    text still reaches a person through on_inbound.
    """
    return bool(_STOP.match(text.casefold()))
