"""Compose and its live countdown: what the box says under the text always matches what the recap charges."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sms_helpers import (
    body,
    build_world,
    countdown,
    figure,
    hx_get,
    hx_post,
    login,
    recap,
    root_id,
    select_people,
    shared_app_fixtures,
    text,
    textarea,
    varies_on_htmx,
)

SELECTED_NUMBERS = 2  # the world's people, all selected, reach two distinct numbers


app, db, shared = shared_app_fixtures()


@pytest.fixture
def world(db):
    return build_world(db)


@pytest.fixture
def writer(client, db, world):
    """The test client, logged in as an account that may send, with the whole world selected."""
    select_people(db, world, world.ids())
    login(client, "ecrivain")
    return client


def shown(client, message: str) -> str:
    """Return the countdown's text for a message."""
    response = countdown(client, message)
    assert response.status_code == 200
    return text(body(response))


def countdown_parts(page: str) -> int:
    return int(re.search(r"(\d+) SMS par destinataire", text(page)).group(1))


def recap_parts(page: str) -> int:
    return int(re.match(r"\d+", figure(page, "SMS par message")).group(0))


def recap_total(page: str) -> int:
    return int(re.search(r"coûtera : ([\d ]+) SMS", text(page)).group(1).replace(" ", ""))


# --- compose ---------------------------------------------------------------------------------


def test_compose_fragment_for_htmx(writer):
    response = hx_get(writer, "/sms/compose")
    page = body(response)
    assert response.status_code == 200
    assert root_id(page) == "compose"
    assert varies_on_htmx(response)
    assert "Saisissez votre message" in text(page)
    assert re.search(r"<button[^>]*>\s*Valider\s*</button>", page)


def test_compose_shows_suffix_outside_the_box(writer):
    page = body(hx_get(writer, "/sms/compose"))
    assert "Ajouté à la fin de chaque SMS, non modifiable : .STOP 36608" in text(page)
    assert ".STOP 36608" not in textarea(page)


def test_compose_empty_box_has_149_characters(writer):
    assert "149 caractères restants · 1 SMS par destinataire" in text(body(hx_get(writer, "/sms/compose")))


def test_compose_without_htmx_is_a_whole_page(writer):
    response = writer.get("/sms/compose")
    page = body(response)
    assert response.status_code == 200
    assert "<html" in page and '<div id="panel"><section id="compose"' in page
    assert varies_on_htmx(response)


def test_compose_box_asks_server_for_countdown_as_user_types(writer):
    page = body(hx_get(writer, "/sms/compose"))
    box = re.search(r"<textarea\b[^>]*>", page).group(0)
    assert 'hx-post="/sms/countdown"' in box
    assert re.search(r'hx-trigger="[^"]*input[^"]*delay:\d+ms', box)
    assert 'hx-target="#countdown"' in box


def test_compose_annuler_keeps_text(writer):
    message = "Répétition annulée\nce soir"
    response = hx_post(writer, "/sms/compose", {"message": message})
    assert root_id(body(response)) == "compose"
    assert textarea(body(response)) == message


# --- countdown -------------------------------------------------------------------------------


def test_countdown_fragment_for_htmx(writer):
    response = countdown(writer, "Bonjour")
    assert response.status_code == 200
    assert root_id(body(response)) == "countdown"
    assert varies_on_htmx(response)


def test_countdown_gsm_characters_left(writer):
    assert "142 caractères restants · 1 SMS par destinataire" in shown(writer, "Bonjour")


def test_countdown_one_character_left_singular(writer):
    assert "1 caractère restant · 1 SMS" in shown(writer, "a" * 148)


def test_countdown_zero_left_singular_in_french(writer):
    # French puts zero in the singular (CLDR "one" is 0 and 1): « 0 caractère restant ».
    assert "0 caractère restant · 1 SMS" in shown(writer, "a" * 149)


def test_countdown_french_letters_of_gsm7_count_one(writer):
    assert "140 caractères restants · 1 SMS" in shown(writer, "éèàùÉÇöüñ")


@pytest.mark.parametrize(("message", "left"), [("€", 147), ("{}", 145), ("^|\\~[]", 137), ("Prix : 10 €", 137)])
def test_countdown_extension_characters_count_two(writer, message, left):
    assert f"{left} caractères restants · 1 SMS" in shown(writer, message)


def test_countdown_ucs2_costs_three_sms(writer):
    said = shown(writer, "ê" + "a" * 148)
    assert re.search(r"\b0 caractères? restants? · 3 SMS par destinataire", said)
    assert "Chaque destinataire vous coûtera alors 3 SMS au lieu de 1." in said


def test_countdown_lists_characters_forcing_ucs2(writer):
    said = shown(writer, "L’été « ça » coûte")
    assert "caractères spéciaux : « ’ », « « », « ç », « » », « û »." in said


@pytest.mark.parametrize(
    ("char", "name"),
    [("\u00a0", "espace insécable"), ("\u202f", "espace fine insécable"), ("\t", "tabulation")],
)
def test_countdown_names_invisible_characters(writer, char, name):
    assert f"caractères spéciaux : {name}." in shown(writer, f"Bonjour{char}!")


def test_countdown_offers_replacement_for_special_characters(writer):
    page = body(countdown(writer, "Leçon"))
    assert re.search(r'<button[^>]*hx-post="/sms/replace"[^>]*>\s*Remplacer par des caractères standards', page)


def test_countdown_plain_text_offers_no_replacement(writer):
    page = body(countdown(writer, "Lecon"))
    assert "caractères spéciaux" not in text(page) and "/sms/replace" not in page


def test_countdown_special_character_that_costs_nothing_more(writer):
    said = shown(writer, "Leçon")
    assert "1 SMS par destinataire" in said and "au lieu de" not in said


def test_countdown_emoji_counts_two_units(writer):
    assert "147 caractères restants · 1 SMS" in shown(writer, "😀")


@pytest.mark.parametrize(("message", "over"), [
    ("a" * 150, "1 caractère en trop"), ("a" * 152, "3 caractères en trop"), ("ê" * 150, "1 caractère en trop"),
    ("a" * 148 + "€", "1 caractère en trop")])
def test_countdown_over_long(writer, message, over):
    assert over in shown(writer, message)


def test_countdown_huge_paste_answers(writer):
    assert "caractères en trop" in shown(writer, "a" * 20_000)


def test_countdown_crlf_counts_as_one_line_break(writer):
    assert re.search(r"\b0 caractères? restants? · 1 SMS", shown(writer, "a" * 74 + "\r\n" + "b" * 74))


# --- replacement ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "replaced"),
    [("l’heure", "l'heure"), ("«\u00a0oui\u00a0»", '"oui"'), ("« oui »", '"oui"'), ("enfin…", "enfin..."),
     ("fête", "fete"), ("leçon", "lecon"), ("œuvre", "oeuvre"), ("Œuvre", "OEuvre"), ("oui\u00a0!", "oui !"),
     ("oui\u202f?", "oui ?")],
)
def test_replace_turns_special_characters_into_gsm7(writer, typed, replaced):
    response = hx_post(writer, "/sms/replace", {"message": typed})
    assert root_id(body(response)) == "compose"
    assert textarea(body(response)) == replaced


def test_replace_leaves_gsm7_letters_alone(writer):
    message = "élève à l'école, où ça ? Zoé, Müller, Ça, Ñ, ì, ò, Æ"
    replaced = textarea(body(hx_post(writer, "/sms/replace", {"message": message})))
    assert replaced == "élève à l'école, où ca ? Zoé, Müller, Ça, Ñ, ì, ò, Æ"


def test_replace_brings_back_one_sms(writer):
    page = body(hx_post(writer, "/sms/replace", {"message": "ê" + "a" * 148}))
    assert re.search(r"\b0 caractères? restants? · 1 SMS par destinataire", text(page))
    assert "caractères spéciaux" not in text(page)


# --- the countdown agrees with the recap ----------------------------------------------------------

AGREEMENT_CASES = [
    "Bonjour",
    "a" * 149,
    "ê" + "a" * 148,
    "Leçon de solfège annulée demain.",
    "Répétition à 18h30, salle Molière. Élèves: Zoé, Noémie, Mélanie.",
    "€" * 74,
    "a" * 147 + "€",
    "😀" * 30,
    "🇫🇷" * 20,
    "e\u0301" * 50,
    "ligne 1\r\nligne 2\r\n" * 7,
    "L’été « chaud »\u00a0!",
    "a" * 59 + "ç",
    "a" * 60 + "ç",
    "Pupitre\tA : 18h",  # a tab pasted from a word processor: listed by the countdown, so the recap must take it
]


@pytest.mark.parametrize("message", AGREEMENT_CASES)
def test_countdown_parts_equal_recap_parts(writer, message):
    recap_page = body(recap(writer, message))
    assert root_id(recap_page) == "recap", text(recap_page)
    assert countdown_parts(body(countdown(writer, message))) == recap_parts(recap_page)


@pytest.mark.parametrize("message", AGREEMENT_CASES)
def test_recap_total_is_parts_times_numbers(writer, message):
    recap_page = body(recap(writer, message))
    assert recap_total(recap_page) == recap_parts(recap_page) * SELECTED_NUMBERS


PIECES = st.sampled_from(["a", "Z", " ", "é", "à", "Ç", "€", "{", "\\", "ê", "ç", "œ", "’", "«", "…", "\u00a0",
                          "😀", "🇫🇷", "e\u0301", "\r\n", "\n", "Ω", "ß"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.lists(PIECES, min_size=1, max_size=170).map("".join))
def test_countdown_always_agrees_with_recap(writer, message):
    assume(message.strip())
    said = body(countdown(writer, message))
    recap_page = body(recap(writer, message))
    if root_id(recap_page) == "compose":  # refused: the countdown had said it was too long
        assert "en trop" in text(said)
        assert "dépasse 149 caractères" in text(recap_page)
        return
    assert "en trop" not in text(said)
    assert countdown_parts(said) == recap_parts(recap_page)
    assert recap_total(recap_page) == recap_parts(recap_page) * SELECTED_NUMBERS
