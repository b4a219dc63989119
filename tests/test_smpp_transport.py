"""SmppTransport against the SMPP simulator over real loopback sockets."""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator

import pytest

from smsc_sim.simulator import Simulator
from tutti.smpp import wire
from tutti.smpp.bucket import TokenBucket
from tutti.smpp.config import BindConfig
from tutti.smpp.receiver import DeliverHandler
from tutti.smpp.session import BindError
from tutti.sms import encoding
from tutti.transports.base import OutgoingSms
from tutti.transports.smpp import NOT_SENT, SmppTransport, matches, part_ids

GSM_TEXT = "Répétition à 18h30.STOP 36608"
UCS2_TEXT = "Bonjour ça va ou bien Répét ce soir.STOP 36608"
# 400 GSM-7 characters with € (2 septets) straddling the first 153-septet boundary.
EURO_TEXT = "a" * 152 + "€" + "b" * 236 + encoding.SUFFIX
EMOJI_TEXT = "Concert 🎻 demain " + "👨‍👩‍👧 🎉 " * 12 + encoding.SUFFIX


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(receipt_delay=0.01)
    simulator.start()
    yield simulator
    simulator.stop()


def transport_for(sim: Simulator, query: str = "throughput=0&window=10", **kwargs: object) -> SmppTransport:
    return SmppTransport(BindConfig.from_url(f"smpp://tutti:secret@127.0.0.1:{sim.port}?{query}"), **kwargs)


def sms(i: int, text: str = GSM_TEXT, to: str | None = None) -> OutgoingSms:
    return OutgoingSms(message_id=i, structure_id=1, sender="EcoleMusiq", to=to or f"+3361200{i:04d}", text=text)


def send(sim: Simulator, batch: list[OutgoingSms], query: str = "throughput=0&window=10", **kwargs: object):
    transport = transport_for(sim, query, **kwargs)
    try:
        results = transport.send_batch(batch)
    finally:
        transport.close()
    assert sorted(r.message_id for r in results) == sorted(m.message_id for m in batch)
    return {r.message_id: r for r in results}


def assert_no_duplicates(sim: Simulator) -> None:
    counts = collections.Counter((m["to"], m["text"]) for m in sim.received())
    assert max(counts.values(), default=1) == 1


@pytest.mark.parametrize("text, data_coding", [(GSM_TEXT, 0), (UCS2_TEXT, 8)])
def test_send_single_part_arrives_exactly(sim, text, data_coding):
    results = send(sim, [sms(1, text, "+33612345678")])
    [message] = sim.received()
    assert message["text"] == text and message["data_coding"] == data_coding and message["parts"] == 1
    [segment] = message["segments"]
    assert (segment.sender, segment.source_ton, segment.source_npi) == ("EcoleMusiq", 5, 0)
    assert (segment.dest, segment.dest_ton, segment.dest_npi) == ("33612345678", 1, 1)
    assert segment.esm_class == 0 and segment.registered_delivery == 1
    assert results[1].outcome == "accepted" and results[1].provider_id == segment.message_id
    assert results[1].segments == 1


@pytest.mark.parametrize("text", [EURO_TEXT, EMOJI_TEXT], ids=["gsm-euro", "ucs2-emoji"])
def test_send_multi_part_reassembles_without_broken_pairs(sim, text):
    results = send(sim, [sms(1, text)])
    [message] = sim.received()
    assert message["complete"] and message["text"] == text
    assert message["parts"] == encoding.parts_count(text) == results[1].segments
    assert all("\ufffd" not in part for part in message["part_texts"])
    assert all(s.esm_class == 0x40 for s in message["segments"])
    assert part_ids(results[1].provider_id) == message["message_ids"]


def test_send_euro_part_boundary_keeps_escape_pair_together(sim):
    send(sim, [sms(1, EURO_TEXT)])
    [message] = sim.received()
    assert message["part_texts"][0] == "a" * 152 and message["part_texts"][1].startswith("€")


def test_send_many_messages_each_once(sim):
    batch = [sms(i, [GSM_TEXT, UCS2_TEXT, EURO_TEXT, EMOJI_TEXT][i % 4]) for i in range(200)]
    results = send(sim, batch)
    assert {r.outcome for r in results.values()} == {"accepted"}
    received = {m["to"]: m["text"] for m in sim.received()}
    assert received == {m.to: m.text for m in batch}
    assert_no_duplicates(sim)


class RecordingBucket(TokenBucket):
    """The transport's own pacing bucket, remembering when it granted each token."""

    def __init__(self, rate: float) -> None:
        super().__init__(rate)
        self.granted: list[float] = []

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        taken = super().take(now)
        if taken:
            self.granted.append(now)
        return taken


def test_send_at_cap_keeps_the_pace_without_throttling():
    # What the rate is in msg/s depends on the machine's load: bench/smpp.py measures it (ratio to the cap).
    # Here, the behaviour: every submit waited for a token of the bucket, whose grants never outran its
    # schedule (the burst, then `throughput` a second), and the SMSC at that cap refused (almost) nothing.
    with Simulator(cap=50) as sim:
        transport = transport_for(sim, "throughput=50&window=10")
        bucket = transport._bucket = RecordingBucket(50)
        try:
            results = transport.send_batch([sms(i) for i in range(150)])
        finally:
            transport.close()
    assert {r.outcome for r in results} == {"accepted"} and len(results) == 150
    assert len(bucket.granted) == sim.stats["submits"]
    first = bucket.granted[0]
    late = [(i, t) for i, t in enumerate(bucket.granted) if i + 1 > 1 + bucket.burst + (t - first) * 50 + 1e-6]
    assert late == []  # the n-th grant never came before its place in the schedule
    assert sim.stats["throttled"] <= 3
    assert_no_duplicates(sim)


def test_send_faster_than_cap_is_throttled_then_retried():
    with Simulator(cap=50) as sim:
        start = time.monotonic()
        results = send(sim, [sms(i) for i in range(150)], "throughput=0&window=10")
        elapsed = time.monotonic() - start
    assert {r.outcome for r in results.values()} == {"accepted"}
    assert sim.stats["throttled"] > 0 and sim.stats["accepted"] == 150
    assert elapsed >= 2.8
    assert len(sim.received()) == 150
    assert_no_duplicates(sim)


@pytest.mark.parametrize("status", [wire.RMSGQFUL, wire.RTHROTTLED])
def test_send_queue_full_or_throttled_is_retried(sim, status):
    sim.fail_next(3, status=status)
    results = send(sim, [sms(i) for i in range(5)])
    assert {r.outcome for r in results.values()} == {"accepted"}
    assert len(sim.received()) == 5


def test_send_generic_nack_throttled_is_retried_and_other_nack_fails(sim):
    sim.fail_next(1, status=wire.RTHROTTLED, nack=True)
    assert send(sim, [sms(1)])[1].outcome == "accepted"
    sim.fail_next(1, status=wire.RSYSERR, nack=True)
    result = send(sim, [sms(2)])[2]
    assert result.outcome == "failed" and result.error.startswith("0x00000008")


def test_send_permanent_error_fails_only_that_message(sim):
    sim.fail_destination("+33612000002")
    results = send(sim, [sms(i) for i in range(1, 5)])
    assert results[2].outcome == "failed" and results[2].error == "0x0000000B ESME_RINVDSTADR"
    assert results[2].provider_id is None and results[2].segments == 0
    assert [results[i].outcome for i in (1, 3, 4)] == ["accepted"] * 3
    assert {m["to"] for m in sim.received()} == {"+33612000001", "+33612000003", "+33612000004"}


def test_send_multi_part_with_a_refused_part_is_unknown(sim):
    sim.fail_next(1, status=wire.RINVDSTADR, after=1)
    result = send(sim, [sms(1, EURO_TEXT)], "throughput=0&window=1")[1]
    assert result.outcome == "unknown" and "partial: 1/3" in result.error
    assert part_ids(result.provider_id) == [s.message_id for s in sim.submits()]
    assert len(sim.submits()) == 1  # the third part was not sent after the second was refused


def test_send_invalid_text_fails_alone(sim):
    results = send(sim, [sms(1, ""), sms(2, "lone \ud83c surrogate"), sms(3)])
    assert results[1].outcome == results[2].outcome == "failed"
    assert results[1].error.startswith("invalid text") and results[2].error.startswith("invalid text")
    assert results[3].outcome == "accepted" and len(sim.received()) == 1


def test_send_rebinds_when_the_link_dropped_between_batches(sim):
    transport = transport_for(sim)
    assert transport.send_batch([sms(1)])[0].outcome == "accepted"
    sim.disconnect_all()
    time.sleep(0.1)
    assert transport.send_batch([sms(2)])[0].outcome == "accepted"
    transport.close()
    assert sim.stats["binds"] == 2 and len(sim.received()) == 2


@pytest.mark.parametrize("accept", [True, False])
def test_send_connection_cut_mid_batch_never_resends(sim, accept):
    sim.drop_connection_after(20, accept=accept)
    batch = [sms(i, [GSM_TEXT, EURO_TEXT][i % 2]) for i in range(60)]
    results = send(sim, batch)
    outcomes = collections.Counter(r.outcome for r in results.values())
    assert outcomes["unknown"] >= 1 and outcomes["failed"] == 0
    assert outcomes["accepted"] >= 60 - 10  # at most a window's worth is in doubt; the rest went on
    assert sim.stats["binds"] == 2
    received = collections.Counter(m["to"] for m in sim.received())
    assert max(received.values()) == 1
    for message in batch:
        result = results[message.message_id]
        if result.outcome == "accepted":
            assert received[message.to] == 1
            [got] = [m for m in sim.received() if m["to"] == message.to]
            assert got["text"] == message.text and part_ids(result.provider_id) == got["message_ids"]
    assert_no_duplicates(sim)


def test_send_swallowed_response_is_unknown(sim):
    sim.swallow_response_for("+33612000002")
    results = send(sim, [sms(i) for i in range(1, 4)], "throughput=0&window=10&timeout=0.5")
    assert results[2].outcome == "unknown" and "no submit_sm_resp" in results[2].error
    assert results[1].outcome == results[3].outcome == "accepted"
    assert len(sim.received()) == 3  # the SMSC did take it: resending would have doubled it


def test_send_wrong_password_raises_bind_error(sim):
    transport = SmppTransport(BindConfig.from_url(f"smpp://tutti:nope@127.0.0.1:{sim.port}"))
    with pytest.raises(BindError) as info:
        transport.send_batch([sms(1)])
    assert info.value.status == wire.RBINDFAIL
    assert sim.submits() == [] and sim.bound() == 0
    transport.close()


def test_send_unreachable_smsc_raises_before_sending():
    with Simulator() as sim:
        port = sim.port
    transport = SmppTransport(BindConfig("127.0.0.1", port, "tutti", "secret"))
    with pytest.raises(ConnectionError):
        transport.send_batch([sms(1)])


def test_send_smsc_gone_mid_batch_marks_rest_not_sent():
    sim = Simulator()
    sim.start()
    sim.drop_connection_after(5)
    transport = transport_for(sim, "throughput=0&window=1&reconnects=2")
    original = transport._reconnect

    def stop_then_reconnect() -> bool:
        sim.stop()
        return original()

    transport._reconnect = stop_then_reconnect
    results = {r.message_id: r for r in transport.send_batch([sms(i) for i in range(10)])}
    assert [results[i].outcome for i in range(5)] == ["accepted"] * 5
    assert results[5].outcome == "unknown"
    assert all(results[i].outcome == "failed" and results[i].error.startswith(NOT_SENT) for i in range(6, 10))


def test_send_keeps_bind_between_batches_and_keeps_it_alive():
    sim = Simulator(receipts=False)  # receipts refused on this bind would keep the link busy
    sim.start()
    transport = transport_for(sim, "throughput=0&keepalive=0.2")
    transport.send_batch([sms(1)])
    time.sleep(0.7)
    assert sim.stats["enquire_links"] >= 1
    transport.send_batch([sms(2)])
    assert sim.stats["binds"] == 1 and len(sim.received()) == 2
    transport.close()
    deadline = time.monotonic() + 2
    while sim.bound() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sim.bound() == 0
    sim.stop()


def test_send_receipts_on_the_transport_bind_reach_the_handler(sim):
    receipts = []
    handler = DeliverHandler(lambda *r: receipts.append(r), lambda *m: None)
    transport = transport_for(sim, on_deliver=handler)
    [result] = transport.send_batch([sms(1, EURO_TEXT)])
    deadline = time.monotonic() + 3
    while len(receipts) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    transport.close()
    assert sorted(r[0] for r in receipts) == sorted(part_ids(result.provider_id))
    assert all(matches(result.provider_id, r[0]) and r[1] == "DELIVRD" and r[2] is None for r in receipts)


def test_matches_only_whole_part_ids():
    assert matches("ab1,ab2", "ab2") and matches("ab1", "ab1")
    assert not matches("ab1,ab2", "b2") and not matches(None, "ab1")
