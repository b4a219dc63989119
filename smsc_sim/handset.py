"""What the phones got: submit_sm records and their reassembly into whole messages."""

from __future__ import annotations

from dataclasses import dataclass

import smpp34

from tutti.smpp import pdu_text


@dataclass(frozen=True)
class Submit:
    """One submit_sm the SMSC took, as it came over the wire."""

    message_id: str
    system_id: str
    sender: str
    source_ton: int
    source_npi: int
    dest: str
    dest_ton: int
    dest_npi: int
    esm_class: int
    data_coding: int
    registered_delivery: int
    short_message: bytes
    raw: bytes
    at: float

    @classmethod
    def from_pdu(cls, message_id: str, system_id: str, pdu: smpp34.SubmitSm, raw: bytes, at: float) -> Submit:
        """Record a submit_sm as smpp34 decoded it."""
        return cls(
            message_id=message_id,
            system_id=system_id,
            sender=pdu.source_addr,
            source_ton=pdu.source_addr_ton,
            source_npi=pdu.source_addr_npi,
            dest=pdu.destination_addr,
            dest_ton=pdu.dest_addr_ton,
            dest_npi=pdu.dest_addr_npi,
            esm_class=pdu.esm_class,
            data_coding=pdu.data_coding,
            registered_delivery=pdu.registered_delivery,
            short_message=pdu.short_message,
            raw=raw,
            at=at,
        )


def reassemble(submits: list[Submit]) -> list[dict[str, object]]:
    """Group parts into the messages a phone shows; a part seen twice starts a second message."""
    messages: list[dict[str, object]] = []
    open_groups: dict[tuple[str, str, int, int], dict[str, object]] = {}
    for submit in submits:
        concat, body = pdu_text.split_udh(submit.short_message, submit.esm_class)
        # A phone decodes each part on its own: a pair cut across parts shows as U+FFFD.
        part_text = pdu_text.decode_text(body, submit.data_coding, errors="replace")
        key = (submit.dest, submit.sender, concat.reference, concat.total) if concat else None
        group = open_groups.get(key) if key else None
        if group is None or (concat and concat.seq in group["_parts"]):
            group = {
                "to": "+" + submit.dest if submit.dest_ton == 1 else submit.dest,
                "sender": submit.sender,
                "data_coding": submit.data_coding,
                "parts": concat.total if concat else 1,
                "_parts": {},
            }
            messages.append(group)
            if key:
                open_groups[key] = group
        group["_parts"][concat.seq if concat else 1] = (part_text, submit)
    for message in messages:
        parts = message.pop("_parts")
        ordered = [parts[seq] for seq in sorted(parts)]
        message["part_texts"] = [text for text, _ in ordered]
        message["text"] = "".join(message["part_texts"])
        message["segments"] = [submit for _, submit in ordered]
        message["message_ids"] = [submit.message_id for _, submit in ordered]
        message["complete"] = sorted(parts) == list(range(1, message["parts"] + 1))
    return messages
