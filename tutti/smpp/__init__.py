"""SMPP 3.4 for Tutti, the client side: wire, PDU text, receipts, a receiver; the transport is tutti.transports.smpp."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class SmppUrl:
    """The parts of smpp://SYSTEM_ID:PASSWORD@HOST:PORT?key=value…"""

    host: str
    port: int
    system_id: str
    password: str
    query: dict[str, str] = field(default_factory=dict)


def parse_url(url: str) -> SmppUrl:
    """Split an smpp:// URL; credentials may be percent-encoded, the port defaults to 2775."""
    parts = urlsplit(url)
    if parts.scheme != "smpp" or not parts.hostname or parts.username is None:
        raise ValueError("expected smpp://SYSTEM_ID:PASSWORD@HOST:PORT")
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return SmppUrl(parts.hostname, parts.port or 2775, unquote(parts.username), unquote(parts.password or ""), query)
