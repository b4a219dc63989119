"""axe-core on every page and on each fragment once swapped in: no serious or critical violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

PAGES = {
    "person list": "/people",
    "history": "/sms/campaigns",
    "campaign": "/sms/campaigns/{campaign}",
    "outbox": "/sms/outbox",
    "credit": "/sms/credit",
    "faq": "/sms/faq",
}


def test_login_page_is_accessible(page, axe_clean):
    page.goto("/login")
    axe_clean(page, "the login page")


def test_login_error_is_accessible(page, axe_clean):
    page.goto("/login")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".error").first).to_be_visible()
    axe_clean(page, "the login page with its errors")


@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible(browsing, sent_campaign, axe_clean, name):
    page = browsing.signed_in("secretariat", PAGES[name].format(campaign=sent_campaign))
    axe_clean(page, f"the {name} page")


def test_sms_fragments_are_accessible(browsing, live_server, axe_clean):
    live_server.select("secretariat", live_server.person_id("Sandrine", "Aubert"),
                       live_server.person_id("Bénédicte", "Vasseur"))
    page = browsing.signed_in("secretariat")
    browsing.choose_action(page, "Sms")
    expect(page.locator("#compose-title")).to_be_focused()
    axe_clean(page, "the compose fragment", "#panel")

    message = page.get_by_label("Saisissez votre message")
    message.press_sequentially("L’été à la fête", delay=10)
    expect(page.locator("#countdown .notice")).to_be_visible()
    axe_clean(page, "the compose fragment with the special-characters warning", "#panel")

    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#recap-title")).to_be_focused()
    axe_clean(page, "the recap fragment", "#panel")

    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#progress-title")).to_be_focused()
    axe_clean(page, "the progress fragment", "#panel")
    expect(page.locator("#progress-title")).to_have_text("Envoi terminé", timeout=20_000)
    axe_clean(page, "the finished progress fragment", "#panel")


def test_invalid_message_is_accessible(browsing, live_server, axe_clean):
    live_server.select("secretariat", live_server.person_id("Sandrine", "Aubert"))
    page = browsing.signed_in("secretariat")
    browsing.choose_action(page, "Sms")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#message-error")).to_be_visible()
    axe_clean(page, "the compose fragment with an error", "#panel")


def test_gate_fragment_and_page_are_accessible(browsing, live_server, axe_clean):
    live_server.select("professeur", live_server.person_id("Sandrine", "Aubert"))
    page = browsing.signed_in("professeur")
    browsing.choose_action(page, "Sms")
    expect(page.locator("#gate-title")).to_be_focused()
    axe_clean(page, "the gate fragment", "#panel")
    page.goto("/sms/compose")
    expect(page.locator("#gate-title")).to_have_text("Droits insuffisants")
    axe_clean(page, "the gate page")


def test_countdown_is_announced_politely(browsing, live_server):
    live_server.select("secretariat", live_server.person_id("Sandrine", "Aubert"))
    page = browsing.signed_in("secretariat")
    browsing.choose_action(page, "Sms")
    countdown = page.locator("#countdown")
    expect(countdown).to_have_attribute("aria-live", "polite")
    page.get_by_label("Saisissez votre message").press_sequentially("Bonsoir", delay=10)
    expect(countdown).to_contain_text("142 caractères restants")
    expect(countdown).to_have_attribute("aria-live", "polite")
