"""SMPP transport: one transceiver bind, a window of submit_sm in flight, a segments-per-second pace.

Outcomes, per message:
- accepted: every part got submit_sm_resp 0; provider_id is the parts' message ids joined by ","
  in part order (one id for a one-part SMS). Receipts come per part: match them with `matches()`.
- failed: no part was taken: refused for good (error holds the SMPP status), still throttled or
  queue-full after every retry, or never written because the SMSC could not be reached.
- unknown: at least one part may have been taken but we cannot know (its response was lost to a
  cut connection or a timeout), or some parts were taken and another refused. Never resent.
  provider_id then joins the ids of the parts known taken, segments counts the parts that may
  have gone out.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from smpplib.command import Command

from tutti.smpp import pdu_text, wire
from tutti.smpp.bucket import TokenBucket
from tutti.smpp.config import BindConfig
from tutti.smpp.session import BindError, Session
from tutti.transports.base import NOT_SENT, OutgoingSms, SendResult

log = logging.getLogger(__name__)


def part_ids(provider_id: str | None) -> list[str]:
    """Split a provider_id into the message ids of its parts."""
    return [i for i in (provider_id or "").split(",") if i]


def matches(provider_id: str | None, receipt_id: str) -> bool:
    """Whether a receipt's id belongs to the message stored with this provider_id."""
    return receipt_id in part_ids(provider_id)


@dataclass
class _Message:
    sms: OutgoingSms
    states: list[str]  # per part: queued, accepted, failed, unknown
    ids: list[str | None]
    error: str | None = None

    def result(self) -> SendResult:
        taken = [i for i in self.ids if i]
        states = set(self.states)
        if states == {"accepted"}:
            return SendResult(self.sms.message_id, "accepted", ",".join(taken), None, len(self.states))
        if states <= {"failed", "queued"}:
            return SendResult(self.sms.message_id, "failed", None, self.error or NOT_SENT)
        out = self.states.count("accepted") + self.states.count("unknown")
        error = self.error
        if "unknown" not in states:
            error = f"partial: {len(taken)}/{len(self.states)} parts taken, {error}"
        return SendResult(self.sms.message_id, "unknown", ",".join(taken) or None, error, out)


@dataclass(order=True)
class _Part:
    due: float
    order: int
    message: _Message = field(compare=False)
    index: int = field(compare=False)
    segment: pdu_text.Segment = field(compare=False)
    attempts: int = field(default=0, compare=False)


class SmppTransport:
    """Send SMS to an SMPP provider; one instance keeps one bind open between batches."""

    name = "smpp"

    def __init__(self, config: BindConfig, *, on_deliver: Callable[[Command], int] | None = None) -> None:
        self.config = config
        # Receipts may come back on this bind too: without a handler, refuse them as "retry later"
        # so the SMSC keeps them for the receiver bind instead of losing them here.
        self.on_deliver = on_deliver or (lambda pdu: wire.RX_T_APPN)
        self._bucket = TokenBucket(config.throughput) if config.throughput > 0 else None
        self._session: Session | None = None
        self._events: queue.Queue[tuple[Session, Command | None]] = queue.Queue()
        self._refs = itertools.count(secrets.randbelow(256))
        self._order = itertools.count()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @property
    def outgoing_window(self) -> int:
        """How many messages the job marks outgoing (one commit) before handing them to send_batch."""
        return self.config.window

    def send_batch(self, batch: list[OutgoingSms]) -> list[SendResult]:
        """Send every message; raise ConnectionError only if the SMSC cannot be bound before any send."""
        with self._lock:
            messages, heap = self._plan(batch)
            if not heap:
                return [m.result() for m in messages]
            if self._session is None:
                self._connect()  # nothing sent yet: let the caller retry the whole batch later
            self._run(heap)
            return [m.result() for m in messages]

    def recover(self, message_ids: list[int]) -> dict[int, SendResult]:
        """SMPP cannot say whether a submit whose answer was lost was taken: nothing is known."""
        return {}

    def close(self) -> None:
        """Unbind and drop the connection."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    # -- the send loop -----------------------------------------------------------------------

    def _plan(self, batch: list[OutgoingSms]) -> tuple[list[_Message], list[_Part]]:
        messages, heap = [], []
        cut: dict[str, list[pdu_text.Segment]] = {}  # a campaign's messages share one text: encode it once
        for sms in batch:
            reference = next(self._refs) & 0xFF
            try:
                if sms.text not in cut:
                    cut[sms.text] = pdu_text.to_segments(sms.text, 0)
                segments = cut[sms.text]
            except ValueError as exc:  # UnicodeError included: one bad text must not sink the batch
                messages.append(_Message(sms, [], [], f"invalid text: {exc}"))
                continue
            if len(segments) > 1:  # each message its own concatenation reference (UDH octet 3)
                segments = [pdu_text.Segment(s.data_coding, s.esm_class,
                                             s.short_message[:3] + bytes([reference]) + s.short_message[4:])
                            for s in segments]
            message = _Message(sms, ["queued"] * len(segments), [None] * len(segments))
            messages.append(message)
            heap += [_Part(0.0, next(self._order), message, i, s) for i, s in enumerate(segments)]
        heapq.heapify(heap)
        return messages, heap

    def _run(self, heap: list[_Part]) -> None:
        inflight: dict[int, tuple[_Part, float]] = {}
        timeout = self.config.timeout
        while heap or inflight:
            now = time.monotonic()
            for seq, (part, sent) in list(inflight.items()):
                if now - sent > timeout:
                    del inflight[seq]
                    self._settle(part, "unknown", error=f"no submit_sm_resp within {timeout:g}s")
                    if self._session is not None:
                        self._session.probe()  # a hung SMSC then closes the session
            if self._session is None and not self._reconnect():
                for part in heap:
                    self._settle(part, "failed", error=f"{NOT_SENT}: connection lost, no new bind")
                return
            self._submit_ready(heap, inflight, now)
            self._wait(heap, inflight)

    def _submit_ready(self, heap: list[_Part], inflight: dict[int, tuple[_Part, float]], now: float) -> None:
        assert self._session is not None
        while heap and len(inflight) < self.config.window and heap[0].due <= now and now >= self._paused_until:
            if "failed" in heap[0].message.states:
                # One part refused for good: sending the others would only bill a fragment.
                self._settle(heapq.heappop(heap), "failed")
                continue
            if self._bucket is not None and not self._bucket.take(now):
                return
            part = heap[0]
            try:
                seq = self._session.send("submit_sm", **self._fields(part))
            except ConnectionError:
                return  # not written: it stays queued for the next connection
            heapq.heappop(heap)
            inflight[seq] = (part, now)

    def _fields(self, part: _Part) -> dict[str, object]:
        sms, segment = part.message.sms, part.segment
        return dict(
            source_addr_ton=self.config.source_ton, source_addr_npi=self.config.source_npi, source_addr=sms.sender,
            dest_addr_ton=1, dest_addr_npi=1, destination_addr=sms.to.lstrip("+"),
            esm_class=segment.esm_class, data_coding=segment.data_coding,
            short_message=segment.short_message, registered_delivery=1,
        )  # fmt: skip

    def _wait(self, heap: list[_Part], inflight: dict[int, tuple[_Part, float]]) -> None:
        """Wait for the next response or for the moment something else is due, then act on it."""
        now = time.monotonic()
        due = [now + 0.2]
        if inflight:
            due.append(min(sent for _, sent in inflight.values()) + self.config.timeout)
        if heap and len(inflight) < self.config.window and self._session is not None:
            start = max(heap[0].due, self._paused_until)
            due.append(start + (self._bucket.delay(now) if self._bucket else 0.0))
        try:
            event = self._events.get(timeout=max(0.0, min(due) - now))
        except queue.Empty:
            return
        while True:
            self._on_event(event, heap, inflight)
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return

    def _on_event(
        self, event: tuple[Session, Command | None], heap: list[_Part], inflight: dict[int, tuple[_Part, float]]
    ) -> None:
        session, pdu = event
        if session is not self._session:
            return  # a late word from a connection already given up
        if pdu is None:
            self._session = None
            for part, _ in inflight.values():
                self._settle(part, "unknown", error="connection lost before submit_sm_resp")
            inflight.clear()
            return
        entry = inflight.pop(pdu.sequence, None)
        if entry is None:
            log.info("late or stray %s seq=%s ignored", pdu.command, pdu.sequence)
            return
        part, status = entry[0], pdu.status
        if status == wire.ROK and pdu.command == "submit_sm_resp":
            self._settle(part, "accepted", provider_id=wire.text(pdu.message_id))
        elif status in wire.RETRYABLE and part.attempts < self.config.retries:
            part.attempts += 1
            delay = min(0.05 * 2 ** (part.attempts - 1), 2.0)
            part.due = time.monotonic() + delay
            # The SMSC says we are too fast: everyone waits, not just this part.
            self._paused_until = max(self._paused_until, part.due)
            heapq.heappush(heap, part)
        else:
            self._settle(part, "failed", error=wire.status_text(status or wire.RSYSERR))

    def _settle(self, part: _Part, state: str, provider_id: str | None = None, error: str | None = None) -> None:
        message = part.message
        message.states[part.index] = state
        message.ids[part.index] = provider_id
        if error and message.error is None:
            message.error = f"part {part.index + 1}: {error}" if len(message.states) > 1 else error

    # -- connection --------------------------------------------------------------------------

    def _connect(self) -> None:
        def forward(pdu: Command | None) -> None:
            self._events.put((session, pdu))

        session = Session(self.config, mode="transceiver", on_response=forward, on_deliver=self.on_deliver,
                          on_close=lambda: forward(None))  # fmt: skip
        session.open()
        self._session = session

    def _reconnect(self) -> bool:
        """Bind again after a lost connection, backing off; False if the SMSC stays away."""
        for attempt in range(self.config.reconnects):
            try:
                self._connect()
                return True
            except BindError as exc:
                log.error("SMPP rebind refused: %s", exc)
                return False
            except ConnectionError as exc:
                log.warning("SMPP reconnect %d failed: %s", attempt + 1, exc)
                time.sleep(min(0.1 * 2**attempt, 2.0))
        return False
