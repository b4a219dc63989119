"""Delivery receipts, STOP replies and the receiving bind that hands them over."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from smsc_sim.simulator import Simulator
from tutti.smpp.config import BindConfig
from tutti.smpp.receipts import format_receipt, is_stop, parse_receipt
from tutti.smpp.receiver import Receiver
from tutti.transports.base import OutgoingSms
from tutti.transports.smpp import SmppTransport, part_ids

RECEIPT = (
    "id:0A1B2C3D sub:001 dlvrd:001 submit date:2511241830 done date:251124183105 "
    "stat:DELIVRD err:000 text:Répétition à 18h"
)


def test_parse_receipt_reads_every_field():
    r = parse_receipt(RECEIPT)
    assert (r.id, r.stat, r.err, r.error, r.sub, r.dlvrd) == ("0A1B2C3D", "DELIVRD", "000", None, "001", "001")
    assert r.submit_date == datetime(2025, 11, 24, 18, 30)
    assert r.done_date == datetime(2025, 11, 24, 18, 31, 5)
    assert r.text == "Répétition à 18h" and r.final


def test_parse_receipt_failure_keeps_error_code():
    r = parse_receipt("id:77 sub:001 dlvrd:000 submit date:2511241830 done date:2511241830 stat:UNDELIV err:005 Text:x")
    assert (r.id, r.stat, r.error, r.text) == ("77", "UNDELIV", "005", "x")


def test_parse_receipt_text_may_contain_keys():
    r = parse_receipt("id:9 stat:EXPIRED err:0 text:stat:DELIVRD id:8")
    assert (r.id, r.stat, r.text) == ("9", "EXPIRED", "stat:DELIVRD id:8")


@pytest.mark.parametrize("text", ["", "hello", "id:42 dlvrd:001", "stat:DELIVRD"])
def test_parse_receipt_without_id_or_stat_is_none(text):
    assert parse_receipt(text) is None


def test_parse_receipt_tolerates_bad_dates_and_lowercase_stat():
    r = parse_receipt("id:5 submit date:9999999999 done date:abc stat:acceptd")
    assert (r.submit_date, r.done_date, r.stat, r.final) == (None, None, "ACCEPTD", False)


def test_format_receipt_round_trips():
    at = datetime(2025, 1, 2, 3, 4)
    r = parse_receipt(format_receipt("abc", "REJECTD", "011", submitted=at, done=at, text="hi"))
    assert (r.id, r.stat, r.error, r.submit_date, r.text) == ("abc", "REJECTD", "011", at, "hi")


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", "Stop.", " STOP SMS ", "Stop!", "STOP 36608", "STOP36608", "stop merci", "«STOP»", "\nStop\n"],
)
def test_is_stop_true(text):
    assert is_stop(text)


@pytest.mark.parametrize("text", ["stopper", "non stop merci", "Stoppez", "", "OK merci", "s t o p", "arrêt"])
def test_is_stop_false(text):
    assert not is_stop(text)


# -- the receiving bind --------------------------------------------------------------------


class Inbox:
    """Collect callback calls and let a test wait for them."""

    def __init__(self) -> None:
        self.receipts: list[tuple[str, str, str | None]] = []
        self.inbound: list[tuple[str, str, str]] = []
        self.changed = threading.Condition()

    def on_receipt(self, provider_id: str, stat: str, error: str | None, source: str = "") -> None:
        with self.changed:
            self.receipts.append((provider_id, stat, error))
            self.changed.notify_all()

    def on_inbound(self, source: str, dest: str, text: str) -> None:
        with self.changed:
            self.inbound.append((source, dest, text))
            self.changed.notify_all()

    def wait(self, predicate, timeout: float = 5.0) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(receipt_delay=0.01)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def receiver(sim, inbox) -> Iterator[Receiver]:
    r = Receiver(
        BindConfig.from_url(f"smpp://tutti:secret@127.0.0.1:{sim.port}"), on_receipt=inbox.on_receipt,
        on_inbound=inbox.on_inbound, backoff=(0.05, 0.2),
    )  # fmt: skip
    r.start()
    assert r.bound.wait(3)
    yield r
    r.stop()


def send(sim: Simulator, to: str, text: str = "Répétition à 18h30.STOP 36608") -> str:
    transport = SmppTransport(BindConfig.from_url(f"smpp://tutti:secret@127.0.0.1:{sim.port}?throughput=0"))
    [result] = transport.send_batch([OutgoingSms(1, 1, "Ecole", to, text)])
    transport.close()
    return result.provider_id


def test_receiver_gets_receipts_with_the_provider_id(sim, inbox, receiver):
    provider_id = send(sim, "+33612345678")
    assert inbox.wait(lambda: inbox.receipts)
    assert inbox.receipts == [(provider_id, "DELIVRD", None)]


def test_receiver_gets_one_receipt_per_part(sim, inbox, receiver):
    provider_id = send(sim, "+33612345678", "é" * 100 + "ç" * 100)
    assert inbox.wait(lambda: len(inbox.receipts) == 3)
    assert sorted(r[0] for r in inbox.receipts) == sorted(part_ids(provider_id))


def test_receipt_refused_by_the_transport_bind_reaches_the_receiver(sim, inbox, receiver):
    transport = SmppTransport(BindConfig.from_url(f"smpp://tutti:secret@127.0.0.1:{sim.port}?throughput=0"))
    [result] = transport.send_batch([OutgoingSms(1, 1, "Ecole", "+33612345678", "x" * 400)])
    assert inbox.wait(lambda: len(inbox.receipts) == 3)
    transport.close()
    assert sorted(r[0] for r in inbox.receipts) == sorted(part_ids(result.provider_id))


def test_receiver_gets_failed_receipt_with_error(sim, inbox, receiver):
    sim.set_receipt("+33612345678", "UNDELIV", "011")
    provider_id = send(sim, "+33612345678")
    assert inbox.wait(lambda: inbox.receipts)
    assert inbox.receipts == [(provider_id, "UNDELIV", "011")]


def test_receiver_gets_stop_reply(sim, inbox, receiver):
    sim.inject_mo("+33612345678", "Stop.")
    assert inbox.wait(lambda: inbox.inbound)
    [(source, dest, text)] = inbox.inbound
    assert (source, dest, text) == ("+33612345678", "36608", "Stop.") and is_stop(text)


def test_receiver_reassembles_a_long_reply(sim, inbox, receiver):
    text = "Bonjour, je ne pourrai pas venir à la répétition de jeudi. Merci et bonne soirée ! " * 3 + "ç"
    sim.inject_mo("+33612345678", text)
    assert inbox.wait(lambda: inbox.inbound)
    assert inbox.inbound == [("+33612345678", "36608", text)]


def test_receiver_reconnects_after_the_link_drops(sim, inbox, receiver):
    sim.disconnect_all()
    assert _eventually(lambda: sim.stats["binds"] == 2)
    sim.inject_mo("+33612345678", "STOP")
    assert inbox.wait(lambda: inbox.inbound)


def test_receiver_callback_error_gets_the_message_again(sim, inbox):
    calls = []

    def flaky(source: str, dest: str, text: str) -> None:
        calls.append(text)
        if len(calls) == 1:
            raise RuntimeError("database busy")
        inbox.on_inbound(source, dest, text)

    r = Receiver(BindConfig("127.0.0.1", sim.port, "tutti", "secret"), on_receipt=inbox.on_receipt, on_inbound=flaky)
    r.start()
    sim.inject_mo("+33612345678", "STOP")
    assert inbox.wait(lambda: inbox.inbound)
    r.stop()
    assert calls == ["STOP", "STOP"]


def test_receiver_with_wrong_password_retries_and_stops_cleanly(sim, inbox):
    r = Receiver(BindConfig("127.0.0.1", sim.port, "tutti", "bad"), on_receipt=inbox.on_receipt,
                 on_inbound=inbox.on_inbound, backoff=(0.05, 0.1))  # fmt: skip
    r.start()
    time.sleep(0.3)
    assert not r.bound.is_set() and sim.bound() == 0
    stopper = threading.Thread(target=r.stop)
    started = time.monotonic()
    stopper.start()
    stopper.join(2)
    assert not stopper.is_alive() and time.monotonic() - started < 1
    assert not r._thread.is_alive()


def test_receiver_stop_unbinds(sim, receiver):
    receiver.stop()
    assert _eventually(lambda: sim.bound() == 0)
    assert not receiver.bound.is_set()


def _eventually(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
