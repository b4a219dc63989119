"""BindConfig: the smpp:// URL read once into the settings the transport, the sessions and the receiver share."""

from __future__ import annotations

import dataclasses

import pytest

from tutti.smpp.config import BindConfig


def test_from_url_reads_credentials_and_options():
    c = BindConfig.from_url("smpp://my%40id:p%3Ass@smsc.example:2776?throughput=20&window=4&system_type=VMA")
    assert (c.host, c.port, c.system_id, c.password) == ("smsc.example", 2776, "my@id", "p:ss")
    assert (c.throughput, c.window, c.system_type, c.source_ton) == (20.0, 4, "VMA", 5)


def test_from_url_refuses_unknown_parameters():
    with pytest.raises(ValueError, match="windows"):
        BindConfig.from_url("smpp://a:b@h?windows=3")


def test_from_url_defaults_the_port_and_the_options():
    c = BindConfig.from_url("smpp://tutti:secret@smsc.example")
    assert c == BindConfig("smsc.example", 2775, "tutti", "secret")
    assert (c.timeout, c.keepalive, c.throughput, c.window, c.retries, c.reconnects) == (10.0, 30.0, 50.0, 10, 10, 6)


def test_from_url_reads_every_option_with_its_type():
    c = BindConfig.from_url("smpp://a:b@h?timeout=0.5&keepalive=2&source_ton=1&source_npi=1&retries=3&reconnects=0")
    assert (c.timeout, c.keepalive, c.source_ton, c.source_npi, c.retries, c.reconnects) == (0.5, 2.0, 1, 1, 3, 0)


@pytest.mark.parametrize("url", ["outbox", "http://a:b@h", "smpp://h:2775", "smpp://a:b@h?window=many"])
def test_from_url_refuses_a_malformed_url(url):
    with pytest.raises(ValueError):
        BindConfig.from_url(url)


def test_window_below_one_means_one_at_a_time():
    assert BindConfig.from_url("smpp://a:b@h?window=0").window == 1


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        BindConfig("h", 2775, "a", "b").password = "c"  # type: ignore[misc]
