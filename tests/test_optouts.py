"""STOP replies: injected at the simulator, read by the worker's receiver, they fill the structure's opt-out list.

A STOP is matched to the structure that last wrote to the number (the short code is shared). The opt-out list
page lists it, the next recap leaves the person out « désinscrit (STOP) », and the next send does not reach the
number. Lifting an opt-out needs the person's consent in writing, a write right, and an opt-out of one's own
structure. STOP parsing itself is unit-tested in test_smpp_receipts.py.
"""

from __future__ import annotations

import re

import pytest
from sms_helpers import (
    add_person,
    body,
    login,
    recap,
    select_people,
    text,
)
from sqlalchemy import select
from test_smpp_flow import (
    ALICE,
    GASTON,
    GSM_TEXT,
    newest_campaign,
    received_by,
    run_job,
    send_through_app,
    smpp_app_fixtures,
    states,
    wait_for,
)

from tutti.directory.phones import display
from tutti.models import OptOut
from tutti.sms import credit

CONSENT = "Gaston a redemandé les SMS par écrit à la répétition du 12 mars."


shared, app, sim, receiver, world, writer = smpp_app_fixtures()


def sent_once(app, client, sim) -> None:
    """Send the world's selection a first SMS through the app and the worker."""
    send_through_app(client, GSM_TEXT)
    run_job(app)
    assert received_by(sim) == {ALICE: 1, GASTON: 1}


def reply(sim, phone: str, words: str) -> None:
    """A phone answers; wait until the receiver acknowledged it."""
    before = sim.delivered
    sim.inject_mo(phone, words)
    wait_for(lambda: sim.delivered > before, what=f"the receiver to take {words!r}")


def active_optouts(db, structure_id: int) -> set[str]:
    db.commit()
    db.expire_all()
    return set(db.scalars(select(OptOut.phone).where(OptOut.structure_id == structure_id, OptOut.active.is_(True))))


def recap_exclusions(client, message: str = GSM_TEXT) -> dict[str, str]:
    """Return the recap's « ne recevront pas » list: name → reason."""
    page = body(recap(client, message))
    return dict(item.split(" : ", 1) for item in
                (text(li) for li in re.findall(r"<li>(.*?)</li>", page.split('class="excluded"', 1)[-1], re.S))
                if " : " in item)


def optout_id(db, structure_id: int, phone: str) -> int:
    db.commit()
    return db.scalar(select(OptOut.id).where(OptOut.structure_id == structure_id, OptOut.phone == phone))


@pytest.mark.parametrize("words", ["Stop.", "STOP SMS", "stop"])
def test_stop_reply_fills_the_list_and_the_next_send_leaves_the_number_out(app, sim, receiver, db, world, writer,
                                                                           words):
    sent_once(app, writer, sim)
    reply(sim, GASTON, words)
    assert active_optouts(db, world.structure_id) == {"+33698765432", GASTON}
    page = text(body(writer.get("/sms/optouts")))
    assert display(GASTON) in page and "Gaston Vidal" in page and words in page

    assert recap_exclusions(writer)["Gaston Vidal"] == "désinscrit (STOP)"
    send_through_app(writer, "Deuxième message.")
    campaign = newest_campaign(db, world.structure_id)
    assert campaign.recipients == 1 and campaign.cost == 1
    run_job(app)
    assert received_by(sim) == {ALICE: 2, GASTON: 1}
    assert list(states(db, campaign.id)) == [ALICE]  # sent, or delivered already: the receiver is bound


def test_stop_from_a_number_no_structure_wrote_to_does_nothing(app, sim, receiver, db, world, writer):
    sent_once(app, writer, sim)
    reply(sim, "+33611119999", "STOP")
    reply(sim, world_phone := "+33698765432", "STOP")  # Fanny: opted out already, never written to by Tutti
    db.commit()
    assert db.scalars(select(OptOut.phone)).all() == [world_phone]


def test_a_reply_that_is_not_a_stop_does_nothing(app, sim, receiver, db, world, writer):
    sent_once(app, writer, sim)
    for words in ("merci", "Non stop, continuez !", "stopper les répétitions ?"):
        reply(sim, GASTON, words)
    assert active_optouts(db, world.structure_id) == {"+33698765432"}


def test_stop_goes_to_the_structure_that_wrote_last(app, sim, receiver, db, world, writer, client):
    sent_once(app, writer, sim)  # the main structure writes to Gaston…
    other = add_person(db, world.structures["other"], "Gaston", "Voisin", "07 55 44 33 22")
    select_people(db, world, [other], login="autre", structure="other")
    client.post("/logout")
    login(client, "autre")
    send_through_app(client, "Concert de l'harmonie samedi.")
    run_job(app)  # …then the neighbouring one does
    assert received_by(sim)[GASTON] == 2
    reply(sim, GASTON, "STOP")
    assert active_optouts(db, world.structures["other"]) == {GASTON}
    assert active_optouts(db, world.structure_id) == {"+33698765432"}


def test_lifting_needs_a_consent_text(app, sim, receiver, db, world, writer):
    sent_once(app, writer, sim)
    reply(sim, GASTON, "STOP")
    oid = optout_id(db, world.structure_id, GASTON)
    refused = writer.post(f"/sms/optouts/{oid}/lift", data={"reason": "   "}, follow_redirects=True)
    assert "Décrivez le consentement de la personne" in text(body(refused))
    assert GASTON in active_optouts(db, world.structure_id)

    lifted = writer.post(f"/sms/optouts/{oid}/lift", data={"reason": CONSENT}, follow_redirects=True)
    assert "peut de nouveau recevoir vos SMS" in text(body(lifted))
    assert GASTON not in active_optouts(db, world.structure_id)
    row = db.get(OptOut, oid)
    assert (row.removed_by_id, row.removal_reason) == (world.accounts["ecrivain"], CONSENT)
    assert row.removed_at is not None
    page = text(body(writer.get("/sms/optouts")))
    assert "levée le" in page and CONSENT in page
    assert "Gaston Vidal" not in recap_exclusions(writer)

    # Answering STOP again puts the number back on the list, and clears the old consent.
    reply(sim, GASTON, "STOP")
    assert GASTON in active_optouts(db, world.structure_id)
    db.refresh(row)
    assert row.removal_reason is None and row.removed_by_id is None


def test_a_reader_cannot_lift(app, db, world, client):
    login(client, "lecteur")
    oid = optout_id(db, world.structure_id, "+33698765432")
    page = body(client.get("/sms/optouts"))
    assert display("+33698765432") in text(page) and "Lever la désinscription" not in page
    response = client.post(f"/sms/optouts/{oid}/lift", data={"reason": CONSENT})
    assert response.status_code == 403
    assert active_optouts(db, world.structure_id) == {"+33698765432"}


def test_another_structures_optout_cannot_be_lifted(app, db, world, client):
    neighbour = OptOut(structure_id=world.structures["other"], phone="+33644444444", text="STOP")
    db.add(neighbour)
    db.commit()
    login(client, "ecrivain")
    response = client.post(f"/sms/optouts/{neighbour.id}/lift", data={"reason": CONSENT}, follow_redirects=True)
    assert "n'existe pas" in text(body(response))
    assert active_optouts(db, world.structures["other"]) == {"+33644444444"}
    assert display("+33644444444") not in text(body(client.get("/sms/optouts")))


def test_stop_between_envoyer_and_the_job_is_honoured(app, sim, receiver, db, world, writer):
    """A campaign recorded (or scheduled) before a STOP must not reach that number when its job runs."""
    sent_once(app, writer, sim)
    send_through_app(writer, "Rappel : répétition demain.")
    campaign = newest_campaign(db, world.structure_id)
    reply(sim, GASTON, "STOP")  # after Envoyer, before the worker takes the job
    run_job(app)
    assert received_by(sim)[GASTON] == 1, "an opted-out number got an SMS"
    db.commit()
    totals = credit.campaign_totals(db, campaign.id)
    assert totals[credit.CAPTURE] == 1 and totals[credit.RELEASE] == 1
