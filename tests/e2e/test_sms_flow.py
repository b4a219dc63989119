"""The SMS flow as a secretary walks it: select, compose, recap, Annuler, Envoyer, progress, history, credit."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tutti.sms import encoding

FIRST_TEXT = "Bonjour ça va ou bien Répét ce soir"
SPECIAL_TEXT = "C’est la fête ce soir"
STANDARD_TEXT = encoding.to_gsm7(SPECIAL_TEXT)


def _tick(page, query: str, name: str) -> None:
    """Search the list for someone and tick them."""
    search = page.get_by_label("Rechercher par nom")
    search.fill("")
    search.press_sequentially(query, delay=30)
    expect(page.locator("#results-count")).to_have_text("1 personne")
    page.get_by_label(f"Sélectionner {name}").check()


def _type(page, text: str) -> None:
    box = page.get_by_label("Saisissez votre message")
    box.fill("")
    box.press_sequentially(text, delay=15)
    expect(box).to_have_value(text)


def test_secretary_sends_an_sms_from_the_list(browsing, live_server):
    page = browsing.signed_in("secretariat", through_form=True)
    _tick(page, "Aubert", "Sandrine Aubert")
    _tick(page, "Vasseur", "Bénédicte Vasseur")
    expect(page.locator("#actions summary")).to_contain_text("Actions pour 2 sélectionnés")

    # Actions → Sms: the compose fragment appears in place, under the list's filters.
    list_url = page.url
    browsing.choose_action(page, "Sms")
    expect(page.locator("#panel #compose-title")).to_have_text("Nouveau SMS")
    assert page.url == list_url

    # The countdown follows each keystroke.
    countdown = page.locator("#countdown")
    expect(countdown).to_contain_text(f"{encoding.count('').units_left} caractères restants")
    _type(page, FIRST_TEXT)
    expect(countdown).to_contain_text(f"{encoding.count(FIRST_TEXT).units_left} caractères restants")

    # Characters outside the standard set: the warning, then the one-click replacement.
    _type(page, SPECIAL_TEXT)
    warning = countdown.locator(".notice")
    expect(warning).to_contain_text("caractères spéciaux")
    expect(warning).to_contain_text("« ’ »")
    expect(warning).to_contain_text("« ê »")
    warning.get_by_role("button", name="Remplacer par des caractères standards").click()
    expect(page.get_by_label("Saisissez votre message")).to_have_value(STANDARD_TEXT)
    expect(page.locator("#countdown .notice")).to_have_count(0)

    # Valider: the recap tells the balance, the cost, and why Bénédicte Vasseur is left out.
    balance = live_server.balance()
    page.get_by_role("button", name="Valider").click()
    recap = page.locator("#recap")
    expect(recap.get_by_role("heading", name="Récapitulatif avant envoi")).to_be_visible()
    expect(recap.locator(".sms-preview")).to_have_text(STANDARD_TEXT + encoding.SUFFIX)
    expect(recap).to_contain_text(f"Vous disposez de : {balance} SMS")
    expect(recap).to_contain_text("L'envoi que vous vous apprêtez à effectuer vous coûtera : 1 SMS")
    expect(recap.locator(".excluded")).to_contain_text("Bénédicte Vasseur : pas de mobile")

    # Annuler goes back to the compose fragment with the text kept.
    recap.get_by_role("button", name="Annuler").click()
    expect(page.get_by_label("Saisissez votre message")).to_have_value(STANDARD_TEXT)
    page.get_by_role("button", name="Valider").click()

    # Envoyer: the progress fragment, then the real worker finishes the send through the outbox.
    with page.expect_response(re.compile(r"/sms/send$")) as sent:
        page.get_by_role("button", name="Envoyer").click()
    assert "Envoi en cours" in sent.value.text() or "Envoi terminé" in sent.value.text()
    expect(page.locator("#progress-title")).to_have_text(re.compile(r"Envoi (en cours|terminé)"))
    try:
        expect(page.locator("#progress-title")).to_have_text("Envoi terminé", timeout=20_000)
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- worker log ---\n{live_server.worker_log_tail()}") from None
    expect(page.locator("#progress dt:text-is('Crédit débité') + dd")).to_have_text("1 SMS")
    expect(page.locator("#progress dt:text-is('Crédit restant') + dd")).to_have_text(f"{balance - 1} SMS")

    # The history lists it, the outbox shows the text each phone got, the credit went down by the cost.
    page.get_by_role("link", name="Historique des envois").click()
    row = page.locator("tbody tr").filter(has_text=STANDARD_TEXT).first
    expect(row).to_contain_text("secretariat")
    expect(row).to_contain_text("1 SMS")
    expect(row).to_contain_text("terminé")
    page.get_by_role("link", name="Boîte d'envoi (simulation)").click()
    expect(page.locator("tbody tr").filter(has_text=STANDARD_TEXT + ".STOP 36608").first).to_contain_text("EMSAUBIN")
    page.goto("/sms/credit")
    expect(page.locator("#balance")).to_contain_text(f"Vous disposez de : {balance - 1} SMS")
    assert live_server.balance() == balance - 1


def _slow(route) -> None:
    """Hold a request for half a second, as a slow connection would."""
    time.sleep(0.5)
    try:
        route.continue_()
    except PlaywrightError:  # the page itself cancelled the request meanwhile
        pass


def test_valider_right_after_typing_shows_the_recap(browsing, live_server):
    # On a slow line the recap is still on its way when the countdown's 200 ms pause ends:
    # the countdown must not cancel it.
    live_server.select("secretariat", live_server.person_id("Sandrine", "Aubert"))
    page = browsing.signed_in("secretariat")
    browsing.choose_action(page, "Sms")
    page.route(re.compile(r"/sms/recap$"), _slow)
    page.get_by_label("Saisissez votre message").press_sequentially("Cours annulé demain", delay=5)
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#recap-title")).to_have_text("Récapitulatif avant envoi")
