"""The pictures a secretary reads at a glance: where a campaign's messages stand (live while it sends) and the SMS
spent per month on the history, each with its figures in the HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sms_helpers import body, build_world, hx_get, login, make_campaign, root_id, shared_app_fixtures, text
from sqlalchemy import func, select, update

from tutti.models import Campaign, CreditMovement, Message
from tutti.sms import credit

app, db, shared = shared_app_fixtures()
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def world(db):
    return build_world(db)


@pytest.fixture
def reader(client, world):
    login(client, "ecrivain")
    return client


def set_states(db, campaign_id: int, *states: str, status: str | None = None) -> None:
    """Put the campaign's messages, in id order, in these states."""
    ids = db.scalars(select(Message.id).where(Message.campaign_id == campaign_id).order_by(Message.id)).all()
    for message_id, state in zip(ids, states, strict=True):
        db.execute(update(Message).where(Message.id == message_id).values(state=state))
    if status:
        db.execute(update(Campaign).where(Campaign.id == campaign_id).values(status=status))
    db.commit()


def states_section(page: str) -> str:
    match = re.search(r'<section id="states".*?</section>', page, re.S)
    assert match, "no picture of the states"
    return match.group(0)


def legend(section: str) -> list[str]:
    return [text(item) for item in re.findall(r"<li>(.*?)</li>", section, re.S)]


def test_campaign_page_shows_where_its_messages_stand(reader, db, world):
    campaign_id = make_campaign(db, world)
    set_states(db, campaign_id, "delivered", "failed", status="done")
    section = states_section(body(reader.get(f"/sms/campaigns/{campaign_id}")))
    assert "Où en sont les messages" in section
    assert legend(section) == ["reçu : 1", "envoyé (sans accusé de réception) : 0", "en attente : 0", "échec : 1",
                               "inconnu : 0"]
    svg = re.search(r"<svg[^>]+>", section).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="states-svg-title"' in svg and "aria-describedby" in svg
    assert "Où en sont les messages de l'envoi (en tout : 2)" in section
    assert section.count("<rect x=") == 2  # one segment per group that has messages


def test_campaign_states_as_a_table_for_screen_readers(reader, db, world):
    campaign_id = make_campaign(db, world)
    set_states(db, campaign_id, "delivered", "undelivered", status="done")
    table = re.search(r'<div class="visually-hidden"><table>(.*?)</table></div>', states_section(
        body(reader.get(f"/sms/campaigns/{campaign_id}"))), re.S).group(1)
    rows = [text(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert "reçu 1" in rows and "non reçu 1" in rows and "Total 2" in rows


def test_campaign_states_poll_every_two_seconds_while_sending(reader, db, world):
    campaign_id = make_campaign(db, world)
    set_states(db, campaign_id, "delivered", "sending", status="sending")
    response = hx_get(reader, f"/sms/campaigns/{campaign_id}/states")
    page = body(response)
    assert response.status_code == 200 and root_id(page) == "states"
    assert f'hx-get="/sms/campaigns/{campaign_id}/states"' in page and 'hx-trigger="every 2s"' in page
    assert "reçu : 1" in legend(page) and "en attente : 1" in legend(page)


def test_campaign_states_follow_the_messages(reader, db, world):
    campaign_id = make_campaign(db, world)
    assert "en attente : 2" in legend(body(hx_get(reader, f"/sms/campaigns/{campaign_id}/states")))
    set_states(db, campaign_id, "sent", "unknown", status="sending")
    assert {"envoyé (sans accusé de réception) : 1", "inconnu : 1"} <= set(
        legend(body(hx_get(reader, f"/sms/campaigns/{campaign_id}/states"))))


def test_campaign_states_stop_polling_once_finished(reader, db, world):
    campaign_id = make_campaign(db, world)
    set_states(db, campaign_id, "delivered", "delivered", status="done")
    page = body(hx_get(reader, f"/sms/campaigns/{campaign_id}/states"))
    assert root_id(page) == "states" and "hx-trigger" not in page and "reçu : 2" in legend(page)


def test_campaign_states_of_a_cancelled_campaign(reader, db, world):
    campaign_id = make_campaign(db, world)
    set_states(db, campaign_id, "cancelled", "cancelled", status="cancelled")
    page = body(hx_get(reader, f"/sms/campaigns/{campaign_id}/states"))
    assert "annulé : 2" in legend(page) and "hx-trigger" not in page


# --- SMS spent per month ---------------------------------------------------------------------------


def capture_on(db, structure_id: int, sms: int, when: datetime) -> None:
    credit.capture(db, structure_id, sms, None)
    newest = db.scalar(select(func.max(CreditMovement.id)))
    db.execute(update(CreditMovement).where(CreditMovement.id == newest).values(created_at=when))
    db.commit()


def monthly_rows(page: str) -> list[str]:
    section = re.search(r'<section id="monthly-chart".*?</section>', page, re.S)
    assert section, "no picture of the SMS spent per month"
    table = re.search(r'<div class="visually-hidden"><table>(.*?)</table></div>', section.group(0), re.S).group(1)
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)][1:]


def test_history_shows_sms_spent_in_each_of_the_last_twelve_months(app, reader, db, world, monkeypatch):
    monkeypatch.setitem(app.config, "TUTTI_CLOCK", lambda: NOW)
    make_campaign(db, world)
    capture_on(db, world.structure_id, 1228, datetime(2026, 12, 1, 9, tzinfo=UTC))
    capture_on(db, world.structure_id, 40, datetime(2026, 3, 31, 22, 30, tzinfo=UTC))  # 1 April in Paris
    capture_on(db, world.structure_id, 7, datetime(2025, 12, 20, 9, tzinfo=UTC))  # 13 months ago: not shown
    capture_on(db, world.structures["other"], 99, datetime(2026, 12, 2, 9, tzinfo=UTC))  # another structure
    page = body(reader.get("/sms/campaigns"))
    rows = monthly_rows(page)
    assert len(rows) == 12 and rows[0] == "janv. 2026 0" and rows[-1] == "déc. 2026 1 228"
    assert "avr. 2026 40" in rows and "mars 2026 0" in rows
    assert "SMS dépensés par mois" in page
    assert "1\u00a0268 SMS débités en tout sur les 12 derniers mois." in page


def test_history_bars_carry_their_values(app, reader, db, world, monkeypatch):
    monkeypatch.setitem(app.config, "TUTTI_CLOCK", lambda: NOW)
    make_campaign(db, world)
    capture_on(db, world.structure_id, 30, datetime(2026, 11, 5, 9, tzinfo=UTC))
    section = re.search(r'<section id="monthly-chart".*?</section>', body(reader.get("/sms/campaigns")), re.S).group(0)
    svg = section[section.index("<svg"):section.index("</svg>")]
    assert re.search(r">nov\. 2026</text>", svg) and re.search(r'font-weight="600">30</text>', svg)
    assert svg.count("<rect") == 1  # months without SMS have no bar, only their 0


def test_history_without_campaign_draws_nothing(reader):
    assert 'id="monthly-chart"' not in body(reader.get("/sms/campaigns"))
