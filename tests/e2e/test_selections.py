"""Two tabs of one account, each with its own selection, send at once: each SMS reaches only its own people."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect


def _tick(page, query: str, name: str) -> None:
    """Search the list for someone and tick them."""
    search = page.get_by_label("Rechercher par nom")
    search.fill("")
    search.press_sequentially(query, delay=30)
    expect(page.locator("#results-count")).to_have_text("1 personne")
    page.get_by_label(f"Sélectionner {name}").check()
    expect(page.locator("#actions summary")).to_contain_text("Actions pour 1 sélectionné")


def _phones_reached(live, text: str) -> list[str]:
    """Return the numbers the outbox received for the campaign of this text."""
    with live.engine.connect() as connection:
        from sqlalchemy import text as sql

        rows = connection.execute(sql(
            "SELECT o.phone FROM outbox o JOIN messages m ON m.id = o.message_id "
            "JOIN campaigns c ON c.id = m.campaign_id WHERE c.text = :t ORDER BY o.phone"), {"t": text}).all()
    return [row[0] for row in rows]


def _mobile(live, first: str, last: str) -> str:
    return live.scalar("SELECT mobile_e164 FROM people WHERE first_name = :f AND last_name = :l", f=first, l=last)


def test_two_tabs_of_one_account_send_at_once_each_to_its_own_people(browsing, live_server):
    first, second = browsing.signed_in("secretariat"), browsing.signed_in("secretariat")
    assert first.locator("#people-window").get_attribute("data-selection") != \
        second.locator("#people-window").get_attribute("data-selection")
    mark = uuid.uuid4().hex[:6]
    tabs = [(first, "Aubert", "Sandrine", f"Cours de piano deplace {mark}"),
            (second, "Lemoine", "Paul", f"Repetition de choeur avancee {mark}")]
    # Each tab picks its person and reaches its recap before either presses Envoyer.
    for page, last, given, text in tabs:
        _tick(page, last, f"{given} {last}")
    for page, last, given, text in tabs:
        browsing.choose_action(page, "Sms")
        page.get_by_label("Saisissez votre message").fill(text)
        page.get_by_role("button", name="Valider").click()
        receivers = page.locator("#recap #receivers")
        expect(receivers).to_contain_text(f"{given} {last}")
        expect(page.locator("#recap")).to_contain_text("vous coûtera : 1 SMS")
    for page, *_ in tabs:
        page.get_by_role("button", name="Envoyer").click()
    for page, *_ in tabs:
        expect(page.locator("#progress-title")).to_have_text("Envoi terminé", timeout=20_000)
    for page, last, given, text in tabs:
        assert _phones_reached(live_server, text) == [_mobile(live_server, given, last)], text
