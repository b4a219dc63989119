"""Phone numbers as staff type them: which can receive an SMS, and how they are shown."""

from __future__ import annotations

import pytest

from tutti.directory.phones import KIND_INVALID, KIND_LANDLINE, KIND_MOBILE, KIND_NONE, display, parse_mobile


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("07 51 23 45 67", "+33751234567"),
    ],
)
def test_parse_mobile_french_mobile(raw, e164):
    parsed = parse_mobile(raw)
    assert (parsed.kind, parsed.e164, parsed.raw) == (KIND_MOBILE, e164, raw)


@pytest.mark.parametrize("raw", ["+33 6 12 34 56 78", "+33612345678", "0033612345678"])
def test_parse_mobile_international_french_forms(raw):
    parsed = parse_mobile(raw)
    assert (parsed.kind, parsed.e164) == (KIND_MOBILE, "+33612345678")


@pytest.mark.parametrize("raw", ["06.12.34.56.78", " 06 12 34 56 78 ", "06-12-34-56-78", "(06) 12 34 56 78"])
def test_parse_mobile_separators_ignored(raw):
    parsed = parse_mobile(raw)
    assert (parsed.kind, parsed.e164) == (KIND_MOBILE, "+33612345678")


def test_parse_mobile_keeps_raw_without_surrounding_spaces():
    assert parse_mobile("  06 12 34 56 78\t").raw == "06 12 34 56 78"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("01 42 68 53 00", "+33142685300"),
        ("02 40 12 34 56", "+33240123456"),
        ("03 20 12 34 56", "+33320123456"),
        ("04 91 12 34 56", "+33491123456"),
        ("05 56 12 34 56", "+33556123456"),
        ("09 70 12 34 56", "+33970123456"),
    ],
)
def test_parse_mobile_landline(raw, e164):
    parsed = parse_mobile(raw)
    assert (parsed.kind, parsed.e164) == (KIND_LANDLINE, e164)


@pytest.mark.parametrize("raw", ["06 12 34", "12345", "+33 6 00", "0612", "abc", "06 12 34 56 78 9", "07 12 34 56 78"])
def test_parse_mobile_invalid(raw):
    parsed = parse_mobile(raw)
    assert (parsed.kind, parsed.e164, parsed.raw) == (KIND_INVALID, None, raw)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_parse_mobile_empty(raw):
    parsed = parse_mobile(raw)
    assert (parsed.kind, parsed.e164, parsed.raw) == (KIND_NONE, None, "")


def test_parse_mobile_belgian_mobile_in_french_structure():
    parsed = parse_mobile("+32 470 12 34 56", "FR")
    assert (parsed.kind, parsed.e164) == (KIND_MOBILE, "+32470123456")


def test_parse_mobile_region_reads_national_numbers():
    parsed = parse_mobile("0470 12 34 56", "BE")
    assert (parsed.kind, parsed.e164) == (KIND_MOBILE, "+32470123456")


def test_parse_mobile_overlong_input_is_cut_and_invalid():
    parsed = parse_mobile("06 12 34 56 78" * 100)
    assert parsed.kind == KIND_INVALID
    assert len(parsed.raw) <= 40


def test_display_french_number_in_french_structure():
    assert display("+33612345678") == "06 12 34 56 78"


def test_display_foreign_number_international():
    assert display("+32470123456", "FR") == "+32 470 12 34 56"


def test_display_french_number_in_foreign_structure():
    assert display("+33612345678", "BE") == "+33 6 12 34 56 78"


@pytest.mark.parametrize("e164", [None, ""])
def test_display_no_number(e164):
    assert display(e164) == ""
