"""SMS transports: the outbox (default) and SMPP, chosen by TUTTI_SMS_TRANSPORT."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from tutti.transports.base import OutgoingSms, SendResult, Transport

__all__ = ["OutgoingSms", "SendResult", "Transport", "from_url", "kind_of"]


def kind_of(url: str) -> str:
    """Return the transport's kind ("outbox" or "smpp") for a TUTTI_SMS_TRANSPORT value."""
    return "smpp" if url.startswith("smpp://") else "outbox"


def from_url(url: str, sessions: sessionmaker) -> Transport:
    """Build the transport a TUTTI_SMS_TRANSPORT value names."""
    if url in ("", "outbox"):
        from tutti.transports.outbox import OutboxTransport

        return OutboxTransport(sessions)
    if url.startswith("smpp://"):
        from tutti.smpp.config import BindConfig
        from tutti.transports.smpp import SmppTransport

        return SmppTransport(BindConfig.from_url(url))
    raise ValueError(f"unknown SMS transport: {url!r} (use 'outbox' or 'smpp://…')")
