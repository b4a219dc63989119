"""The « Crédit SMS » page: balance, ledger and the picture of the balance over the last year."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from tutti.models import CreditMovement
from tutti.sms import credit

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def app_config(app_config):
    app_config["TUTTI_CLOCK"] = lambda: NOW
    return app_config


def dated(db, when: datetime) -> None:
    """Date the ledger's newest movement."""
    newest = db.scalar(select(func.max(CreditMovement.id)))
    db.execute(update(CreditMovement).where(CreditMovement.id == newest).values(created_at=when))
    db.commit()


def chart(page: str) -> str:
    """Return the balance picture's section."""
    match = re.search(r'<section id="balance-chart".*?</section>', page, re.S)
    assert match, "no balance picture"
    return match.group(0)


@pytest.fixture
def ledger(demo, db):
    """Give the demo structure a year of movements: its initial credit in March, a top-up and two sends."""
    db.execute(update(CreditMovement).where(CreditMovement.structure_id == 1)
               .values(created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
    db.commit()
    credit.add(db, 1, 500, label="Pack de 500 SMS")
    dated(db, datetime(2026, 6, 15, 9, 0, tzinfo=UTC))
    sends = ((datetime(2026, 9, 10, 17, 0, tzinfo=UTC), 120), (datetime(2026, 11, 20, 17, 0, tzinfo=UTC), 80))
    for when, cost in sends:
        credit.reserve(db, 1, cost, None)
        dated(db, when)
    return db


def credit_page(client, auth) -> str:
    auth.login("secretariat")
    return client.get("/sms/credit").get_data(as_text=True)


def test_credit_page_draws_the_balance_with_its_title_and_description(ledger, auth, client):
    picture = chart(credit_page(client, auth))
    assert "<h2 id=\"balance-chart-title\">Évolution du solde</h2>" in picture
    svg = re.search(r"<svg[^>]+>", picture).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="balance-svg-title"' in svg
    assert 'aria-describedby="balance-svg-desc"' in svg
    assert '<title id="balance-svg-title">Évolution du solde</title>' in picture
    desc = re.search(r'<desc id="balance-svg-desc">(.*?)</desc>', picture, re.S).group(1)
    assert "Solde du crédit SMS du 2 mars 2026 au 7 déc. 2026 : 528 SMS aujourd'hui, 728 SMS au plus haut." in desc
    assert "2 réapprovisionnements sur la période." in desc  # the initial credit and the top-up
    assert "2 envois sur la période." in desc


def test_credit_page_time_axis_reads_french_months(ledger, auth, client):
    picture = chart(credit_page(client, auth))
    labels = re.findall(r'<text x="[\d.]+" y="\d+" text-anchor="middle"[^>]*>([^<]+)</text>', picture)
    assert labels and labels[0].endswith("2026")
    assert set(labels) <= {"mars 2026", "avr. 2026", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.",
                           "avr.", "mai 2026", "juin 2026", "juil. 2026"}


def test_credit_page_sms_axis_has_round_ticks(ledger, auth, client):
    picture = chart(credit_page(client, auth))
    ticks = re.findall(r'text-anchor="end" fill="#4a5262">([^<]+)</text>', picture)
    assert ticks == ["0", "200", "400", "600", "800"]
    assert re.search(r'<text x="0" y="[\d.]+" fill="#4a5262">SMS</text>', picture)  # the axis says what it counts


def test_credit_page_marks_each_top_up_and_each_send(ledger, auth, client):
    picture = chart(credit_page(client, auth))
    svg = picture[picture.index("<svg"):picture.index("</svg>")]
    assert svg.count('fill="#1e6b3a"') == 2  # the initial credit and the top-up
    assert svg.count('r="4.5" fill="#a3261b"') == 2  # the two sends
    legend = re.search(r'<ul class="legend">(.*?)</ul>', picture, re.S).group(1)
    assert "Réapprovisionnement" in legend and "Envoi" in legend and "Solde actuel : 528 SMS" in legend


def test_credit_page_labels_the_current_balance(ledger, auth, client):
    assert re.search(r'<text class="current"[^>]*>528 SMS</text>', chart(credit_page(client, auth)))


def test_credit_page_gives_the_figures_as_a_table(ledger, auth, client):
    picture = chart(credit_page(client, auth))
    table = re.search(r'<div class="visually-hidden"><table>(.*?)</table></div>', picture, re.S).group(1)
    rows = [re.sub(r"<[^>]+>", "|", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)][1:]
    cells = [[c.strip() for c in row.split("|") if c.strip()] for row in rows]
    assert cells[0] == ["02/03/2026 à 10:00", "Crédit initial", "+228", "228"]
    assert cells[1] == ["15/06/2026 à 11:00", "Réapprovisionnement", "+500", "728"]
    assert cells[2][1:] == ["Réservation", "−120", "608"] and cells[3][1:] == ["Réservation", "−80", "528"]


def test_credit_page_picture_runs_no_script_and_no_inline_style(ledger, auth, client):
    picture = chart(credit_page(client, auth))
    assert "<script" not in picture and "style=" not in picture and " on" not in re.sub(r'"[^"]*"', "", picture)


def test_credit_page_in_english(ledger, auth, client):
    client.set_cookie("tutti_lang", "en")
    picture = chart(credit_page(client, auth))
    assert "Balance over time" in picture and "528 SMS" in picture
    assert re.search(r">(Mar|Apr) 2026</text>", picture)


def test_credit_page_without_movement_draws_nothing(db, auth, client):
    from tutti.demo import seed_demo

    seed_demo(db)
    db.execute(CreditMovement.__table__.delete().where(CreditMovement.structure_id == 1))
    db.commit()
    assert 'id="balance-chart"' not in credit_page(client, auth)


def test_credit_page_carries_the_balance_from_before_the_year(demo, db, auth, client):
    db.execute(update(CreditMovement).where(CreditMovement.structure_id == 1)
               .values(created_at=datetime(2025, 1, 2, 9, 0, tzinfo=UTC)))
    db.commit()
    credit.reserve(db, 1, 28, None)
    dated(db, datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    picture = chart(credit_page(client, auth))
    assert "Solde au début de la période</td><td></td><td>228</td>" in picture
    assert "Solde du crédit SMS du 7 déc. 2025 au 7 déc. 2026 : 200 SMS aujourd'hui" in picture


def test_balance_timeline_keeps_the_latest_movements_when_there_are_too_many(ledger):
    from tutti.figures import balance_timeline

    line = balance_timeline(ledger, 1, NOW, limit=2)
    assert [p.balance for p in line.points] == [608, 528]
    assert line.opening == 728 and line.start == datetime(2026, 9, 10, 17, 0, tzinfo=UTC)
