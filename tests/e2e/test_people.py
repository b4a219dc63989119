"""The person list in a real browser: active search, filters, a selection that survives paging."""

from __future__ import annotations

import re

from playwright.sync_api import expect

SCHOOL = "École de musique de Saint-Aubin"


def _count(live, where: str = "", **params) -> int:
    """Count the school's people matching an SQL condition."""
    return live.scalar(
        "SELECT count(*) FROM people p JOIN structures s ON s.id = p.structure_id "
        f"WHERE s.name = :school AND NOT p.archived {where}", school=SCHOOL, **params)


def _actions_button(page):
    return page.locator("#actions summary")


def test_search_updates_results_without_reload(browsing):
    page = browsing.signed_in("secretariat")
    page.evaluate("window.tuttiSamePage = true")
    page.get_by_label("Rechercher par nom").press_sequentially("benedicte", delay=40)
    expect(page.locator("#results-count")).to_have_text("1 personne")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody tr")).to_contain_text("Vasseur")
    expect(page).to_have_url(re.compile(r"q=benedicte"))
    assert page.evaluate("window.tuttiSamePage") is True, "the search reloaded the page"


def test_filter_by_tag_and_sexe(browsing, live_server):
    page = browsing.signed_in("secretariat")
    page.get_by_label("Tag", exact=True).select_option(label="Professeur")
    teachers = _count(live_server, "AND EXISTS (SELECT 1 FROM person_tags pt JOIN tags t ON t.id = pt.tag_id "
                                   "WHERE pt.person_id = p.id AND t.name = 'Professeur')")
    expect(page.locator("#results-count")).to_have_text(f"{teachers} personnes")
    page.get_by_label("Sexe").select_option("F")
    women = _count(live_server, "AND p.sexe = 'F' AND EXISTS (SELECT 1 FROM person_tags pt JOIN tags t "
                                "ON t.id = pt.tag_id WHERE pt.person_id = p.id AND t.name = 'Professeur')")
    assert 0 < women < teachers
    expect(page.locator("#results-count")).to_have_text(f"{women} personnes")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(women)
    for row in rows.all():
        expect(row.locator("td").nth(3)).to_contain_text("Professeur")
        expect(row.locator("td").nth(4)).to_have_text("F")


def test_ticks_survive_paging(browsing):
    page = browsing.signed_in("secretariat")
    boxes = page.locator("#results tbody input[type=checkbox]")
    first, second = boxes.nth(0).get_attribute("id"), boxes.nth(1).get_attribute("id")
    boxes.nth(0).check()
    boxes.nth(1).check()
    expect(_actions_button(page)).to_contain_text("Actions pour 2 sélectionnés")

    page.get_by_role("link", name="Suivante ›").click()
    expect(page.locator("#results .pager")).to_contain_text("Page 2 sur")
    expect(boxes.nth(0)).not_to_be_checked()
    boxes.nth(0).check()
    expect(_actions_button(page)).to_contain_text("Actions pour 3 sélectionnés")

    page.get_by_role("link", name="‹ Précédente").click()
    expect(page.locator("#results .pager")).to_contain_text("Page 1 sur")
    expect(page.locator(f"#{first}")).to_be_checked()
    expect(page.locator(f"#{second}")).to_be_checked()
    expect(boxes.nth(2)).not_to_be_checked()
    expect(_actions_button(page)).to_contain_text("Actions pour 3 sélectionnés")


def test_all_results_ticks_every_match_then_unticks(browsing, live_server):
    page = browsing.signed_in("secretariat")
    page.get_by_label("Sexe").select_option("F")
    women = _count(live_server, "AND p.sexe = 'F'")
    assert women > 50, "the demo should give more than one page of women"
    expect(page.locator("#results-count")).to_have_text(f"{women} personnes")

    page.get_by_label("Tous les résultats").check()
    expect(page.locator("#results-count")).to_contain_text("tous les résultats sont sélectionnés")
    expect(_actions_button(page)).to_contain_text(f"Actions pour {women} sélectionnés")
    page.get_by_role("link", name="Suivante ›").click()
    expect(page.locator("#results .pager")).to_contain_text("Page 2 sur")
    for box in page.locator("#results tbody input[type=checkbox]").all():
        expect(box).to_be_checked()

    page.get_by_label("Tous les résultats").uncheck()
    expect(_actions_button(page)).to_contain_text("Actions pour 0 sélectionné")
    expect(page.locator("#results tbody input[type=checkbox]:checked")).to_have_count(0)


def _server_count(live, selection: int) -> int:
    """Count the people the server holds in a page's selection."""
    return live.scalar("SELECT count(*) FROM selection_people sp JOIN people p ON p.id = sp.person_id "
                       "WHERE sp.selection_id = :s AND NOT p.archived", s=selection)


def test_quick_ticks_count_is_the_servers_every_time(browsing, live_server):
    """Ten boxes ticked as fast as Playwright can, on two pages, fifty times: the button says what the server holds."""
    page = browsing.signed_in("secretariat")
    selection = int(page.locator("#people-window").get_attribute("data-selection"))
    answered: list[int] = []
    page.on("response", lambda r: answered.append(r.status) if r.url.endswith("/people/selection") else None)
    boxes = page.locator("#results tbody input[type=checkbox]")
    button = _actions_button(page)
    for attempt in range(50):
        for number, total in ((1, 10), (2, 20)):
            if number == 2:
                page.get_by_role("link", name="Suivante ›").click()
                expect(page.locator("#results .pager")).to_contain_text("Page 2 sur")
            asked = len(answered) + 10
            for i in range(10):
                boxes.nth(i).click(no_wait_after=True)
            expect(page.locator("#results tbody input[type=checkbox]:checked")).to_have_count(10)
            # Once every tick is answered (in whatever order), the button must say what the server holds.
            for _ in range(500):
                if len(answered) >= asked:
                    break
                page.wait_for_timeout(20)
            assert answered[-10:] == [200] * 10 and len(answered) == asked, f"attempt {attempt}: {answered[-10:]}"
            held = _server_count(live_server, selection)
            assert held == total, f"attempt {attempt}, page {number}: the server holds {held}, not {total}"
            expect(button).to_contain_text(f"Actions pour {held} sélectionnés")
        page.get_by_role("link", name="‹ Précédente").click()
        expect(page.locator("#results .pager")).to_contain_text("Page 1 sur")
        page.get_by_role("button", name="Tout désélectionner").click()
        expect(button).to_contain_text("Actions pour 0 sélectionné")
        assert _server_count(live_server, selection) == 0


def test_a_late_answer_never_overwrites_a_newer_count(browsing, live_server):
    """The first tick's answer is held back until the second's has landed: the button keeps the newer count."""
    page = browsing.signed_in("secretariat")
    selection = int(page.locator("#people-window").get_attribute("data-selection"))
    seen, held = [], []

    def hold_first(route):
        seen.append(route)
        if len(seen) > 1:
            route.continue_()
            return
        held.append((route, route.fetch()))  # the server has counted it; its answer waits here

    page.route(re.compile(r"/people/selection$"), hold_first)
    boxes = page.locator("#results tbody input[type=checkbox]")
    boxes.nth(0).check()
    while not held:  # the first tick taken, and held, before the second
        page.wait_for_timeout(20)
    boxes.nth(1).check()
    expect(_actions_button(page)).to_contain_text("Actions pour 2 sélectionnés")
    route, answer = held[0]
    page.evaluate("window.tuttiLanded = 0;"
                  "document.body.addEventListener('htmx:afterOnLoad', function () { window.tuttiLanded++; })")
    route.fulfill(response=answer)  # the older answer (« 1 sélectionné ») arrives last
    page.wait_for_function("window.tuttiLanded > 0")  # htmx has handled it: it must have left the newer bar alone
    expect(_actions_button(page)).to_contain_text("Actions pour 2 sélectionnés")
    assert _server_count(live_server, selection) == 2
