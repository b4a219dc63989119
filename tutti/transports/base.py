"""What every SMS transport offers the sending job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Outcome = Literal["accepted", "failed", "unknown"]
# Error prefix of a failed message that never left (the provider could not be reached): it is not
# a refusal, and the job sends it again once the provider is back.
NOT_SENT = "not sent"


@dataclass(frozen=True)
class OutgoingSms:
    """One SMS to hand to a transport: the full text already carries the suffix."""

    message_id: int
    structure_id: int
    sender: str
    to: str  # E.164, e.g. "+33612345678"
    text: str


@dataclass(frozen=True)
class SendResult:
    """What the transport knows of one message after trying to hand it over.

    accepted: the provider took it (provider_id set); failed: refused for good (error set),
    its credit is released; unknown: it may or may not have been taken (lost answer),
    it must never be resent blindly.
    """

    message_id: int
    outcome: Outcome
    provider_id: str | None = None
    error: str | None = None
    segments: int = 0


def never_left(result: SendResult) -> bool:
    """Say whether a failed message never reached the provider, and may be sent again."""
    return result.outcome == "failed" and (result.error or "").startswith(NOT_SENT)


class Transport(Protocol):
    """Hands SMS over to whatever delivers them."""

    name: str

    def send_batch(self, batch: list[OutgoingSms]) -> list[SendResult]:
        """Send every message of the batch; return one result per message, in any order."""
        ...

    def recover(self, message_ids: list[int]) -> dict[int, SendResult]:
        """Say what became of messages a stopped run left half-sent; leave out those surely not sent."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
