"""The simulator's side of a connection, and its deliver_sm queue: receipts and MO until acknowledged."""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import smpp34

from smsc_sim.handset import Submit
from tutti.smpp import pdu_text, wire
from tutti.smpp.receipts import MESSAGE_STATES, format_receipt

RETRY = 0.2  # seconds before a refused or lost deliver_sm is first offered again; doubles up to 5 s
RECEIPT = 0x04  # esm_class of a deliver_sm that carries a delivery receipt
_STATE_OF = {name: value for value, name in MESSAGE_STATES.items()}


@dataclass
class Delivery:
    """One deliver_sm (smpp34.DeliverSm keyword arguments) for sessions of a system_id."""

    system_id: str
    fields: dict[str, object]
    attempts: int = 0

    def encode(self, sequence: int) -> bytes:
        """Write it with smpp34, so the ESME side (smpplib) reads an independent encoder's bytes."""
        return smpp34.DeliverSm(**self.fields, sequence_number=sequence).encode()  # type: ignore[arg-type]


def receipt_for(submit: Submit, stat: str, err: str) -> Delivery:
    """The delivery receipt of a taken submit_sm, as text and as TLVs, as SMSCs commonly send both."""
    now = datetime.now()
    body = format_receipt(submit.message_id, stat, err, submitted=now, done=now)
    state = _STATE_OF.get(stat, 7)  # 7: UNKNOWN, for a stat outside SMPP's list
    fields = dict(
        source_addr=submit.dest, source_addr_ton=1, source_addr_npi=1,
        destination_addr=submit.sender, dest_addr_ton=submit.source_ton, dest_addr_npi=0,
        esm_class=RECEIPT, data_coding=0, short_message=body.encode("ascii"),
        tlvs=[smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, submit.message_id.encode() + b"\0"),
              smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, bytes([state]))],
    )  # fmt: skip
    return Delivery(submit.system_id, fields)


def mo_for(system_id: str, source: str, dest: str, text: str, reference: int) -> list[Delivery]:
    """The deliver_sm a phone's reply becomes, one per part."""
    deliveries = []
    for s in pdu_text.to_segments(text, reference):
        fields = dict(
            source_addr=source.lstrip("+"), source_addr_ton=1, source_addr_npi=1, destination_addr=dest,
            esm_class=s.esm_class, data_coding=s.data_coding, short_message=s.short_message,
        )  # fmt: skip
        deliveries.append(Delivery(system_id, fields))
    return deliveries


@dataclass(eq=False)
class Conn:
    """One ESME connection as the SMSC sees it."""

    sock: socket.socket
    lock: threading.Lock = field(default_factory=threading.Lock)
    mode: str | None = None
    system_id: str = ""
    closed: bool = False
    seq: itertools.count = field(default_factory=lambda: itertools.count(1))
    pending: dict[int, Delivery] = field(default_factory=dict)
    _held: list[bytes] | None = None

    def write(self, command: str, sequence: int, status: int = wire.ROK, **fields: object) -> None:
        """Send a PDU built with smpplib."""
        self.write_bytes(wire.encode(command, sequence, status, **fields))

    def write_bytes(self, data: bytes) -> None:
        """Send bytes now, or keep them for flush() while held."""
        with self.lock:
            if self._held is not None:
                self._held.append(data)
            else:
                self.sock.sendall(data)

    def hold(self) -> None:
        """Gather writes until flush(): one syscall answers a whole window of requests."""
        with self.lock:
            self._held = []

    def flush(self) -> None:
        """Send what was gathered since hold()."""
        with self.lock:
            data, self._held = b"".join(self._held or ()), None
            if data:
                self.sock.sendall(data)


class DeliveryQueue:
    """Offer each deliver_sm to a receiving session until one acknowledges it."""

    def __init__(self, receivers: Callable[[str], list[Conn]]) -> None:
        self._receivers = receivers
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Delivery]] = []
        self._parked: list[Delivery] = []
        self._order = itertools.count()
        self._binds = 0  # bumped on every receiving bind: parking must not miss one
        self._running = False
        self.delivered = 0

    def start(self) -> None:
        """Start the thread that sends due deliveries."""
        self._running = True
        threading.Thread(target=self._run, daemon=True, name="smsc-deliver").start()

    def stop(self) -> None:
        """Stop sending."""
        with self._cond:
            self._running = False
            self._cond.notify_all()

    def put(self, delivery: Delivery, delay: float = 0.0) -> None:
        """Queue a deliver_sm to go out after `delay` seconds."""
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._order), delivery))
            self._cond.notify()

    def unpark(self) -> None:
        """A receiving session bound: offer it what had nowhere to go."""
        with self._cond:
            self._binds += 1
            parked, self._parked = self._parked, []
        for delivery in parked:
            self.put(delivery)

    def answered(self, conn: Conn, sequence: int, status: int) -> None:
        """Settle a deliver_sm by its response: done, or offered again later."""
        with conn.lock:
            delivery = conn.pending.pop(sequence, None)
        if delivery is None:
            return
        if status == wire.ROK:
            with self._cond:
                self.delivered += 1
        else:
            self.put(delivery, min(RETRY * 2 ** (delivery.attempts - 1), 5.0))

    def forget(self, conn: Conn) -> None:
        """A connection ended: offer again whatever it had not acknowledged."""
        with conn.lock:
            conn.closed = True
            owed, conn.pending = list(conn.pending.values()), {}
        for delivery in owed:
            self.put(delivery, RETRY)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._running and (not self._heap or self._heap[0][0] > time.monotonic()):
                    self._cond.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                if not self._running:
                    return
                _, _, delivery = heapq.heappop(self._heap)
                binds = self._binds
            targets = self._receivers(delivery.system_id)
            if not targets:
                with self._cond:
                    if binds == self._binds:
                        self._parked.append(delivery)
                        continue
                self.put(delivery)
                continue
            # Round-robin over receiving sessions, so a refusal is retried on another one.
            conn = targets[delivery.attempts % len(targets)]
            delivery.attempts += 1
            with conn.lock:
                if conn.closed:
                    seq = None
                else:
                    seq = next(conn.seq)
                    conn.pending[seq] = delivery
            if seq is None:
                self.put(delivery, RETRY)
                continue
            try:
                conn.write_bytes(delivery.encode(seq))
            except OSError:
                self.forget(conn)
