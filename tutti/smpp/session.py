"""One bound ESME connection: bind, thread-safe writes, a reader thread, enquire_link keepalive."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable

from smpplib.command import Command

from tutti.smpp import wire
from tutti.smpp.config import BindConfig

log = logging.getLogger(__name__)

TICK = 0.2  # how often an idle reader wakes to check keepalive and shutdown


class BindError(ConnectionError):
    """The SMSC refused the bind (wrong system_id/password, or bind not allowed)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"bind refused: {wire.status_text(status)}")
        self.status = status


class Session:
    """A bound SMPP session whose reader thread hands PDUs to callbacks."""

    def __init__(
        self,
        config: BindConfig,
        *,
        mode: str = "transceiver",
        on_response: Callable[[Command], None] = lambda pdu: None,
        on_deliver: Callable[[Command], int] = lambda pdu: wire.RX_T_APPN,
        on_close: Callable[[], None] = lambda: None,
    ) -> None:
        self.config, self.mode = config, mode
        self.on_response, self.on_deliver, self.on_close = on_response, on_deliver, on_close
        self._sock: socket.socket | None = None
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._seq = 0
        self._last_read = self._enquired = 0.0
        self._opened = False
        self.closed = threading.Event()
        self.closed.set()

    @property
    def alive(self) -> bool:
        """Whether the session is bound and its connection up."""
        return not self.closed.is_set()

    def open(self) -> None:
        """Connect and bind once; raise BindError or ConnectionError, leaving nothing open."""
        if self._opened:
            raise RuntimeError("a Session serves one connection: make a new one to reconnect")
        self._opened = True
        config = self.config
        try:
            sock = socket.create_connection((config.host, config.port), timeout=config.timeout)
        except OSError as exc:  # refused, unreachable, timed out: all mean "no SMSC there now"
            raise ConnectionError(f"cannot reach {config.host}:{config.port}: {exc}") from exc
        # The socket timeout now bounds writes only; reads wait through select().
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = wire.FrameReader(sock)
        self._sock = sock
        try:
            seq = self._write(
                f"bind_{self.mode}",
                system_id=config.system_id,
                password=config.password,
                system_type=config.system_type,
            )
            deadline = time.monotonic() + config.timeout
            while True:
                frame = reader.frame(max(0.0, deadline - time.monotonic()))
                if frame is None:
                    raise ConnectionError("no answer to bind")
                command_id, status, resp_seq = wire.header(frame)
                if command_id & 0x80000000 and resp_seq == seq:
                    break
            if status != wire.ROK:
                raise BindError(status)
        except BaseException:
            self._sock = None
            wire.hard_close(sock)
            raise
        self._last_read = time.monotonic()
        self._enquired = 0.0
        self.closed.clear()
        threading.Thread(target=self._read_loop, args=(reader,), daemon=True, name="smpp-esme").start()

    def send(self, command: str, **fields: object) -> int:
        """Write a request PDU; return its sequence number. ConnectionError means it was not written."""
        if not self.alive:
            raise ConnectionError("session closed")
        return self._write(command, **fields)

    def reply(self, command: str, sequence: int, status: int = wire.ROK, **fields: object) -> None:
        """Write a response PDU to the request with this sequence number."""
        self._write(command, sequence=sequence, status=status, **fields)

    def close(self, unbind: bool = True) -> None:
        """Unbind (best effort) and drop the connection."""
        if unbind and self.alive:
            try:
                self.send("unbind")
                self.closed.wait(min(self.config.timeout, 1.0))  # the reader closes on unbind_resp
            except ConnectionError:
                pass
        self._shutdown()

    def _write(self, command: str, sequence: int | None = None, **fields: object) -> int:
        sock = self._sock
        if sock is None:
            raise ConnectionError("not connected")
        with self._write_lock:
            if sequence is None:
                self._seq = self._seq % 0x7FFFFFFF + 1
                sequence = self._seq
            data = wire.encode(command, sequence, **fields)
            try:
                sock.sendall(data)
            except OSError as exc:
                # A half-written PDU corrupts the stream: drop the connection so nothing follows it.
                self._shutdown()
                raise ConnectionError(str(exc)) from exc
        return sequence

    def _read_loop(self, reader: wire.FrameReader) -> None:
        try:
            while self.alive:
                frame = reader.frame(TICK)
                if frame is None:
                    self._keep_alive()
                    continue
                self._last_read = time.monotonic()
                self._enquired = 0.0
                if self._handle(frame):
                    break
        except ConnectionError as exc:
            if self.alive:
                log.warning("SMPP connection to %s:%s lost: %s", self.config.host, self.config.port, exc)
        except Exception:  # a PDU smpplib cannot parse: the stream can no longer be trusted
            log.exception("SMPP session to %s:%s dropped on an unreadable PDU", self.config.host, self.config.port)
        finally:
            self._shutdown()
            # Last word of the session, after every response it read: whoever waits on
            # responses can then tell an answered request from a lost one.
            self.on_close()

    def probe(self) -> None:
        """Send an enquire_link now; the session closes if it goes unanswered for the config's `timeout`."""
        if not self._enquired:
            self._enquired = time.monotonic()
            try:
                self.send("enquire_link")
            except ConnectionError:
                pass

    def _keep_alive(self) -> None:
        now = time.monotonic()
        if self._enquired and now - self._enquired > self.config.timeout:
            raise ConnectionError("enquire_link unanswered")
        if not self._enquired and now - self._last_read > self.config.keepalive:
            self.probe()

    def _handle(self, frame: bytes) -> bool:
        """Act on one PDU; return True when the session is over."""
        pdu = wire.decode(frame)
        command_id, status, seq = wire.header(frame)
        if pdu is None:
            if not command_id & 0x80000000:
                self.reply("generic_nack", seq, wire.RINVCMDID)
            return False
        if pdu.command == "deliver_sm":
            try:
                answer = self.on_deliver(pdu)
            except LookupError as error:  # e.g. a receipt that outran the job's record of its message
                log.info("deliver_sm not matched yet (%s); asking the SMSC to retry", error)
                answer = wire.RX_T_APPN
            except Exception:
                log.exception("deliver_sm handler failed; asking the SMSC to retry")
                answer = wire.RX_T_APPN
            self.reply("deliver_sm_resp", seq, answer)
        elif pdu.command == "enquire_link":
            self.reply("enquire_link_resp", seq)
        elif pdu.command == "unbind":
            self.reply("unbind_resp", seq)
            return True
        elif pdu.command == "unbind_resp":
            return True
        elif pdu.command in ("submit_sm_resp", "generic_nack"):
            self.on_response(pdu)
        elif pdu.command != "enquire_link_resp" and not pdu.is_response():
            self.reply("generic_nack", seq, wire.RINVCMDID)
        return False

    def _shutdown(self) -> None:
        with self._state_lock:  # reader and writer may both find the connection dead
            sock, self._sock = self._sock, None
            self.closed.set()
        if sock is not None:
            wire.hard_close(sock)
