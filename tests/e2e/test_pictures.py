"""The pictures in a real browser: the credit chart read at 360 px, a campaign's states updated live while it sends
and still when it stops, axe clean on each."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

PHONE = {"width": 360, "height": 740}
# Font sizes as drawn on screen: SVG text is scaled with its picture, so it is measured, not read from the source.
DRAWN_TEXT = """(selector) => [...document.querySelectorAll(selector)].map(t => {
    const box = t.getBoundingClientRect();
    return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
            left: box.left, right: box.right, top: box.top, bottom: box.bottom};
})"""


@pytest.mark.parametrize("browsing", [PHONE], indirect=True)
def test_credit_chart_reads_at_360_px(browsing, sent_campaign, axe_clean):
    page = browsing.signed_in("secretariat", "/sms/credit")
    chart = page.locator("#balance-chart svg.chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    texts = page.evaluate(DRAWN_TEXT, "#balance-chart svg.chart text")
    assert texts, "the chart has no text"
    small = [t for t in texts if t["px"] < 11]
    assert not small, f"text drawn under 11 px at 360 px wide: {small}"
    outside = [t for t in texts if t["left"] < box["x"] - 1 or t["right"] > box["x"] + box["width"] + 1]
    assert not outside, f"text outside the picture: {outside}"
    dates = sorted(page.evaluate(DRAWN_TEXT, "#balance-chart svg.chart text[text-anchor=middle]"),
                   key=lambda t: t["left"])
    assert dates, "no date under the time axis"
    for before, after in zip(dates, dates[1:], strict=False):
        assert before["right"] <= after["left"], f"dates overlap: {before['text']} / {after['text']}"
    expect(page.locator("#balance-chart text.current")).to_have_text(f"{browsing.live.balance()} SMS")
    expect(page.locator("#balance-chart .legend")).to_contain_text("Réapprovisionnement")
    axe_clean(page, "the credit page at 360 px", "#balance-chart")


@pytest.fixture
def sending_campaign(live_server):
    """Record a campaign of three messages that a run is sending (its lease held far ahead): the test moves them."""
    now = datetime.now(UTC)
    structure = live_server.scalar("SELECT structure_id FROM accounts WHERE login = 'secretariat'")
    token = uuid.uuid4().hex
    live_server.sql(
        "INSERT INTO campaigns (structure_id, author_id, token, text, suffix, sender, encoding, parts_per_message,"
        " people_selected, recipients, cost, status, transport, created_at, started_at, lease_owner, lease_until)"
        " VALUES (:s, :a, :t, 'Répétition annulée', ' STOP 36608', 'EMSAUBIN', 'GSM-7', 1, 3, 3, 3, 'sending',"
        " 'outbox', :now, :now, 'e2e-test', :until)",
        s=structure, a=live_server.account_id("secretariat"), t=token, now=now, until=now + timedelta(hours=1))
    campaign = live_server.scalar("SELECT id FROM campaigns WHERE token = :t", t=token)
    for number in range(3):
        live_server.sql("INSERT INTO messages (campaign_id, phone, state, parts, credit_held)"
                        " VALUES (:c, :p, 'queued', 1, :no)", c=campaign, p=f"+3361299000{number}", no=False)
    yield campaign
    live_server.sql("UPDATE campaigns SET status = 'done', lease_owner = NULL, lease_until = NULL WHERE id = :c",
                    c=campaign)


def test_campaign_states_update_live_then_stop(browsing, live_server, sending_campaign, axe_clean):
    page = browsing.signed_in("secretariat", f"/sms/campaigns/{sending_campaign}")
    states = page.locator("#states")
    expect(states.locator(".legend")).to_contain_text("en attente : 3")
    expect(states).to_have_attribute("hx-trigger", "every 2s")
    axe_clean(page, "a campaign page while it sends")
    live_server.sql("UPDATE messages SET state = 'delivered' WHERE campaign_id = :c AND phone = '+33612990000'",
                    c=sending_campaign)
    live_server.sql("UPDATE messages SET state = 'sent' WHERE campaign_id = :c AND phone = '+33612990001'",
                    c=sending_campaign)
    expect(states.locator(".legend")).to_contain_text("reçu : 1")
    expect(states.locator(".legend")).to_contain_text("envoyé (sans accusé de réception) : 1")
    expect(states.locator(".legend")).to_contain_text("en attente : 1")
    live_server.sql("UPDATE messages SET state = 'failed' WHERE campaign_id = :c AND state = 'queued'",
                    c=sending_campaign)
    live_server.sql("UPDATE campaigns SET status = 'done' WHERE id = :c", c=sending_campaign)
    expect(states.locator(".legend")).to_contain_text("échec : 1")
    expect(states).not_to_have_attribute("hx-trigger", "every 2s")
    asked = len([u for u in browsing.requests if u.endswith(f"/sms/campaigns/{sending_campaign}/states")])
    page.wait_for_timeout(4_500)  # two polling periods: a stopped picture asks nothing more
    assert len([u for u in browsing.requests if u.endswith(f"/sms/campaigns/{sending_campaign}/states")]) == asked
    expect(states.locator("svg.states-bar rect")).to_have_count(3)
    axe_clean(page, "a finished campaign page")
