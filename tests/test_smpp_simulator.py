"""The SMPP simulator, driven by independent clients (smpplib, smpp34) over loopback."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import smpp34
import smpplib.client
import smpplib.exceptions
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from smsc_sim.simulator import Simulator
from tutti.smpp import pdu_text, wire
from tutti.sms import encoding


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(receipt_delay=0.01)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def client(sim) -> Iterator[smpplib.client.Client]:
    c = connect(sim)
    yield c
    c.disconnect()


def connect(sim: Simulator, mode: str = "transceiver", password: str = "secret") -> smpplib.client.Client:
    c = smpplib.client.Client("127.0.0.1", sim.port, timeout=3, allow_unknown_opt_params=True)
    c.connect()
    getattr(c, f"bind_{mode}")(system_id="tutti", password=password)
    return c


def submit(c: smpplib.client.Client, dest: str = "33612345678", body: bytes = b"hello", **fields):
    fields = {"source_addr_ton": 5, "source_addr": "Ecole", "dest_addr_ton": 1, "dest_addr_npi": 1,
              "destination_addr": dest, "short_message": body, **fields}  # fmt: skip
    c.send_message(**fields)
    return c.read_pdu()


def wait_for(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.parametrize("mode", ["transmitter", "receiver", "transceiver"])
def test_bind_with_right_credentials(sim, mode):
    c = connect(sim, mode)
    assert wait_for(lambda: sim.bound(mode) == 1)
    assert c.unbind().command == "unbind_resp"
    c.disconnect()


def test_bind_with_wrong_password_fails_with_bindfail(sim):
    c = smpplib.client.Client("127.0.0.1", sim.port, timeout=3, allow_unknown_opt_params=True)
    c.connect()
    with pytest.raises(smpplib.exceptions.PDUError) as info:
        c.bind_transceiver(system_id="tutti", password="wrong")
    assert info.value.args[1] == wire.RBINDFAIL
    c.disconnect()
    assert sim.bound() == 0


def test_enquire_link_is_answered(client):
    client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=client))
    assert client.read_pdu().command == "enquire_link_resp"


def test_unknown_command_gets_generic_nack(client):
    header = [16, 0x0000_0777, 0, 9]  # length, an undefined command_id, status, sequence
    client._socket.sendall(b"".join(n.to_bytes(4, "big") for n in header))
    pdu = client.read_pdu()
    assert (pdu.command, pdu.status, pdu.sequence) == ("generic_nack", wire.RINVCMDID, 9)


def test_submit_sm_gets_unique_ids_and_is_recorded(client, sim):
    ids = [wire.text(submit(client).message_id) for _ in range(20)]
    assert len(set(ids)) == 20 and all(ids)
    assert [s.message_id for s in sim.submits()] == ids


def test_submit_on_receiver_bind_is_refused(sim):
    c = connect(sim, "receiver")
    c.state = smpplib.consts.SMPP_CLIENT_STATE_BOUND_TRX  # let smpplib send what a receiver may not
    assert submit(c).status == wire.RINVBNDSTS
    c.disconnect()


def test_submit_to_non_numeric_destination_is_invalid(client):
    assert submit(client, dest="+33612345678").status == wire.RINVDSTADR


def test_fail_next_refuses_then_accepts(client, sim):
    sim.fail_next(2, status=wire.RMSGQFUL)
    statuses = [submit(client).status for _ in range(3)]
    assert statuses == [wire.RMSGQFUL, wire.RMSGQFUL, wire.ROK]
    assert len(sim.submits()) == 1


def test_fail_destination_is_permanent(client, sim):
    sim.fail_destination("+33600000001")
    assert [submit(client, "33600000001").status for _ in range(2)] == [wire.RINVDSTADR] * 2
    assert submit(client, "33600000002").status == wire.ROK


def test_cap_throttles_an_uncapped_client():
    with Simulator(cap=20) as sim:
        c = connect(sim)
        statuses = [submit(c).status for _ in range(30)]
        c.disconnect()
    assert statuses.count(wire.ROK) <= 5 and wire.RTHROTTLED in statuses


def test_drop_connection_after_cuts_without_answer(client, sim):
    sim.drop_connection_after(1)
    assert submit(client).status == wire.ROK
    with pytest.raises(smpplib.exceptions.ConnectionError):
        submit(client)
    assert len(sim.submits()) == 2  # the cut one was taken all the same


def test_swallowed_submit_is_taken_but_never_answered(client, sim):
    sim.swallow_response_for("33612345678")
    client.send_message(source_addr="Ecole", destination_addr="33612345678", short_message=b"x")
    client._socket.settimeout(0.3)
    with pytest.raises(TimeoutError):
        client.read_pdu()
    assert len(sim.submits()) == 1


def test_receipt_goes_to_a_receiver_of_the_same_system_id(sim):
    sender, receiver = connect(sim, "transmitter"), connect(sim, "receiver")
    sim.set_receipt("33612345678", "UNDELIV", "005")
    message_id = wire.text(submit(sender, registered_delivery=1).message_id)
    pdu = receiver.read_pdu()
    assert pdu.command == "deliver_sm" and pdu.esm_class == 0x04
    assert wire.text(pdu.receipted_message_id) == message_id and pdu.message_state == 5
    text = pdu.short_message.decode()
    assert text.startswith(f"id:{message_id} ") and "stat:UNDELIV err:005" in text
    sender.disconnect(), receiver.disconnect()


def test_receipt_waits_for_a_receiver_to_bind(sim):
    sender = connect(sim, "transmitter")
    submit(sender, registered_delivery=1)
    time.sleep(0.1)
    receiver = connect(sim, "receiver")
    assert receiver.read_pdu().esm_class == 0x04
    sender.disconnect(), receiver.disconnect()


def test_refused_deliver_sm_is_offered_again(sim):
    receiver = connect(sim, "receiver")
    sim.inject_mo("+33612345678", "STOP")
    for answer in (wire.RX_T_APPN, wire.ROK):
        pdu = receiver.read_pdu()
        assert pdu.short_message == b"STOP"
        resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=receiver, status=answer)
        resp.sequence = pdu.sequence
        receiver.send_pdu(resp)
    assert wait_for(lambda: sim.delivered == 1)
    receiver.disconnect()


def test_inject_mo_arrives_as_deliver_sm(sim):
    receiver = connect(sim, "receiver")
    sim.inject_mo("+33612345678", "Stop.")
    pdu = receiver.read_pdu()
    assert (wire.text(pdu.source_addr), pdu.source_addr_ton, wire.text(pdu.destination_addr)) == (
        "33612345678", 1, "36608",
    )  # fmt: skip
    assert pdu.esm_class == 0 and pdu.short_message == b"Stop."
    receiver.disconnect()


def test_received_reassembles_parts_in_any_order(client, sim):
    text = "x" * 200 + "€" + encoding.SUFFIX
    for segment in reversed(pdu_text.to_segments(text, reference=7)):
        submit(client, body=segment.short_message, esm_class=segment.esm_class, data_coding=segment.data_coding)
    [message] = sim.received()
    assert message["text"] == text and message["complete"] and message["parts"] == 2


def test_received_keeps_a_repeated_message_apart(client, sim):
    for _ in range(2):
        for segment in pdu_text.to_segments("y" * 300, reference=9):
            submit(client, body=segment.short_message, esm_class=0x40)
    assert [m["text"] for m in sim.received()] == ["y" * 300] * 2


def test_received_shows_an_escape_pair_cut_across_parts(client, sim):
    submit(client, body=bytes([5, 0, 3, 1, 2, 1]) + b"a\x1b", esm_class=0x40)
    submit(client, body=bytes([5, 0, 3, 1, 2, 2]) + b"eb", esm_class=0x40)
    [message] = sim.received()
    assert message["part_texts"] == ["a\ufffd", "eb"]


def test_gsm7_alphabet_round_trips_through_pdu_text():
    alphabet = encoding.GSM7_BASIC + encoding.GSM7_EXTENSION
    payload = pdu_text.encode_text(alphabet, pdu_text.GSM7)
    assert len(payload) == encoding.units(alphabet)
    assert pdu_text.decode_text(payload, pdu_text.GSM7) == alphabet


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=encoding.GSM7_BASIC + encoding.GSM7_EXTENSION + "çœ’🎻👨‍👩‍👧🇫🇷e\u0301", max_size=700))
def test_segments_decode_back_to_the_text(text):
    assume(text)
    segments = pdu_text.to_segments(text, reference=42)
    decoded = []
    for seq, segment in enumerate(segments, start=1):
        concat, body = pdu_text.split_udh(segment.short_message, segment.esm_class)
        if len(segments) > 1:
            assert concat == pdu_text.Concat(42, len(segments), seq)
        assert len(body) <= {0: 160, 8: 140}[segment.data_coding] - (7 if concat and segment.data_coding == 0 else 0)
        decoded.append(pdu_text.decode_text(body, segment.data_coding))  # strict: no pair was cut
    assert "".join(decoded) == text and len(segments) == encoding.parts_count(text)


def test_split_udh_reads_16_bit_reference():
    concat, body = pdu_text.split_udh(bytes([6, 8, 4, 1, 2, 3, 1]) + b"hi", 0x40)
    assert concat == pdu_text.Concat(reference=258, total=3, seq=1) and body == b"hi"


def test_wire_format_agrees_with_smpp34_codec(client, sim):
    [segment, _] = pdu_text.to_segments("é" * 100 + "ç", reference=3)
    submit(client, body=segment.short_message, esm_class=0x40, data_coding=8, registered_delivery=1)
    decoded = smpp34.decode(sim.submits()[0].raw)
    assert (decoded.source_addr, decoded.source_addr_ton, decoded.destination_addr) == ("Ecole", 5, "33612345678")
    assert (decoded.esm_class, decoded.data_coding, decoded.registered_delivery) == (0x40, 8, 1)
    assert decoded.short_message == segment.short_message


def test_interoperates_with_the_smpp34_client(sim):
    async def exchange() -> tuple[str, bytes]:
        esme = smpp34.Client("127.0.0.1", sim.port, "tutti", "secret", bind_type="TRX")
        session = await esme.connect()
        resp = await session.submit_sm("33612345678", b"hi", source_addr="Ecole", registered_delivery=1)
        receipt = await asyncio.wait_for(session.next(), 3)
        await session.unbind()
        return resp.message_id, receipt.short_message

    message_id, receipt = asyncio.run(exchange())
    assert receipt.startswith(f"id:{message_id} ".encode()) and b"stat:DELIVRD" in receipt


def test_handles_a_wide_window_uncapped(client, sim):
    for _ in range(500):
        client.send_message(source_addr="Ecole", destination_addr="33612345678", short_message=b"x")
    statuses = [client.read_pdu().status for _ in range(500)]
    assert statuses == [wire.ROK] * 500 and len(sim.submits()) == 500


def test_runs_as_a_standalone_process():
    proc = subprocess.Popen(
        [sys.executable, "-m", "smsc_sim.simulator", "--port", "0", "--cap", "100"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        port = int(line.split(":")[1].split()[0])
        c = smpplib.client.Client("127.0.0.1", port, timeout=3, allow_unknown_opt_params=True)
        c.connect()
        c.bind_transceiver(system_id="tutti", password="secret")
        assert submit(c).status == wire.ROK
        c.disconnect()
    finally:
        proc.terminate()
        rest, _ = proc.communicate(timeout=5)
    assert proc.returncode == 0 and rest.startswith("stopped;")
