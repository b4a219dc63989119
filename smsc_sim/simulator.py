"""An SMPP 3.4 SMSC on loopback for tests and local runs, with throttling and injectable faults."""

from __future__ import annotations

import argparse
import itertools
import logging
import secrets
import signal
import socket
import struct
import threading
import time

import smpp34
from smpplib.command import Command

from smsc_sim.deliveries import Conn, DeliveryQueue, mo_for, receipt_for
from smsc_sim.handset import Submit, reassemble
from tutti.smpp import wire
from tutti.smpp.bucket import TokenBucket

log = logging.getLogger(__name__)

SUBMIT_SM = 0x00000004
CAN_SEND = ("transmitter", "transceiver")
CAN_RECEIVE = ("receiver", "transceiver")


class Simulator:
    """A real SMSC over TCP: binds, submit_sm, receipts and MO as deliver_sm, fault injection."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        system_id: str = "tutti",
        password: str = "secret",
        cap: float | None = None,
        burst: float | None = None,
        receipt_delay: float = 0.05,
        receipts: bool = True,
    ) -> None:
        self.host, self.port = host, port
        self.system_id, self.password = system_id, password
        self.cap, self.burst = cap, burst
        self.receipt_delay, self.receipts = receipt_delay, receipts
        self.stats = dict.fromkeys(("binds", "submits", "accepted", "throttled", "refused", "enquire_links"), 0)
        self._lock = threading.Lock()
        self._submits: list[Submit] = []
        self._conns: list[Conn] = []
        self._deliveries = DeliveryQueue(self._receivers)
        self._ids = itertools.count(1)
        self._id_prefix = secrets.token_hex(3)  # ids stay unique across simulator restarts
        self._mo_refs = itertools.count(secrets.randbelow(256))
        self._bucket: TokenBucket | None = None
        self._fail_next: list[tuple[int, bool] | None] = []
        self._dest_status: dict[str, int] = {}
        self._swallow: set[str] = set()
        self._drop_after: tuple[int, bool] | None = None
        self._receipt_stat: dict[str, tuple[str, str]] = {}
        self._listener: socket.socket | None = None
        self._running = False

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> int:
        """Listen and serve in background threads; return the bound port."""
        self._listener = socket.create_server((self.host, self.port), backlog=64)
        self.port = self._listener.getsockname()[1]
        if self.cap:
            # A little more burst than the client's 100 ms keeps a client at the cap unthrottled.
            self._bucket = TokenBucket(self.cap, self.burst or max(2.0, self.cap / 5))
        self._running = True
        threading.Thread(target=self._accept_loop, daemon=True, name="smsc-accept").start()
        self._deliveries.start()
        return self.port

    def stop(self) -> None:
        """Stop listening and cut every connection."""
        with self._lock:
            self._running = False
            conns, self._conns = self._conns, []
        self._deliveries.stop()
        if self._listener is not None:
            wire.hard_close(self._listener)
        for conn in conns:
            wire.hard_close(conn.sock)

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults and scripted traffic ---------------------------------------------------------

    def fail_next(self, n: int, status: int = wire.RMSGQFUL, *, after: int = 0, nack: bool = False) -> None:
        """Refuse n submit_sm with `status` (default 0x14 queue full), once `after` more went through.

        With `nack`, the refusal is a generic_nack instead of a submit_sm_resp.
        """
        with self._lock:
            self._fail_next.extend([None] * after + [(status, nack)] * n)

    def fail_destination(self, dest: str, status: int = wire.RINVDSTADR) -> None:
        """Refuse every submit_sm to `dest` for good (default 0x0B invalid destination)."""
        with self._lock:
            self._dest_status[dest.lstrip("+")] = status

    def swallow_response_for(self, dest: str) -> None:
        """Take submit_sm to `dest` but never answer them, so the client cannot know."""
        with self._lock:
            self._swallow.add(dest.lstrip("+"))

    def drop_connection_after(self, n: int, accept: bool = True) -> None:
        """Answer n more submit_sm, then cut the connection on the next one (taken if `accept`)."""
        with self._lock:
            self._drop_after = (n, accept)

    def set_receipt(self, dest: str, stat: str = "UNDELIV", err: str = "001") -> None:
        """Make receipts for `dest` report `stat` instead of DELIVRD."""
        with self._lock:
            self._receipt_stat[dest.lstrip("+")] = (stat, err)

    def inject_mo(self, source: str, text: str, dest: str = "36608", system_id: str | None = None) -> None:
        """Deliver an SMS from a phone (e.g. a STOP reply) to a receiving session."""
        for delivery in mo_for(system_id or self.system_id, source, dest, text, next(self._mo_refs) & 0xFF):
            self._deliveries.put(delivery)

    # -- what the phones got -----------------------------------------------------------------

    def submits(self) -> list[Submit]:
        """Every submit_sm the SMSC took, in arrival order."""
        with self._lock:
            return list(self._submits)

    def received(self) -> list[dict[str, object]]:
        """Phone-level messages: parts reassembled by UDH, duplicates kept apart."""
        return reassemble(self.submits())

    def disconnect_all(self) -> None:
        """Cut every open connection, as a restarting SMSC would; keep listening."""
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            wire.hard_close(conn.sock)

    @property
    def delivered(self) -> int:
        """How many deliver_sm (receipts and MO) a session acknowledged."""
        return self._deliveries.delivered

    def bound(self, mode: str | None = None) -> int:
        """How many sessions are bound (in `mode` if given)."""
        with self._lock:
            return sum(1 for c in self._conns if c.mode and (mode is None or c.mode == mode))

    # -- serving -----------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while self._running:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Conn(sock)
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True, name="smsc-conn").start()

    def _serve(self, conn: Conn) -> None:
        reader = wire.FrameReader(conn.sock)
        try:
            go_on = True
            while go_on and self._running:
                frame = reader.frame(0.5)
                if frame is None:
                    continue
                conn.hold()
                go_on = self._handle(conn, frame)
                while go_on and reader.ready():
                    go_on = self._handle(conn, reader.frame(0))  # type: ignore[arg-type]
                if not conn.closed:
                    conn.flush()
        except (ConnectionError, OSError):
            pass
        finally:
            with self._lock:
                if conn in self._conns:
                    self._conns.remove(conn)
            self._deliveries.forget(conn)
            wire.hard_close(conn.sock)

    def _receivers(self, system_id: str) -> list[Conn]:
        with self._lock:
            return [c for c in self._conns if c.mode in CAN_RECEIVE and c.system_id == system_id]

    def _handle(self, conn: Conn, frame: bytes) -> bool:
        """Answer one PDU; return False once the connection must end."""
        command_id, status, seq = wire.header(frame)
        if command_id == SUBMIT_SM:
            return self._submit(conn, frame, seq)
        pdu = wire.decode(frame)
        name = pdu.command if pdu is not None else ""
        if name in ("bind_transmitter", "bind_receiver", "bind_transceiver"):
            self._bind(conn, pdu, seq)
        elif name == "enquire_link":
            with self._lock:
                self.stats["enquire_links"] += 1
            conn.write("enquire_link_resp", seq)
        elif name == "unbind":
            conn.write("unbind_resp", seq)
            conn.flush()
            return False
        elif name in ("deliver_sm_resp", "generic_nack"):
            self._deliveries.answered(conn, seq, status)
        elif not command_id & 0x80000000:
            conn.write("generic_nack", seq, wire.RINVCMDID if pdu is None else wire.RINVBNDSTS)
        return True

    def _bind(self, conn: Conn, pdu: Command, seq: int) -> None:
        answer = f"{pdu.command}_resp"
        if conn.mode is not None:
            conn.write(answer, seq, 0x05)  # ESME_RALYBND
        elif wire.text(pdu.system_id) != self.system_id or wire.text(pdu.password) != self.password:
            conn.write(answer, seq, wire.RBINDFAIL)
        else:
            with self._lock:
                conn.mode, conn.system_id = pdu.command.removeprefix("bind_"), self.system_id
                self.stats["binds"] += 1
            conn.write(answer, seq, system_id="SIMSMSC")
            if conn.mode in CAN_RECEIVE:
                self._deliveries.unpark()

    def _submit(self, conn: Conn, frame: bytes, seq: int) -> bool:
        # smpp34's Rust codec reads what smpplib wrote: an independent check of the client's bytes.
        try:
            pdu = smpp34.decode(frame)
        except smpp34.SmppError:
            conn.write("generic_nack", seq, 0x02)  # ESME_RINVCMDLEN
            return True
        if conn.mode not in CAN_SEND:
            conn.write("submit_sm_resp", seq, wire.RINVBNDSTS)
            return True
        dest = pdu.destination_addr
        with self._lock:
            self.stats["submits"] += 1
            cut = self._cut_now()
            if cut is None:
                status, answer = self._verdict(dest)
            else:  # the connection dies on this one: nothing answers it
                status, answer = (wire.ROK if cut else None), None
            if status == wire.ROK:
                message_id = f"{self._id_prefix}{next(self._ids):08x}"
                submit = Submit.from_pdu(message_id, conn.system_id, pdu, frame, time.time())
                self._submits.append(submit)
                self.stats["accepted"] += 1
            elif status is not None:
                self.stats["throttled" if status == wire.RTHROTTLED else "refused"] += 1
        if status == wire.ROK:
            if answer is not None and dest not in self._swallow:
                conn.write(answer, seq, message_id=message_id)
            self._schedule_receipt(submit)
        elif answer is not None:
            conn.write(answer, seq, status)
        if cut is not None:
            conn.flush()  # what was answered before the cut did reach the client
            with conn.lock:
                conn.closed = True
            # RST rather than FIN: the link dies mid-window, as when a carrier's box crashes.
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.sock.close()
        return cut is None

    def _cut_now(self) -> bool | None:
        """Count down drop_connection_after: None, or on the cut whether that submit is taken (under the lock)."""
        if self._drop_after is None:
            return None
        left, accept = self._drop_after
        self._drop_after = (left - 1, accept) if left else None
        return None if left else accept

    def _verdict(self, dest: str) -> tuple[int, str]:
        """Decide the command_status of a submit_sm and the PDU that says it (under the lock)."""
        if self._bucket is not None and not self._bucket.take():
            return wire.RTHROTTLED, "submit_sm_resp"
        if self._fail_next and (failure := self._fail_next.pop(0)) is not None:
            return failure[0], "generic_nack" if failure[1] else "submit_sm_resp"
        if not dest.isdigit() or not 8 <= len(dest) <= 15:
            return wire.RINVDSTADR, "submit_sm_resp"
        return self._dest_status.get(dest, wire.ROK), "submit_sm_resp"

    def _schedule_receipt(self, submit: Submit) -> None:
        if self.receipts and submit.registered_delivery & 0x01:
            stat, err = self._receipt_stat.get(submit.dest, ("DELIVRD", "000"))
            self._deliveries.put(receipt_for(submit, stat, err), self.receipt_delay)


def main(argv: list[str] | None = None) -> None:
    """Run the simulator until interrupted: python -m smsc_sim.simulator --port 2775 --cap 100."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2775)
    parser.add_argument("--cap", type=float, default=None, help="segments per second (default: none)")
    parser.add_argument("--system-id", default="tutti")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--receipt-delay", type=float, default=1.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sim = Simulator(
        args.host, args.port, system_id=args.system_id, password=args.password,
        cap=args.cap, receipt_delay=args.receipt_delay,
    )  # fmt: skip
    # The handler comes before the port is printed: whoever reads the port may send SIGTERM at once.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    port = sim.start()
    print(f"SMPP simulator on {args.host}:{port} (system_id={args.system_id}, cap={args.cap})", flush=True)
    shown = 0
    try:
        while not stop.wait(0.5):
            # Show what each phone received, reassembled, as it arrives.
            complete = [m for m in sim.received() if m["complete"]]
            for message in complete[shown:]:
                coding = "UCS-2" if message["data_coding"] == 8 else "GSM-7"
                print(f"→ {message['to']} de {message['sender']} [{coding}, {message['parts']} partie(s)] "
                      f"{message['text']}", flush=True)
            shown = max(shown, len(complete))
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        print(f"stopped; {sim.stats}", flush=True)


if __name__ == "__main__":
    main()
