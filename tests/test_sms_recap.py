"""The recap: what the send costs and why, exactly as it will be charged; bad messages are refused in French."""

from __future__ import annotations

import re

import pytest
from sms_helpers import (
    HX,
    PEOPLE,
    REASONS,
    add_person,
    body,
    build_world,
    envoyer_disabled,
    field_value,
    figure,
    hx_post,
    login,
    recap,
    root_id,
    select_people,
    shared_app_fixtures,
    snapshot,
    text,
    textarea,
    varies_on_htmx,
)
from sqlalchemy import update

from tutti.models import OptOut

NAMES = {key: f"{first} {last}" for key, first, last, _ in PEOPLE}
EMPTY = "Saisissez votre message : un SMS ne peut pas être vide."


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


def said(client, message: str) -> str:
    return text(body(recap(client, message)))


def refused(client, message: str) -> str:
    """Press Valider on a message that must be refused; return what the compose says."""
    response = recap(client, message)
    page = body(response)
    assert response.status_code == 200
    assert root_id(page) == "compose"
    assert 'name="token"' not in page and "Récapitulatif" not in page
    return text(page)


# --- the figures -------------------------------------------------------------------------------


def test_recap_fragment_for_htmx(writer):
    response = recap(writer, "Bonjour")
    assert response.status_code == 200
    assert root_id(body(response)) == "recap"
    assert varies_on_htmx(response)
    assert "Récapitulatif avant envoi" in text(body(response))


def test_recap_without_htmx_is_a_whole_page(writer):
    page = body(writer.post("/sms/recap", data={"message": "Bonjour"}))
    assert "<html" in page and '<div id="panel"><section id="recap"' in page


def test_recap_shows_credit(writer):
    assert "Vous disposez de : 228 SMS" in said(writer, "Bonjour")


def test_recap_shows_credit_with_thousands_separator(writer, db, world):
    from tutti.sms import credit

    credit.add(db, world.structure_id, 1000)
    db.commit()
    assert "Vous disposez de : <strong>1\u00a0228 SMS</strong>" in body(recap(writer, "Bonjour"))


def test_recap_shows_cost(writer):
    assert "L'envoi que vous vous apprêtez à effectuer vous coûtera : 2 SMS" in said(writer, "Bonjour")


def test_recap_cost_of_ucs2_message(writer):
    assert "coûtera : 6 SMS" in said(writer, "ê" + "a" * 148)


def test_recap_people_selected(writer):
    assert figure(body(recap(writer, "Bonjour")), "Personnes sélectionnées") == "7"


def test_recap_distinct_numbers(writer):
    assert figure(body(recap(writer, "Bonjour")), "Numéros distincts joignables") == "2"


def test_recap_sms_per_message_gsm(writer):
    assert figure(body(recap(writer, "Bonjour")), "SMS par message") == "1 (caractères standards)"


def test_recap_sms_per_message_ucs2(writer):
    assert figure(body(recap(writer, "ê" + "a" * 148)), "SMS par message") == "3 (caractères spéciaux)"


@pytest.mark.parametrize("key", list(REASONS))
def test_recap_says_why_each_person_is_left_out(writer, key):
    assert f"{NAMES[key]} : {REASONS[key]}" in said(writer, "Bonjour")


def test_recap_counts_people_left_out(writer):
    assert "5 personnes ne recevront pas ce SMS" in said(writer, "Bonjour")


def test_recap_lists_no_receiver_as_left_out(writer):
    page = said(writer, "Bonjour")
    assert "Alice Martin :" not in page and "Gaston Vidal :" not in page


def test_recap_withdrawn_opt_out_receives_again(writer, db, world):
    db.execute(update(OptOut).values(active=False))
    db.commit()
    page = body(recap(writer, "Bonjour"))
    assert "désinscrit (STOP)" not in text(page)
    assert figure(page, "Numéros distincts joignables") == "3"


def test_recap_shows_full_text_with_suffix(writer):
    page = body(recap(writer, "Répétition à 18h30"))
    assert re.search(r'<p class="sms-preview">Répétition à 18h30\.STOP 36608</p>', page)
    assert "Votre SMS :" in text(page)


def test_recap_shows_line_breaks_as_phones_receive_them(writer):
    page = body(recap(writer, "Ligne 1\r\nLigne 2"))
    assert '<p class="sms-preview">Ligne 1\nLigne 2.STOP 36608</p>' in page


def test_recap_links_to_credit_top_up(writer):
    link = re.search(r'<a href="([^"]+)">Réapprovisionner son crédit SMS</a>', body(recap(writer, "Bonjour")))
    assert link
    assert writer.get(link.group(1)).status_code == 200


def test_recap_envoyer_enabled_with_enough_credit(writer):
    page = body(recap(writer, "Bonjour"))
    assert not envoyer_disabled(page)
    assert "Crédit insuffisant" not in text(page)


def test_recap_writes_nothing(writer, db, world):
    before = snapshot(db, world.structure_id)
    recap(writer, "Bonjour")
    assert snapshot(db, world.structure_id) == before


def test_recap_annuler_returns_to_compose_with_text(writer):
    message = "Répétition déplacée\r\nà 19h"
    page = body(recap(writer, message))
    back = field_value(page, "message", occurrence=1)  # the Annuler form's copy of the text
    response = hx_post(writer, "/sms/compose", {"message": back})
    assert root_id(body(response)) == "compose"
    assert textarea(body(response)) == message


def test_recap_envoyer_carries_text_and_token(writer):
    page = body(recap(writer, "Bonjour"))
    assert field_value(page, "message") == "Bonjour"
    assert len(field_value(page, "token")) > 40


# --- credit too short ---------------------------------------------------------------------------


def test_recap_insufficient_credit_disables_envoyer(client, db):
    world = build_world(db, sms=1)
    select_people(db, world, world.ids())
    login(client, "ecrivain")
    page = body(recap(client, "Bonjour"))
    assert envoyer_disabled(page)
    assert "Crédit insuffisant : il vous manque 1 SMS pour cet envoi." in text(page)


def test_recap_exact_credit_allows_sending(client, db):
    world = build_world(db, sms=2)
    select_people(db, world, world.ids())
    login(client, "ecrivain")
    assert not envoyer_disabled(body(recap(client, "Bonjour")))


# --- nobody to send to ----------------------------------------------------------------------------


def test_recap_without_selection_refused(client, world):
    login(client, "ecrivain")
    assert "Sélectionnez au moins une personne dans la liste avant d'écrire votre SMS." in refused(client, "Bonjour")


def test_recap_selection_without_any_mobile(client, db, world):
    select_people(db, world, world.ids("chloe", "emma"))
    login(client, "ecrivain")
    page = body(recap(client, "Bonjour"))
    assert "Aucune des personnes sélectionnées ne peut recevoir ce SMS." in text(page)
    assert "coûtera : 0 SMS" in text(page)
    assert envoyer_disabled(page)


# --- messages that cannot be sent ------------------------------------------------------------------


@pytest.mark.parametrize("message", ["", "   ", "\r\n\r\n", " \u00a0 "])
def test_recap_empty_message_refused(writer, message):
    assert EMPTY in refused(writer, message)


def test_recap_message_of_149_accepted(writer):
    assert "coûtera : 2 SMS" in said(writer, "a" * 149)


def test_recap_message_of_150_refused(writer):
    assert "Votre message dépasse 149 caractères de 1 caractère." in refused(writer, "a" * 150)


def test_recap_ucs2_message_over_149_refused(writer):
    assert "Votre message dépasse 149 caractères de 3 caractères." in refused(writer, "ê" * 152)


def test_recap_extension_characters_count_against_cap(writer):
    assert "dépasse 149 caractères de 1 caractère" in refused(writer, "a" * 148 + "€")


def test_recap_pasted_novel_refused(writer):
    assert "Votre message dépasse 149 caractères." in refused(writer, "a" * 50_000)


def test_recap_refused_message_keeps_text(writer):
    page = body(recap(writer, "a" * 150))
    assert textarea(page) == "a" * 150


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x9b"])
def test_recap_control_characters_refused(writer, control):
    assert "Votre message contient des caractères de contrôle invisibles : retirez-les." in refused(
        writer, f"Bonjour{control} ce soir")


def test_recap_replacement_character_refused(writer):
    assert "Votre message contient des caractères illisibles (�) : retapez-les." in refused(writer, "Bonjour \ufffd")


def test_recap_invalid_utf8_refused(writer):
    # htmx posts url-encoded forms; Werkzeug keeps undecodable bytes as literal "%E9" text.
    response = writer.post("/sms/recap", data=b"message=R%E9p%E9tition%FF", headers=HX,
                           content_type="application/x-www-form-urlencoded")
    assert root_id(body(response)) == "compose"
    assert "caractères illisibles" in text(body(response))


def test_recap_invalid_utf8_in_multipart_refused(writer):
    data = b'--XX\r\nContent-Disposition: form-data; name="message"\r\n\r\nR\xe9p\xe9tition\r\n--XX--\r\n'
    response = writer.post("/sms/recap", data=data, headers=HX, content_type="multipart/form-data; boundary=XX")
    assert root_id(body(response)) == "compose"
    assert "caractères illisibles" in text(body(response))


# --- escaping ----------------------------------------------------------------------------------


def test_recap_escapes_message(writer):
    page = body(recap(writer, "<script>alert(1)</script>"))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.STOP 36608" in page


def test_recap_escapes_person_names(client, db, world):
    evil = add_person(db, world.structure_id, "<img src=x onerror=alert(1)>", "Zorro")
    select_people(db, world, [evil, world.people["alice"]])
    login(client, "ecrivain")
    page = body(recap(client, "Bonjour"))
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; Zorro : pas de mobile" in page


# --- who is left out, counted exactly, and the whole list ----------------------------------------


def test_recap_counts_each_reason(writer):
    page = said(writer, "Bonjour")
    for line in ("pas de mobile : 1", "numéro invalide : 1", "numéro fixe : 1", "désinscrit (STOP) : 1",
                 "même numéro qu'une autre personne : 1"):
        assert line in page


def folded_line(page: str) -> str:
    """Return what the folded list of people left out reads before it is opened."""
    return text(re.search(r"<summary>(.*?)</summary>", page, re.S).group(1))


def test_recap_folded_line_says_why_each_one_is_left_out(writer):
    assert folded_line(body(recap(writer, "Bonjour"))) == (
        "5 personnes ne recevront pas ce SMS : 1 numéro invalide, 1 sans mobile, 1 fixe, 1 désinscrit (STOP), "
        "1 numéro partagé")


def test_recap_folded_line_counts_in_the_plural(client, db, world):
    extra = [add_person(db, world.structure_id, "Invalide", f"N{i}", "0612") for i in range(26)]
    extra += [add_person(db, world.structure_id, "Sans", f"M{i}") for i in range(8)]
    extra += [add_person(db, world.structure_id, "Fixe", f"F{i}", f"01 23 45 67 {i:02d}") for i in range(7)]
    extra += [add_person(db, world.structure_id, "Partage", f"P{i}", "06 12 34 56 01") for i in range(8)]
    select_people(db, world, [*world.ids("alice", "bruno", "chloe", "david", "emma", "gaston"), *extra])
    login(client, "ecrivain")
    assert folded_line(body(recap(client, "Bonjour"))) == (
        "53 personnes ne recevront pas ce SMS : 27 numéros invalides, 9 sans mobile, 8 fixes, 9 numéros partagés")


def test_recap_folded_line_names_only_the_reasons_that_apply(client, db, world):
    select_people(db, world, world.ids("chloe", "gaston"))
    login(client, "ecrivain")
    assert folded_line(body(recap(client, "Bonjour"))) == "1 personne ne recevra pas ce SMS : 1 sans mobile"


def test_recap_names_first_people_and_links_to_whole_list(writer, db, world, monkeypatch):
    from tutti.sms import recipients

    monkeypatch.setattr(recipients, "EXCLUDED_SHOWN", 2)
    page = body(recap(writer, "Bonjour"))
    assert "5 personnes ne recevront pas ce SMS" in text(page)
    assert f"{NAMES['chloe']} : pas de mobile" in text(page) and NAMES["emma"] not in text(page)
    assert "… et 3 autres" in text(page)
    link = re.search(r'<a href="([^"]+)"[^>]*>Voir la liste complète', page)
    whole = text(body(writer.get(link.group(1))))
    for key, reason in REASONS.items():
        assert f"{NAMES[key]} {reason}" in whole


def test_excluded_page_lists_everyone_left_out(writer):
    page = text(body(writer.get("/sms/excluded")))
    assert "Sur 7 personnes sélectionnées, 5 ne recevront pas le SMS." in page
    for key, reason in REASONS.items():
        assert f"{NAMES[key]} {reason}" in page
    assert page.count("Alice Martin") == 1 and "Gaston Vidal" not in page  # Alice only as Bruno's holder


def test_excluded_page_absurd_page_number(writer):
    response = writer.get("/sms/excluded?page=99999999999999999999")
    assert response.status_code == 200
    assert "Chloé Petit" in text(body(response))
