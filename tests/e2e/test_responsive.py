"""At 360 px wide every page fits: only a table's own wrapper (.table-wrap) may scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

PHONE = {"width": 360, "height": 740}
PAGES = {
    "history": "/sms/campaigns",
    "campaign": "/sms/campaigns/{campaign}",
    "outbox": "/sms/outbox",
    "credit": "/sms/credit",
    "faq": "/sms/faq",
}


def assert_fits(page, where: str) -> None:
    """Fail when the page body scrolls sideways, naming the widest elements outside any .table-wrap."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"] + 1:
        return
    culprits = page.evaluate("""(limit) => [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > limit)
        .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
             (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\\s+/g, '.') : '') +
             ' right=' + Math.round(e.getBoundingClientRect().right))""", PHONE["width"] + 1)
    raise AssertionError(f"{where} is {width} px wide at {PHONE['width']} px; overflowing: {culprits}")


@pytest.mark.parametrize("browsing", [PHONE], indirect=True)
def test_person_list_fits_a_phone(browsing, axe_clean):
    page = browsing.signed_in("secretariat")
    expect(page.locator("#results tbody tr")).to_have_count(50)
    assert_fits(page, "the person list")
    axe_clean(page, "the person list at 360 px")


@pytest.mark.parametrize("browsing", [PHONE], indirect=True)
def test_compose_and_recap_fit_a_phone(browsing, live_server, axe_clean):
    live_server.select("secretariat", live_server.person_id("Sandrine", "Aubert"),
                       live_server.person_id("Bénédicte", "Vasseur"))
    page = browsing.signed_in("secretariat")
    browsing.choose_action(page, "Sms")
    page.get_by_label("Saisissez votre message").press_sequentially("L’été à la fête, rendez-vous à 18h", delay=10)
    expect(page.locator("#countdown .notice")).to_be_visible()
    assert_fits(page, "the compose fragment")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#recap-title")).to_be_visible()
    assert_fits(page, "the recap fragment")
    axe_clean(page, "the recap at 360 px", "#panel")


@pytest.mark.parametrize("browsing", [PHONE], indirect=True)
@pytest.mark.parametrize("name", PAGES)
def test_sms_page_fits_a_phone(browsing, sent_campaign, axe_clean, name):
    page = browsing.signed_in("secretariat", PAGES[name].format(campaign=sent_campaign))
    assert_fits(page, f"the {name} page")
    axe_clean(page, f"the {name} page at 360 px")
