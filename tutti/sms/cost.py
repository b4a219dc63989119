"""What a send costs: the one pricing rule, and the quote the recap shows and Envoyer reserves.

`quote` is the one function that prices a send: the recap shows it, Envoyer reserves it, and the
job's capture can never exceed it (`message_cost` is the rule both apply).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tutti.sms import encoding
from tutti.sms.recipients import Recipients, resolve


@dataclass(frozen=True)
class Quote:
    """What a send costs: SMS per message times distinct deliverable numbers."""

    count: encoding.SmsCount
    recipients: Recipients

    @property
    def parts(self) -> int:
        """Return the SMS each recipient costs."""
        return self.count.parts

    @property
    def total(self) -> int:
        """Return the SMS the whole send costs."""
        return message_cost(self.count.parts, self.recipients.distinct_numbers)


def message_cost(parts: int, messages: int) -> int:
    """Return what `messages` SMS of `parts` parts each cost: the one pricing rule."""
    return parts * messages



def quote(db: Session, structure_id: int, selection_id: int, message: str) -> Quote:
    """Price sending the message to the selection as it is now."""
    return Quote(encoding.count(message), resolve(db, structure_id, selection_id))


def as_shown(message: str, selected: int, distinct_numbers: int, digest: str) -> Quote:
    """Rebuild the quote a recap showed, to charge exactly that (Envoyer checks the selection still matches)."""
    return Quote(encoding.count(message), Recipients(selected=selected, distinct_numbers=distinct_numbers,
                                                     digest=digest))
