"""SMS counting, splitting and GSM-7 conversion, held to SMS.md and to an independent reference."""

from __future__ import annotations

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
import pytest
import sms_reference as ref
from hypothesis import given, settings
from hypothesis import strategies as st

from tutti.sms.encoding import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MAX_MESSAGE_UNITS,
    SUFFIX,
    count,
    encoding_of,
    full_text,
    gsm7_units,
    is_gsm7,
    non_gsm_characters,
    normalise,
    parts_count,
    split_parts,
    to_gsm7,
    units,
)

FRENCH_IN_GSM = "àäéèöùüæÄÇÉÖÜÆìòñ"
FRENCH_NOT_IN_GSM = "âçêëîïôûÿœÀÂÈÊËÎÏÔÙÛŒ’«»…–—°\t\u00a0\u202f"
GSM_LETTERS = "éèàùìòäöüñÄÖÜÑÉÇÅåØøæÆß"
FLAG = "🇫🇷"
FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # 7 code points, 11 UTF-16 units

REPETITION = "Répétition à 18h30, salle Molière. Élèves: Zoé, Noémie, Mélanie."


def codec_tables() -> tuple[set[str], set[str]]:
    """Read the basic and extension tables back from the gsm0338 codec."""
    basic = {bytes([b]).decode("gsm03.38") for b in range(128) if b != 0x1B}
    extension = set()
    for b in range(128):
        try:
            extension.add(bytes([0x1B, b]).decode("gsm03.38"))
        except UnicodeDecodeError:
            pass
    return basic, extension


# --- the GSM 03.38 table ------------------------------------------------------------


def test_gsm_basic_table_matches_codec():
    assert set(GSM7_BASIC) == codec_tables()[0]


def test_gsm_extension_table_matches_codec():
    assert set(GSM7_EXTENSION) == codec_tables()[1]


def test_gsm7_units_match_codec_across_the_bmp():
    for cp in range(0x10000):
        ch = chr(cp)
        if 0xD800 <= cp < 0xE000:
            continue
        expected = ref.septets(ch)
        assert is_gsm7(ch) is (expected is not None), ch
        if expected is not None:
            assert gsm7_units(ch) == expected, ch


def test_is_gsm7_escape_is_excluded():
    assert not is_gsm7("\x1b")


def test_gsm7_units_extension_chars_cost_two():
    assert [gsm7_units(ch) for ch in "^{}\\[~]|€\f"] == [2] * 10


def test_gsm7_units_non_gsm_raises():
    with pytest.raises(ValueError):
        gsm7_units("ç")


@pytest.mark.parametrize("letter", FRENCH_IN_GSM)
def test_encoding_of_french_letter_in_gsm7(letter):
    assert encoding_of(f"Bonjour {letter}") == "GSM-7"


@pytest.mark.parametrize("char", FRENCH_NOT_IN_GSM)
def test_encoding_of_french_char_forces_ucs2(char):
    assert encoding_of(f"Bonjour {char}") == "UCS-2"


def test_encoding_of_empty_is_gsm7():
    assert encoding_of("") == "GSM-7"


# --- SMS.md worked examples ---------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "encoding", "full_units", "parts"),
    [
        ("a" * 149, "GSM-7", 160, 1),
        ("a" * 150, "GSM-7", 161, 2),
        (REPETITION, "GSM-7", 75, 1),
        ("Leçon de solfège annulée demain.", "UCS-2", 43, 1),
        ("ê" + "a" * 148, "UCS-2", 160, 3),
    ],
    ids=["149a", "150a", "repetition", "lecon", "e-circumflex-148a"],
)
def test_count_worked_example(message, encoding, full_units, parts):
    result = count(message)
    assert (result.encoding, result.full_units, result.parts) == (encoding, full_units, parts)


@pytest.mark.parametrize(
    ("text", "expected_units", "expected_parts"),
    [
        ("^{}\\[~]|€", 18, 1),
        ("a" * 306, 306, 2),
        ("a" * 152 + "€" + "a" * 152, 306, 3),
    ],
    ids=["extension", "306a", "euro-straddling-153"],
)
def test_units_and_parts_worked_example_without_suffix(text, expected_units, expected_parts):
    assert (encoding_of(text), units(text), parts_count(text)) == (
        "GSM-7", expected_units, expected_parts
    )


# --- boundaries ---------------------------------------------------------------------


@pytest.mark.parametrize(("length", "parts"), [(160, 1), (161, 2), (306, 2), (307, 3)])
def test_parts_count_gsm7_boundary(length, parts):
    assert parts_count("a" * length) == parts


@pytest.mark.parametrize(
    ("length", "parts"), [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_parts_count_ucs2_boundary(length, parts):
    assert parts_count("ê" * length) == parts


def test_parts_count_extension_chars_fill_one_sms_exactly():
    assert parts_count("€" * 80) == 1


def test_split_parts_escape_pair_moves_to_next_part():
    parts = split_parts("a" * 152 + "€" + "a" * 152)
    assert parts == ["a" * 152, "€" + "a" * 151, "a"]


def test_parts_count_surrogate_pair_straddling_67_costs_one_more():
    text = "ê" * 66 + "😀" + "ê" * 66  # 134 units: 2 parts by arithmetic, 3 in fact
    assert parts_count(text) == 3


def test_parts_count_crlf_straddling_153_costs_one_more():
    assert parts_count("a" * 152 + "\r\n" + "a" * 152) == 3


def test_split_parts_surrogate_pair_moves_to_next_part():
    assert split_parts("ê" * 66 + "😀" + "ê" * 10)[1].startswith("😀")


def test_split_parts_flag_moves_to_next_part():
    assert split_parts("ê" * 64 + FLAG + "ê" * 10)[1].startswith(FLAG)


def test_split_parts_zwj_family_moves_to_next_part():
    assert split_parts("ê" * 60 + FAMILY + "ê" * 10)[1].startswith(FAMILY)


def test_split_parts_combining_sequence_moves_to_next_part():
    assert split_parts("ê" * 66 + "e\u0301" + "ê" * 10)[1].startswith("e\u0301")


def test_split_parts_oversized_grapheme_splits_between_code_points():
    text = "ê" + "\u0301" * 100  # one grapheme of 101 units
    assert [units(part) for part in split_parts(text)] == [67, 34]


def test_split_parts_oversized_emoji_grapheme_keeps_surrogate_pairs():
    text = "a" + "🏽" * 40  # one grapheme of 81 UTF-16 units
    assert [len(part.encode("utf-16-le")) // 2 for part in split_parts(text)] == [67, 14]


def test_split_parts_empty_is_empty_list():
    assert split_parts("") == []


def test_parts_count_empty_is_zero():
    assert parts_count("") == 0


# --- normalisation, suffix and count ------------------------------------------------


def test_normalise_crlf_becomes_lf():
    assert normalise("a\r\nb") == "a\nb"


def test_normalise_lone_cr_becomes_lf():
    assert normalise("a\rb\r") == "a\nb\n"


def test_normalise_keeps_other_content():
    assert normalise("a\tb\u00a0c\n") == "a\tb\u00a0c\n"


def test_full_text_appends_suffix_without_space():
    assert full_text("Bonjour\r\n") == "Bonjour\n.STOP 36608"


def test_count_crlf_counts_one_unit():
    assert count("a\r\nb").message_units == 3


def test_count_units_left_at_cap_is_zero():
    assert (count("a" * 149).units_left, count("a" * 149).too_long) == (0, False)


def test_count_over_cap_is_too_long_with_negative_units_left():
    assert (count("a" * 150).units_left, count("a" * 150).too_long) == (-1, True)


def test_count_extension_chars_count_two_against_cap():
    assert count("€" * 75).units_left == MAX_MESSAGE_UNITS - 150


def test_count_ucs2_counts_utf16_units_against_cap():
    assert count("😀" * 10).message_units == 20


def test_count_non_gsm_lists_offending_chars_in_order():
    assert count("bientôt leçon ôç 😀").non_gsm == ("ô", "ç", "😀")


def test_count_gsm7_has_no_non_gsm_chars():
    assert count(REPETITION).non_gsm == ()


def test_count_parts_if_gsm_shows_the_saving():
    result = count("ê" + "a" * 148)
    assert (result.parts, result.parts_if_gsm) == (3, 1)


def test_count_parts_if_gsm_keeps_emoji_cost():
    assert count("😀" + "a" * 100).parts_if_gsm == 2


def test_non_gsm_characters_distinct_in_order():
    assert non_gsm_characters("çaêçbê😀") == ["ç", "ê", "😀"]


# --- to_gsm7 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("’‘‚′", "''''"),
        ("“”„", '"""'),
        ("«Bravo»", '"Bravo"'),
        ("« Bravo\u00a0»", '"Bravo"'),
        ("…", "..."),
        ("–—", "--"),
        ("a\u00a0:\u202f;\u2007!\u2009?", "a : ; ! ?"),
        ("\t", " "),
        ("êëâîïôûÿ", "eeaiiouy"),
        ("ç", "c"),
        ("œŒ", "oeOE"),
        ("ÀÂ", "AA"),
        ("ÈÊË", "EEE"),
        ("ÎÏÔÙÛ", "IIOUU"),
        ("n° 3", "no 3"),
        ("āőśžŸ", "aoszY"),
        ("e\u0301", "é"),
        ("x\u0301", "x"),
        ("ﬁn ½", "fin 1/2"),
        ("a\u00adb\u200bc", "abc"),
    ],
)
def test_to_gsm7_replaces(typed, sent):
    assert to_gsm7(typed) == sent


def test_to_gsm7_leaves_gsm_letters_untouched():
    assert to_gsm7(GSM_LETTERS + "ê") == GSM_LETTERS + "e"


def test_to_gsm7_keeps_uppercase_c_cedilla():
    assert to_gsm7("Ça ç") == "Ça c"


@pytest.mark.parametrize("text", ["😀", FLAG, FAMILY, "漢字", "❤️", "µ", "\u0301"])
def test_to_gsm7_keeps_chars_without_equivalent(text):
    assert to_gsm7(text) == text


def test_to_gsm7_makes_french_message_gsm7():
    text = "L’élève a répété « Là‑bas » à 18 h ; c’est noté… — Œuvre n° 3 : ça va !"
    assert encoding_of(to_gsm7(text)) == "GSM-7"


# --- properties ---------------------------------------------------------------------

GSM_CHARS = st.sampled_from(GSM7_BASIC + GSM7_EXTENSION + "\r\n")
AWKWARD = st.sampled_from(
    [*FRENCH_NOT_IN_GSM, "😀", "👍🏽", FLAG, FAMILY, "❤️", "#️⃣", "漢",
     "\u0301", "\u0308", "\u20dd", "\u200d", "\ufe0f", "🏽", "\u00ad", "ą", "ǘ"]
)
# Often bigger than a whole part: a base followed by dozens of extending marks.
HUGE_GRAPHEME = st.builds(
    lambda base, marks: base + "".join(marks),
    st.sampled_from("aê😀"),
    st.lists(st.sampled_from(["\u0301", "\u0308", "🏽", "\ufe0f"]), min_size=40, max_size=120),
)
NEAR_BOUNDARY = st.sampled_from([*range(60, 72), *range(128, 138), *range(148, 162), *range(300, 310)])

gsm_text = st.lists(GSM_CHARS, max_size=480).map("".join)
mixed_text = st.lists(
    st.one_of(GSM_CHARS, GSM_CHARS, GSM_CHARS, AWKWARD, st.characters(codec="utf-8")), max_size=260
).map("".join)
# Something awkward right where a part may end, then more text.
boundary_text = st.builds(
    lambda filler, n, token, tail: filler * n + token + tail,
    st.sampled_from(["a", "ê"]),
    NEAR_BOUNDARY,
    st.one_of(GSM_CHARS, AWKWARD, HUGE_GRAPHEME, st.lists(AWKWARD, max_size=30).map("".join)),
    st.one_of(gsm_text, mixed_text),
)


def _exact(filler: str, part: int, n: int, token: str, k: int) -> str:
    """Put token after n fillers, then pad the text to exactly k full parts."""
    return filler * n + token + filler * (part * k - n - ref.units(token))


# An escape pair, CRLF, surrogate pair or grapheme straddling a boundary in a text of
# exactly k full parts: where ceil(units / part) is one part short.
exact_text = st.one_of(
    st.builds(
        _exact, st.just("a"), st.just(153), st.sampled_from([151, 152, 304, 305]),
        st.sampled_from([*GSM7_EXTENSION, "\r\n"]), st.sampled_from([2, 3, 4]),
    ),
    st.builds(
        _exact, st.just("ê"), st.just(67), st.sampled_from([*range(56, 67), *range(123, 134)]),
        st.sampled_from(["😀", FLAG, FAMILY, "e\u0301", "👍🏽"]), st.sampled_from([2, 3, 4]),
    ),
)
texts = st.one_of(gsm_text, mixed_text, boundary_text, exact_text)

checked = settings(max_examples=150, deadline=None)


@checked
@given(texts)
def test_encoding_of_matches_reference(text):
    assert encoding_of(text) == ref.encoding(text)


@checked
@given(texts)
def test_units_match_reference(text):
    assert units(text) == ref.units(text)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_split_parts_match_reference(text):
    assert split_parts(text) == ref.parts(text)


@checked
@given(texts)
def test_parts_count_is_number_of_parts(text):
    assert parts_count(text) == len(split_parts(text))


@checked
@given(texts)
def test_split_parts_join_to_text(text):
    assert "".join(split_parts(text)) == text


@checked
@given(texts)
def test_split_parts_each_fits_its_limit(text):
    enc = encoding_of(text)
    parts = split_parts(text)
    single, part = ref.limits(enc)
    limit = single if len(parts) == 1 else part
    assert all(sum(ref.cost(ch, enc) for ch in p) <= limit for p in parts)


@checked
@given(texts, texts)
def test_parts_count_never_decreases_when_appending(text, more):
    assert parts_count(text + more) >= parts_count(text)


@checked
@given(texts)
def test_units_agree_with_encoding(text):
    if encoding_of(text) == "GSM-7":
        assert units(text) == len(text.encode("gsm03.38"))
    else:
        assert units(text) == len(text.encode("utf-16-be")) // 2


@checked
@given(texts)
def test_count_agrees_with_full_text(text):
    result = count(text)
    full = full_text(text)
    assert (result.encoding, result.full_units, result.parts) == (
        encoding_of(full), units(full), parts_count(full)
    )


@checked
@given(texts)
def test_count_message_units_leave_room_for_suffix(text):
    result = count(text)
    assert (result.full_units - len(SUFFIX), MAX_MESSAGE_UNITS - result.units_left) == (
        result.message_units, result.message_units
    )


@checked
@given(gsm_text)
def test_count_gsm7_within_cap_is_one_sms(text):
    result = count(text)
    assert result.too_long or result.parts == 1


@checked
@given(gsm_text)
def test_to_gsm7_leaves_gsm_text_untouched(text):
    assert to_gsm7(text) == text


@checked
@given(mixed_text)
def test_to_gsm7_keeps_only_chars_without_equivalent(text):
    leftovers = non_gsm_characters(to_gsm7(text))
    assert all(to_gsm7(ch) == ch for ch in leftovers)


@checked
@given(mixed_text)
def test_to_gsm7_is_idempotent(text):
    once = to_gsm7(text)
    assert to_gsm7(once) == once
