"""Keyboard only: the actions menu, the compose and recap fragments, focus landing on each swapped heading."""

from __future__ import annotations

from playwright.sync_api import expect

from tutti.sms import encoding

TEXT = "Repetition ce soir a 20h"


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never took the focus in {limit} presses of Tab")


def test_actions_menu_opens_and_closes_from_the_keyboard(browsing, live_server):
    live_server.select("secretariat", live_server.person_id("Sandrine", "Aubert"))
    page = browsing.signed_in("secretariat")
    menu, summary = page.locator("#actions details.menu"), page.locator("#actions summary")
    _tab_to(page, "#actions summary")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    page.keyboard.press("Space")
    expect(menu).to_have_attribute("open", "")


def test_compose_and_recap_from_the_keyboard(browsing, live_server):
    live_server.select("secretariat", live_server.person_id("Sandrine", "Aubert"))
    page = browsing.signed_in("secretariat")
    _tab_to(page, "#actions summary")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.locator("#actions").get_by_role("link", name="Sms", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#compose-title")).to_be_focused()
    expect(page.locator("#actions details.menu")).not_to_have_attribute("open", "")

    page.keyboard.press("Tab")
    message = page.get_by_label("Saisissez votre message")
    expect(message).to_be_focused()
    page.keyboard.type(TEXT, delay=20)
    # The countdown swaps in while the person types: the focus must stay in the text box.
    expect(page.locator("#countdown")).to_contain_text(f"{encoding.count(TEXT).units_left} caractères restants")
    expect(message).to_be_focused()
    expect(message).to_have_value(TEXT)

    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Valider")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#recap-title")).to_be_focused()

    _tab_to(page, "#recap form[action$='/sms/compose'] button", limit=10)
    expect(page.locator("#recap").get_by_role("button", name="Annuler")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#compose-title")).to_be_focused()
    expect(message).to_have_value(TEXT)
