"""The outbox: accepts every SMS and keeps what each phone would have received; nothing leaves the machine."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import insert, select
from sqlalchemy.orm import sessionmaker

from tutti.models import OutboxEntry
from tutti.sms import encoding
from tutti.transports.base import OutgoingSms, SendResult


@lru_cache(maxsize=64)
def _shape(text: str) -> tuple[str, int]:
    return encoding.encoding_of(text), encoding.parts_count(text)


class OutboxTransport:
    """Records each SMS in the outbox table, in its own committed transaction."""

    name = "outbox"

    def __init__(self, sessions: sessionmaker):
        self._sessions = sessions

    def send_batch(self, batch: list[OutgoingSms]) -> list[SendResult]:
        """Write the batch to the outbox; every message is accepted."""
        if not batch:
            return []
        rows = []
        for sms in batch:
            kind, parts = _shape(sms.text)
            rows.append({"structure_id": sms.structure_id, "message_id": sms.message_id, "sender": sms.sender,
                         "phone": sms.to, "text": sms.text, "encoding": kind, "parts": parts})
        with self._sessions() as db:
            db.execute(insert(OutboxEntry), rows)
            db.commit()
        return [SendResult(sms.message_id, "accepted", f"outbox-{sms.message_id}", segments=row["parts"])
                for sms, row in zip(batch, rows)]

    def recover(self, message_ids: list[int]) -> dict[int, SendResult]:
        """The outbox knows for sure: a message is in it (accepted) or was never sent."""
        with self._sessions() as db:
            found = db.scalars(select(OutboxEntry.message_id).where(OutboxEntry.message_id.in_(message_ids)))
            return {mid: SendResult(mid, "accepted", f"outbox-{mid}") for mid in found}

    def close(self) -> None:
        """Nothing to release."""
