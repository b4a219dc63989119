"""A selection per window: two tabs or two panels of one account never send to each other's people.

Each person list page and each embed panel makes its own selection; the recap names it and its version, and
Envoyer sends exactly the recap's people or says the selection changed. The sends are checked where they land:
the outbox a real worker writes.
"""

from __future__ import annotations

import html
import json
import re
import threading

import pytest
from sms_helpers import (
    HX,
    body,
    build_world,
    field_value,
    login,
    recap_token,
    root_id,
    run_worker,
    select_people,
    shared_app_fixtures,
    snapshot,
    text,
)
from sqlalchemy import select, update

from tutti.directory import selections
from tutti.directory.people import PersonFilter
from tutti.embedding import api_keys, embed_links
from tutti.models import SELECTION_LIST, Campaign, OutboxEntry, Person, Selection, SelectionPerson

app, db, shared = shared_app_fixtures()
MESSAGE = "Répétition générale samedi à 14h"
ALICE, GASTON = "+33612345601", "+33755443322"
CHANGED = "La sélection a changé depuis le récapitulatif"


@pytest.fixture
def world(db):
    world = build_world(db)
    for key, person_id in world.people.items():
        db.execute(update(Person).where(Person.id == person_id).values(external_id=f"ext-{key}"))
    db.commit()
    return world


class Tab:
    """A browser tab on the person list: its page's own selection, named in every htmx request."""

    def __init__(self, client, query: str = ""):
        self.client = client
        response = client.get("/people" + query)
        assert response.status_code == 200
        self.page = body(response)
        self.selection = int(re.search(r'data-selection="(\d+)"', self.page).group(1))
        headers = re.search(r"""id="people-window"[^>]*hx-headers='([^']+)'""", self.page)
        self.headers = {**HX, **json.loads(html.unescape(headers.group(1)))}

    def tick(self, *person_ids: int, checked: bool = True):
        for person_id in person_ids:
            data = {"person_id": str(person_id), **({"checked": "1"} if checked else {})}
            response = self.client.post("/people/selection", data=data, headers=self.headers)
            assert response.status_code == 200
        return response

    def recap(self, message: str = MESSAGE) -> str:
        return body(self.client.post("/sms/recap", data={"message": message}, headers=self.headers))

    def send(self, recap: str):
        return self.client.post("/sms/send", headers=self.headers,
                                data={"message": field_value(recap, "message"), "token": recap_token(recap)})


def outbox_by_campaign(db) -> dict[int, list[str]]:
    """Return the phones the outbox received, per campaign (what each send really reached)."""
    from tutti.models import Message

    db.commit()
    rows = db.execute(select(Message.campaign_id, OutboxEntry.phone)
                      .join(Message, Message.id == OutboxEntry.message_id)).all()
    found: dict[int, list[str]] = {}
    for campaign_id, phone in rows:
        found.setdefault(campaign_id, []).append(phone)
    return {k: sorted(v) for k, v in found.items()}


def campaign_of(response) -> int:
    match = re.search(r"/campaigns/(\d+)", body(response))
    assert root_id(body(response)) == "progress" and match, text(body(response))
    return int(match.group(1))


# --- the domain --------------------------------------------------------------------------------------------


def test_each_window_has_its_own_selection(db, world):
    account = world.accounts["ecrivain"]
    first = selections.create(db, account, world.structure_id, SELECTION_LIST).id
    second = selections.create(db, account, world.structure_id, SELECTION_LIST).id
    selections.tick(db, first, world.structure_id, world.ids("alice"), True)
    selections.select_all(db, second, world.structure_id, PersonFilter(q="vidal"), True)
    db.commit()
    assert [p.id for p in selections.people(db, world.structure_id, first)] == world.ids("alice")
    assert [p.id for p in selections.people(db, world.structure_id, second)] == world.ids("gaston")
    selections.clear(db, second)
    db.commit()
    assert (selections.count(db, first), selections.count(db, second)) == (1, 0)


def test_every_change_raises_the_version(db, world):
    sid = selections.create(db, world.accounts["ecrivain"], world.structure_id, SELECTION_LIST).id
    versions = [selections.version(db, sid)]
    for change in (lambda: selections.tick(db, sid, world.structure_id, world.ids("alice"), True),
                   lambda: selections.tick(db, sid, world.structure_id, world.ids("alice"), False),
                   lambda: selections.select_all(db, sid, world.structure_id, PersonFilter(), True),
                   lambda: selections.clear(db, sid)):
        change()
        db.commit()
        versions.append(selections.version(db, sid))
    assert versions == [0, 1, 2, 3, 4]


def test_state_reads_version_and_count_in_one_statement(db, world):
    from sqlalchemy import event

    sid = selections.create(db, world.accounts["ecrivain"], world.structure_id, SELECTION_LIST).id
    selections.tick(db, sid, world.structure_id, world.ids("alice", "gaston"), True)
    db.commit()
    statements = []
    engine = db.get_bind()

    def listener(connection, cursor, statement, *rest):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        state = selections.state(db, sid)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert (state.id, state.version, state.count, len(statements)) == (sid, 1, 2, 1)
    assert selections.state(db, 987654) == selections.State(987654, 0, 0)


def test_hold_takes_only_the_version_counted(db, world):
    sid = selections.create(db, world.accounts["ecrivain"], world.structure_id, SELECTION_LIST).id
    selections.tick(db, sid, world.structure_id, world.ids("alice"), True)
    db.commit()
    assert selections.hold(db, sid, 1) is True
    db.commit()
    assert selections.hold(db, sid, 0) is False
    db.rollback()


def test_windows_unused_for_long_are_forgotten_when_another_opens(db, world):
    from datetime import timedelta

    from tutti.models import SELECTION_ACCOUNT, utcnow

    account = world.accounts["ecrivain"]
    old = selections.create(db, account, world.structure_id, SELECTION_LIST).id
    own = selections.account_selection(db, account, world.structure_id).id
    other_account = selections.create(db, world.accounts["ecrivain2"], world.structure_id, SELECTION_LIST).id
    selections.tick(db, old, world.structure_id, world.ids("alice"), True)
    long_ago = utcnow() - selections.KEEP - timedelta(hours=1)
    db.execute(update(Selection).values(updated_at=long_ago))
    db.commit()
    selections.create(db, account, world.structure_id, SELECTION_LIST)
    db.commit()
    kept = set(db.scalars(select(Selection.id)))
    assert old not in kept and {own, other_account} <= kept  # the account's own and another account's stay
    assert db.scalar(select(SelectionPerson.person_id).where(SelectionPerson.selection_id == old)) is None
    assert db.get(Selection, own).origin == SELECTION_ACCOUNT


def test_ownership_only_the_accounts_own_selection_of_its_structure(db, world):
    sid = selections.create(db, world.accounts["ecrivain"], world.structure_id, SELECTION_LIST).id
    db.commit()
    assert selections.owned(db, sid, world.accounts["ecrivain"], world.structure_id).id == sid
    assert selections.owned(db, sid, world.accounts["ecrivain2"], world.structure_id) is None
    assert selections.owned(db, sid, world.accounts["autre"], world.structures["other"]) is None
    assert selections.owned(db, sid, world.accounts["ecrivain"], world.structures["other"]) is None
    assert selections.owned(db, None, world.accounts["ecrivain"], world.structure_id) is None


# --- two tabs of one account -------------------------------------------------------------------------------


def test_two_tabs_tick_their_own_people(client, db, world):
    login(client, "ecrivain")
    first, second = Tab(client), Tab(client)
    assert first.selection != second.selection
    first.tick(*world.ids("alice"))
    second.tick(*world.ids("gaston", "bruno"))
    assert selections.count(db, first.selection) == 1
    assert selections.count(db, second.selection) == 2
    # Each page shows its own ticks, reloaded from its address.
    again = Tab(client, f"?sel={first.selection}")
    assert again.selection == first.selection
    assert re.search(rf'id="select-{world.people["alice"]}"[^>]*\bchecked\b', again.page)
    assert not re.search(rf'id="select-{world.people["gaston"]}"[^>]*\bchecked\b', again.page)


def test_two_tabs_recapped_then_sent_each_reach_their_own_people(app, client, db, world):
    login(client, "ecrivain")
    first, second = Tab(client), Tab(client)
    first.tick(*world.ids("alice"))
    first_recap = first.recap()
    second.tick(*world.ids("gaston"))  # in the other tab, after the first recap: it must not replace it
    second_recap = second.recap()
    first_campaign, second_campaign = campaign_of(first.send(first_recap)), campaign_of(second.send(second_recap))
    run_worker(app)
    assert outbox_by_campaign(db) == {first_campaign: [ALICE], second_campaign: [GASTON]}


def test_two_tabs_pressing_envoyer_at_once_each_reach_their_own_people(app, db, world):
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        login(client, "ecrivain")
    tabs = [Tab(clients[0]), Tab(clients[1])]
    tabs[0].tick(*world.ids("alice", "bruno"))
    tabs[1].tick(*world.ids("gaston"))
    recaps = [tab.recap() for tab in tabs]
    barrier = threading.Barrier(2)
    answers: dict[int, object] = {}

    def press(i: int) -> None:
        barrier.wait()
        answers[i] = tabs[i].send(recaps[i])

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    campaigns = [campaign_of(answers[0]), campaign_of(answers[1])]
    run_worker(app)
    assert outbox_by_campaign(db) == {campaigns[0]: [ALICE], campaigns[1]: [GASTON]}


# --- two embed panels of one account ---------------------------------------------------------------------


def _panel(client, key: str, people: list[str]):
    made = client.post("/api/v1/embed-links", json={"account": "ecrivain", "people": people},
                       headers={"Authorization": f"Bearer {key}"})
    assert made.status_code == 201, made.get_data(as_text=True)
    page = body(client.get(re.sub(r"^https?://[^/]+", "", made.get_json()["url"])))
    headers = dict(HX)
    for found in re.findall(r"hx-headers='([^']+)'", page):
        headers.update(json.loads(html.unescape(found)))
    return headers


def test_two_panels_of_one_account_each_send_to_their_own_people(app, client, db, world):
    embed_links.set_frame_origins(db, world.structure_id, "https://portail.exemple.fr", None)
    key = api_keys.create_key(db, world.structure_id, "Portail", None).secret
    first = _panel(app.test_client(), key, ["ext-alice"])
    second = _panel(app.test_client(), key, ["ext-gaston"])  # opened after the first: it must not replace it
    assert first["X-Tutti-Selection"] != second["X-Tutti-Selection"]
    panel_client = app.test_client()
    recaps = [body(panel_client.post("/sms/recap", data={"message": MESSAGE}, headers=h)) for h in (first, second)]
    sent = [panel_client.post("/sms/send", headers=h, data={"message": field_value(r, "message"),
                                                            "token": recap_token(r)})
            for h, r in zip((first, second), recaps, strict=True)]
    campaigns = [campaign_of(s) for s in sent]
    run_worker(app)
    assert outbox_by_campaign(db) == {campaigns[0]: [ALICE], campaigns[1]: [GASTON]}


# --- the version guard -----------------------------------------------------------------------------------


def test_envoyer_refuses_a_selection_changed_since_the_recap_and_charges_nothing(client, db, world):
    login(client, "ecrivain")
    tab = Tab(client)
    tab.tick(*world.ids("alice"))
    recap = tab.recap()
    tab.tick(*world.ids("gaston"))  # same tab, after the recap
    before = snapshot(db, world.structure_id)
    answer = body(tab.send(recap))
    assert root_id(answer) == "recap"
    assert CHANGED in text(answer) and "rien n'a été envoyé ni débité" in text(answer)
    assert snapshot(db, world.structure_id) == before
    # The new recap names who receives now; it can be sent.
    assert "Alice Martin" in text(answer) and "Gaston Vidal" in text(answer)
    assert root_id(body(tab.send(answer))) == "progress"


def test_envoyer_refuses_even_when_the_change_keeps_the_same_numbers(client, db, world):
    login(client, "ecrivain")
    tab = Tab(client)
    tab.tick(*world.ids("alice"))
    recap = tab.recap()
    tab.tick(*world.ids("chloe"))  # no mobile: the same numbers, the same cost, yet not the people recapped
    before = snapshot(db, world.structure_id)
    assert CHANGED in text(body(tab.send(recap)))
    assert snapshot(db, world.structure_id) == before


def test_a_tick_in_another_tab_leaves_the_recap_sendable(client, db, world):
    login(client, "ecrivain")
    first, second = Tab(client), Tab(client)
    first.tick(*world.ids("alice"))
    recap = first.recap()
    second.tick(*world.ids("gaston"))
    assert root_id(body(first.send(recap))) == "progress"


def test_two_panels_pressing_envoyer_at_once_each_reach_their_own_people(app, db, world):
    embed_links.set_frame_origins(db, world.structure_id, "https://portail.exemple.fr", None)
    key = api_keys.create_key(db, world.structure_id, "Portail", None).secret
    panels = [_panel(app.test_client(), key, people) for people in (["ext-alice", "ext-bruno"], ["ext-gaston"])]
    clients = [app.test_client(), app.test_client()]
    recaps = [body(c.post("/sms/recap", data={"message": MESSAGE}, headers=h))
              for c, h in zip(clients, panels, strict=True)]
    barrier = threading.Barrier(2)
    answers: dict[int, object] = {}

    def press(i: int) -> None:
        barrier.wait()
        answers[i] = clients[i].post("/sms/send", headers=panels[i], data={
            "message": field_value(recaps[i], "message"), "token": recap_token(recaps[i])})

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    campaigns = [campaign_of(answers[0]), campaign_of(answers[1])]
    run_worker(app)
    assert outbox_by_campaign(db) == {campaigns[0]: [ALICE], campaigns[1]: [GASTON]}


# --- ownership -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("request_of", [
    lambda c, h: c.post("/people/selection", data={"person_id": "1", "checked": "1"}, headers=h),
    lambda c, h: c.post("/people/selection/all", data={"checked": "1"}, headers=h),
    lambda c, h: c.post("/people/selection/clear", headers=h),
    lambda c, h: c.get("/people", headers=h),
    lambda c, h: c.get("/people/actions", headers=h),
    lambda c, h: c.post("/sms/recap", data={"message": MESSAGE}, headers=h),
    lambda c, h: c.get("/sms/compose", headers=h),
    lambda c, h: c.get("/sms/receivers", headers=h),
    lambda c, h: c.get("/sms/excluded", headers=h),
], ids=["tick", "all", "clear", "results", "actions", "recap", "compose", "receivers", "excluded"])
@pytest.mark.parametrize("owner", ["ecrivain2", "autre"])
def test_another_accounts_selection_is_not_found(app, client, db, world, request_of, owner):
    other = app.test_client()
    login(other, owner)
    theirs = Tab(other)
    theirs.tick(*(world.ids("alice") if owner == "ecrivain2" else [world.other_people["olga"]]))
    state = (selections.version(db, theirs.selection), selections.count(db, theirs.selection))
    login(client, "ecrivain")
    for headers in ({**HX, "X-Tutti-Selection": str(theirs.selection)}, HX | {"X-Tutti-Selection": "abc"}):
        response = request_of(client, headers)
        assert response.status_code == 404
        assert "Alice" not in body(response) and "Olga" not in body(response)
    db.expire_all()
    assert (selections.version(db, theirs.selection), selections.count(db, theirs.selection)) == state


def test_a_page_opened_on_another_accounts_selection_opens_afresh(app, client, db, world):
    other = app.test_client()
    login(other, "ecrivain2")
    theirs = Tab(other)
    login(client, "ecrivain")
    response = client.get(f"/people?sel={theirs.selection}&q=mar")
    assert response.status_code == 302 and response.headers["Location"] == "/people?q=mar"
    mine = Tab(client, "?q=mar")
    assert mine.selection != theirs.selection


def test_a_recap_token_of_a_selection_now_gone_is_stale(client, db, world):
    login(client, "ecrivain")
    tab = Tab(client)
    tab.tick(*world.ids("alice"))
    recap = tab.recap()
    db.execute(SelectionPerson.__table__.delete())
    db.execute(Selection.__table__.delete())
    db.commit()
    answer = body(tab.send(recap))
    assert root_id(answer) == "compose" and "Ce récapitulatif a expiré" in text(answer)
    assert db.scalar(select(Campaign.id)) is None


# --- the recap names who receives ---------------------------------------------------------------------------


def test_recap_names_the_receivers_when_few(client, db, world):
    login(client, "ecrivain")
    tab = Tab(client)
    tab.tick(*world.ids())
    recap = tab.recap()
    receivers = re.search(r'<div class="receivers" id="receivers">(.*?)</div>', recap, re.S).group(1)
    # One per number: Alice for the number she shares with Bruno, and Gaston; the others are left out.
    assert re.findall(r"<li>([^<]+)</li>", receivers) == ["Alice Martin", "Gaston Vidal"]
    assert "Destinataires (2)" in text(receivers)


def test_recap_links_to_the_receivers_when_many(client, db, world):
    from sms_helpers import add_person

    ids = [add_person(db, world.structure_id, f"Choriste{i:02d}", "Lambda", f"06 20 00 00 {i:02d}")
           for i in range(25)]
    login(client, "ecrivain")
    tab = Tab(client)
    tab.tick(*world.ids("gaston"), *ids)
    recap = tab.recap()
    assert "voir les 26 destinataires" in text(recap)
    assert "Choriste00" not in recap
    link = html.unescape(re.search(r'href="([^"]*/sms/receivers[^"]*)"', recap).group(1))
    assert f"sel={tab.selection}" in link
    listed = text(body(client.get(link)))
    assert "le SMS sera envoyé à 26 destinataires" in listed
    assert "Choriste00 Lambda" in listed and "Gaston Vidal" in listed and "changé" not in listed
    tab.tick(ids[0], checked=False)
    assert CHANGED in text(body(client.get(link)))


def test_receivers_page_is_paged(app, client, db, world):
    from sms_helpers import add_person

    from blueprints.sms import routes

    ids = [add_person(db, world.structure_id, f"Choriste{i:03d}", "Lambda", f"06 21 00 0{i // 100} {i % 100:02d}")
           for i in range(routes.RECEIVERS_PAGE_SIZE + 5)]
    select_people(db, world, ids)
    login(client, "ecrivain")
    first = text(body(client.get("/sms/receivers")))
    second = text(body(client.get("/sms/receivers?page=2")))
    assert "Choriste000 Lambda" in first and "Choriste000 Lambda" not in second
    assert f"Choriste{routes.RECEIVERS_PAGE_SIZE + 4:03d} Lambda" in second
    assert "Page 2 sur 2" in second


def test_the_sms_page_leads_back_to_the_list_on_its_selection(client, db, world):
    login(client, "ecrivain")
    tab = Tab(client)
    tab.tick(*world.ids("alice"))
    page = body(client.get(f"/sms/compose?sel={tab.selection}"))  # the SMS page opened without htmx
    back = html.unescape(re.search(r'<a href="([^"]+)">‹ Retour à la liste des personnes', page).group(1))
    assert back == f"/people?sel={tab.selection}"
    assert Tab(client, back[len("/people"):]).selection == tab.selection
