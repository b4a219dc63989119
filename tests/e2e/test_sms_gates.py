"""Each prerequisite of sending, as the user meets it: Actions → Sms answers with the gate, in the panel."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

SCHOOL = "École de musique de Saint-Aubin"
RIGHTS = "il faut « Lecture écriture » sur la ligne « Communication - SMS »"


@pytest.mark.parametrize(("login", "heading", "says"), [
    ("admin", "Envoi impossible depuis ce compte",
     "Vous ne pouvez pas envoyer de SMS depuis le compte administrateur de votre structure."),
    ("professeur", "Droits insuffisants", RIGHTS),
    ("benevole", "Droits insuffisants", RIGHTS),
], ids=["admin", "professeur", "benevole"])
def test_account_gate_shows_in_the_panel(browsing, live_server, login, heading, says):
    live_server.select(login, live_server.person_id("Sandrine", "Aubert"))
    page = browsing.signed_in(login)
    with page.expect_response(re.compile(r"/sms/compose\?sel=\d+$")) as answer:
        browsing.choose_action(page, "Sms")
    assert answer.value.status == 403
    gate = page.locator("#panel #sms-gate")
    expect(gate.locator("#gate-title")).to_have_text(heading)
    expect(gate.locator("#gate-title")).to_be_focused()
    expect(gate).to_contain_text(says)
    expect(page.locator("#compose")).to_have_count(0)


@pytest.mark.parametrize(("change", "heading", "says"), [
    ("sms_option = false", "L'option SMS n'est pas souscrite",
     "Votre structure n'a pas souscrit à l'option SMS"),
    ("sender_name = NULL", "Les paramètres SMS ne sont pas configurés", "il manque un nom d'expéditeur valide"),
], ids=["no-option", "no-sender"])
def test_structure_gate_shows_in_the_panel(browsing, live_server, change, heading, says):
    # clean_state gives the structure its demo settings back after the test.
    live_server.sql(f"UPDATE structures SET {change} WHERE name = :n", n=SCHOOL)
    live_server.select("secretariat", live_server.person_id("Sandrine", "Aubert"))
    page = browsing.signed_in("secretariat")
    browsing.choose_action(page, "Sms")
    gate = page.locator("#panel #sms-gate")
    expect(gate.locator("#gate-title")).to_have_text(heading)
    expect(gate).to_contain_text(says)
