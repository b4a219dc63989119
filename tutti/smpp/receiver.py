"""A long-lived receiving bind: delivery receipts and replies from phones, handed to callbacks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from smpplib.command import Command

from tutti.smpp import pdu_text, wire
from tutti.smpp.config import BindConfig
from tutti.smpp.receipts import MESSAGE_STATES, parse_receipt
from tutti.smpp.session import Session

log = logging.getLogger(__name__)

OnReceipt = Callable[[str, str, str | None, str], None]  # provider_id, stat (DELIVRD…), error code, phone
OnInbound = Callable[[str, str, str], None]  # source (E.164 when international), destination, text


class DeliverHandler:
    """Turn deliver_sm PDUs into on_receipt / on_inbound calls; return the deliver_sm_resp status."""

    def __init__(self, on_receipt: OnReceipt, on_inbound: OnInbound) -> None:
        self.on_receipt, self.on_inbound = on_receipt, on_inbound
        self._parts: dict[tuple[str, int, int], dict[int, str]] = {}
        self._lock = threading.Lock()

    def __call__(self, pdu: Command) -> int:
        """Handle one deliver_sm; a callback that raises makes the SMSC deliver it again later."""
        if (pdu.esm_class or 0) & 0x3C == 0x04:
            return self._receipt(pdu)
        return self._inbound(pdu)

    def _receipt(self, pdu: Command) -> int:
        body = (pdu.short_message or b"").decode("latin-1")
        receipt = parse_receipt(body)
        # The TLVs, when present, are the structured truth; the text is the common fallback.
        provider_id = wire.text(pdu.receipted_message_id) or (receipt.id if receipt else "")
        stat = MESSAGE_STATES.get(pdu.message_state or 0) or (receipt.stat if receipt else "")
        if not provider_id or not stat:
            # The receipt's text field holds the start of the message: it stays out of the logs.
            log.warning("unreadable delivery receipt ignored (%d bytes)", len(body))
            return wire.ROK  # asking for it again would bring back the same unreadable text
        source = wire.text(pdu.source_addr)
        if pdu.source_addr_ton == 1 and source.isdigit():
            source = "+" + source
        self.on_receipt(provider_id, stat, receipt.error if receipt else None, source)
        return wire.ROK

    def _inbound(self, pdu: Command) -> int:
        source = wire.text(pdu.source_addr)
        if pdu.source_addr_ton == 1 and source.isdigit():
            source = "+" + source
        concat, body = pdu_text.split_udh(pdu.short_message or b"", pdu.esm_class or 0)
        text = pdu_text.decode_text(body, pdu.data_coding or 0, errors="replace")
        if concat is not None:
            whole = self._assemble(source, concat, text)
            if whole is None:
                return wire.ROK
            text = whole
        self.on_inbound(source, wire.text(pdu.destination_addr), text)
        return wire.ROK

    def _assemble(self, source: str, concat: pdu_text.Concat, text: str) -> str | None:
        """Keep parts of a long reply until all have come; return the whole text then."""
        key = (source, concat.reference, concat.total)
        with self._lock:
            if key not in self._parts and len(self._parts) >= 1000:
                del self._parts[next(iter(self._parts))]  # a part that never came must not grow this forever
            parts = self._parts.setdefault(key, {})
            parts[concat.seq] = text
            if len(parts) < concat.total:
                return None
            del self._parts[key]
        return "".join(parts[i] for i in sorted(parts))


class Receiver:
    """Keep one receiver bind up, reconnecting with backoff, until stop() is called from any thread."""

    def __init__(
        self,
        config: BindConfig,
        *,
        on_receipt: OnReceipt,
        on_inbound: OnInbound,
        backoff: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self.config, self.backoff = config, backoff
        self.handler = DeliverHandler(on_receipt, on_inbound)
        self.bound = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._session: Session | None = None

    def start(self) -> None:
        """Start the background thread that binds and stays bound."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="smpp-receiver")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Unbind and stop reconnecting; safe from any thread."""
        self._stop.set()
        session = self._session
        if session is not None:
            session.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = self.backoff[0]
        while not self._stop.is_set():
            session = Session(self.config, mode="receiver", on_deliver=self.handler)
            try:
                session.open()
            except ConnectionError as exc:  # BindError included: the password may be fixed meanwhile
                log.warning("SMPP receiver bind failed (retry in %.1fs): %s", delay, exc)
                self._stop.wait(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            self._session, delay = session, self.backoff[0]
            self.bound.set()
            while not self._stop.is_set() and not session.closed.wait(0.2):
                pass
            self.bound.clear()
            self._session = None
            session.close()
