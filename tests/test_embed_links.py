"""Embed links: signed, short-lived, single-use; the panel they open sends like the app, for the portal's frame only."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from sms_helpers import (
    DELIVERABLE,
    body,
    build_world,
    field_value,
    recap_token,
    root_id,
    run_worker,
    shared_app_fixtures,
    snapshot,
    text,
)
from sqlalchemy import func, select, update

from tutti.accounts import accounts, rights
from tutti.embedding import api_keys, embed_links
from tutti.models import (
    LEVEL_NONE,
    LEVEL_READ,
    MODULE_SMS,
    Account,
    ApiKey,
    Campaign,
    EmbedLink,
    OutboxEntry,
    Person,
    Selection,
    SelectionPerson,
    utcnow,
)
from tutti.refusals import Refusal, Refused

app, db, shared = shared_app_fixtures()
PORTAL = "https://portail.exemple.fr"
MESSAGE = "Répétition générale samedi à 14h"
EVERYONE = ("alice", "bruno", "chloe", "david", "emma", "fanny", "gaston")


@pytest.fixture
def world(db):
    world = build_world(db)
    for key, person_id in world.people.items():
        db.execute(update(Person).where(Person.id == person_id).values(external_id=f"ext-{key}"))
    for key, person_id in world.other_people.items():
        db.execute(update(Person).where(Person.id == person_id).values(external_id=f"ext-{key}"))
    db.commit()
    embed_links.set_frame_origins(db, world.structure_id, PORTAL, None)
    return world


def make_key(db, structure_id: int) -> str:
    return api_keys.create_key(db, structure_id, "Portail", None).secret


def ask_link(client, key: str, account: str, people: list[str]):
    return client.post("/api/v1/embed-links", json={"account": account, "people": people},
                       headers={"Authorization": f"Bearer {key}"})


def link_path(response) -> str:
    assert response.status_code == 201, response.get_data(as_text=True)
    return re.sub(r"^https?://[^/]+", "", response.get_json()["url"])


@pytest.fixture
def key(db, world) -> str:
    return make_key(db, world.structure_id)


@pytest.fixture
def link(client, key) -> str:
    """The path of a link for « ecrivain » with every person of the main structure preselected."""
    return link_path(ask_link(client, key, "ecrivain", [f"ext-{k}" for k in EVERYONE]))


class Panel:
    """The panel's htmx requests, carrying its token and CSRF header the way hx-headers does."""

    def __init__(self, client, page: str):
        self.client = client
        # Every hx-headers of the page, merged as htmx merges them down to #panel: the panel's token and CSRF
        # header (on the body) and its selection (on #panel).
        found = re.findall(r"hx-headers='([^']+)'", page)
        assert found, "the panel page carries no hx-headers"
        self.headers = {"HX-Request": "true"}
        for headers in found:
            self.headers.update(json.loads(html.unescape(headers)))

    def get(self, url: str):
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, data: dict):
        return self.client.post(url, data=data, headers=self.headers)


def open_panel(client, path: str) -> Panel:
    response = client.get(path)
    assert response.status_code == 200, text(body(response))
    return Panel(client, body(response))


# --- the link -----------------------------------------------------------------------------------------------------


def test_embed_link_opens_the_panel_without_tuttis_chrome(client, link):
    response = client.get(link)
    page = body(response)
    assert response.status_code == 200
    assert 'id="panel"' in page and "/sms/compose" in page
    assert "topbar" not in page and "Se déconnecter" not in page
    assert "7 personnes sélectionnées" in text(page)


def test_embed_panel_is_framed_by_the_allowlist_only(client, link):
    response = client.get(link)
    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {PORTAL}" in csp
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_embed_other_pages_keep_frame_ancestors_self(client, world):
    response = client.get("/login")
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert PORTAL not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_embed_panel_sets_no_cookie(client, link):
    response = client.get(link)
    assert "Set-Cookie" not in response.headers


def test_embed_link_reused_is_refused(client, link):
    assert client.get(link).status_code == 200
    again = client.get(link)
    assert again.status_code == 410
    assert "Ce lien a déjà servi" in text(body(again))
    assert 'id="panel"' not in body(again)


def test_embed_link_expired_is_refused(client, db, link):
    db.execute(update(EmbedLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    response = client.get(link)
    assert response.status_code == 410
    assert "Ce lien a expiré" in text(body(response))
    assert db.scalar(select(EmbedLink.used_at)) is None


@pytest.mark.parametrize("change", ["flip", "cut", "other_secret"])
def test_embed_link_tampered_is_refused(client, link, change):
    token = link.rsplit("/", 1)[1]
    if change == "flip":
        token = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    elif change == "cut":
        token = token[: len(token) // 2]
    else:
        from itsdangerous import URLSafeSerializer

        token = URLSafeSerializer("not-the-secret", salt=embed_links.SALT).dumps({"i": 1, "n": "x"})
    response = client.get(f"/embed/{token}")
    assert response.status_code == 403
    assert "Lien invalide" in text(body(response))
    assert 'id="panel"' not in body(response)


def test_embed_link_of_a_disabled_account_is_refused(client, db, world, link):
    db.execute(update(Account).where(Account.id == world.accounts["ecrivain"]).values(active=False))
    db.commit()
    response = client.get(link)
    assert response.status_code == 410
    assert "désactivé" in text(body(response))


def test_embed_link_opened_twice_at_once_opens_once(app, shared, client, link):
    import threading

    token, outcomes, barrier = link.rsplit("/", 1)[1], [], threading.Barrier(2, timeout=10)

    def open_once() -> None:
        with shared.session() as own:
            own.scalar(select(EmbedLink))  # both have read the unused link before either writes
            barrier.wait()
            try:
                embed_links.consume(own, app.config["SECRET_KEY"], token)
                outcomes.append("opened")
            except embed_links.LinkRefused as refused:
                outcomes.append(refused.reason)

    threads = [threading.Thread(target=open_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(outcomes) == ["opened", embed_links.USED]


def test_embed_link_single_use_is_recorded_in_sql(client, db, link):
    client.get(link)
    assert db.scalar(select(EmbedLink.used_at)) is not None


def test_embed_link_preselects_exactly_its_people_in_a_selection_of_its_own(client, db, world, key):
    from tutti.directory import selections

    own = selections.of_account(db, world.accounts["ecrivain"])
    selections.tick(db, own, world.structure_id, [world.people["gaston"]], True)
    db.commit()
    client.get(link_path(ask_link(client, key, "ecrivain", ["ext-alice", "ext-chloe"])))
    db.commit()
    panel = db.scalar(select(Selection).where(Selection.account_id == world.accounts["ecrivain"],
                                              Selection.origin == "panel"))
    selected = set(db.scalars(select(SelectionPerson.person_id).where(SelectionPerson.selection_id == panel.id)))
    assert selected == {world.people["alice"], world.people["chloe"]}
    # The account's other selections are left as they were: a panel never replaces another window's people.
    assert set(db.scalars(select(SelectionPerson.person_id).where(SelectionPerson.selection_id == own))) == {
        world.people["gaston"]}


# --- another structure --------------------------------------------------------------------------------------------


def test_embed_link_another_structures_key_cannot_name_this_structures_account(client, db, world):
    other_key = make_key(db, world.structures["other"])
    assert ask_link(client, other_key, "ecrivain", []).status_code == 404
    assert client.post("/api/v1/embed-links", json={"account_id": world.accounts["ecrivain"], "people": []},
                       headers={"Authorization": f"Bearer {other_key}"}).status_code == 404


def test_embed_link_another_structures_people_are_unknown(client, key):
    response = ask_link(client, key, "ecrivain", ["ext-alice", "ext-olga"])
    assert response.status_code == 422
    assert "ext-olga" in response.get_json()["error"]["message"]


def test_embed_panel_token_reaches_nothing_but_the_panel(client, link):
    panel = open_panel(client, link)
    for url in ("/", "/people", "/sms/campaigns", "/sms/outbox", "/admin/audit"):
        response = panel.get(url)
        assert response.status_code == 403, url
        assert 'id="embed-refused"' in body(response)


def test_embed_panel_token_forged_is_refused(client, link):
    panel = open_panel(client, link)
    panel.headers["X-Tutti-Panel"] = panel.headers["X-Tutti-Panel"][:-2] + "xx"
    response = panel.get("/sms/compose")
    assert response.status_code == 401
    assert "Cette fenêtre d'envoi a expiré" in text(body(response))


def test_embed_panel_ends_when_its_token_is_too_old(app, client, link):
    panel = open_panel(client, link)
    app.config["TUTTI_PANEL_TTL"] = -1
    try:
        response = panel.get("/sms/compose")
    finally:
        app.config.pop("TUTTI_PANEL_TTL")
    assert response.status_code == 401
    assert root_id(body(response)) == "embed-refused"


def test_embed_panel_ends_when_its_account_is_disabled(client, db, world, link):
    panel = open_panel(client, link)
    recap = body(panel.post("/sms/recap", {"message": MESSAGE}))
    accounts.set_active(db, world.structure_id, world.accounts["ecrivain"], False, None)
    response = panel.post("/sms/send", {"message": field_value(recap, "message"), "token": recap_token(recap)})
    assert_panel_stopped(response, "désactivé")
    assert db.scalar(select(func.count()).select_from(Campaign)) == 0


def test_embed_panel_ends_when_its_password_changes(client, db, world, link):
    panel = open_panel(client, link)
    db.execute(update(Account).where(Account.id == world.accounts["ecrivain"])
               .values(session_version=Account.session_version + 1))
    db.commit()
    response = panel.post("/sms/recap", {"message": MESSAGE})
    assert response.status_code == 401
    assert "Cette fenêtre d'envoi a expiré" in text(body(response))


# --- revocation: the key, the account, its right ------------------------------------------------------------------


def assert_panel_stopped(response, words: str) -> None:
    """A panel request refused with a French message that htmx puts in place of the whole panel."""
    assert response.status_code == 403, text(body(response))
    assert root_id(body(response)) == "embed-refused"
    assert words in text(body(response))
    assert (response.headers["HX-Retarget"], response.headers["HX-Reswap"]) == ("#panel", "innerHTML")


def revoke(db, world) -> None:
    key_id = db.scalar(select(ApiKey.id).where(ApiKey.structure_id == world.structure_id))
    api_keys.revoke_key(db, world.structure_id, key_id, None)


def test_embed_link_of_a_revoked_key_refuses_to_open(client, db, world, key):
    path = link_path(ask_link(client, key, "ecrivain", ["ext-alice"]))
    revoke(db, world)
    response = client.get(path)
    assert response.status_code == 410
    assert "L'accès de ce portail a été révoqué" in text(body(response))
    assert 'id="panel"' not in body(response)
    assert db.scalar(select(EmbedLink.used_at)) is None
    assert db.scalar(select(func.count()).select_from(Selection)) == 0


def test_embed_panel_stops_at_its_next_request_when_its_key_is_revoked(app, client, db, world, link):
    panel = open_panel(client, link)
    recap = body(panel.post("/sms/recap", {"message": MESSAGE}))
    assert root_id(recap) == "recap"
    revoke(db, world)
    before = snapshot(db, world.structure_id)
    response = panel.post("/sms/send", {"message": field_value(recap, "message"), "token": recap_token(recap)})
    assert_panel_stopped(response, "révoqué")
    for refused in (panel.get("/sms/compose"), panel.post("/sms/countdown", {"message": MESSAGE})):
        assert_panel_stopped(refused, "révoqué")
    run_worker(app)
    assert snapshot(db, world.structure_id) == before
    assert db.scalar(select(func.count()).select_from(Campaign)) == 0


def test_embed_panel_of_another_key_goes_on_when_one_key_is_revoked(client, db, world, link):
    other = api_keys.create_key(db, world.structure_id, "Autre portail", None).secret
    panel = open_panel(client, link_path(ask_link(client, other, "ecrivain", ["ext-alice"])))
    revoke_first = db.scalar(select(ApiKey.id).where(ApiKey.structure_id == world.structure_id)
                             .order_by(ApiKey.id))
    api_keys.revoke_key(db, world.structure_id, revoke_first, None)
    assert root_id(body(panel.post("/sms/recap", {"message": MESSAGE}))) == "recap"


def test_embed_link_of_a_disabled_account_refuses_to_open_and_stays_unused(client, db, world, link):
    accounts.set_active(db, world.structure_id, world.accounts["ecrivain"], False, None)
    response = client.get(link)
    assert response.status_code == 410
    assert "désactivé" in text(body(response))
    assert db.scalar(select(EmbedLink.used_at)) is None


def test_embed_link_refuses_to_open_once_the_sms_write_right_is_removed(client, db, world, link):
    rights.set_rights(db, world.structure_id, world.accounts["ecrivain"], {MODULE_SMS: LEVEL_READ}, None)
    response = client.get(link)
    assert response.status_code == 410
    assert "Ce compte ne peut plus envoyer de SMS" in text(body(response))
    assert "Communication - SMS" in text(body(response))


@pytest.mark.parametrize("level", [LEVEL_READ, LEVEL_NONE])
def test_embed_panel_stops_when_the_sms_write_right_is_removed(app, client, db, world, link, level):
    panel = open_panel(client, link)
    recap = body(panel.post("/sms/recap", {"message": MESSAGE}))
    rights.set_rights(db, world.structure_id, world.accounts["ecrivain"], {MODULE_SMS: level}, None)
    response = panel.post("/sms/send", {"message": field_value(recap, "message"), "token": recap_token(recap)})
    assert_panel_stopped(response, "Communication - SMS")
    run_worker(app)
    assert db.scalar(select(func.count()).select_from(Campaign)) == 0


@pytest.mark.parametrize("login", ["lecteur", "sansdroit"])
def test_embed_link_not_made_for_an_account_without_the_sms_write_right(client, db, key, login):
    response = ask_link(client, key, login, ["ext-alice"])
    assert response.status_code == 422
    assert "Communication - SMS" in response.get_json()["error"]["message"]
    assert db.scalar(select(func.count()).select_from(EmbedLink)) == 0


# --- gates --------------------------------------------------------------------------------------------------------


# Accounts without the SMS write right get no link at all (see above); the others meet the app's gates.
@pytest.mark.parametrize(("login", "structure", "title"), [
    ("admin", "main", "Envoi impossible depuis ce compte"),
    ("sansoption", "no_option", "L'option SMS n'est pas souscrite"),
])
def test_embed_panel_applies_the_apps_gates(client, db, world, login, structure, title):
    key = make_key(db, world.structures[structure])
    panel = open_panel(client, link_path(ask_link(client, key, login, [])))
    response = panel.get("/sms/compose")
    assert response.status_code == 403
    assert root_id(body(response)) == "sms-gate"
    assert title in text(body(response))
    assert panel.post("/sms/recap", {"message": MESSAGE}).status_code == 403


# --- the flow -----------------------------------------------------------------------------------------------------


def test_embed_panel_sends_and_charges_exactly_like_the_app(app, client, db, world, link):
    panel = open_panel(client, link)
    compose = panel.get("/sms/compose")
    assert root_id(body(compose)) == "compose"
    assert panel.post("/sms/countdown", {"message": MESSAGE}).status_code == 200
    recap = body(panel.post("/sms/recap", {"message": MESSAGE}))
    assert root_id(recap) == "recap", text(recap)
    assert "coûtera : 2 SMS" in text(recap)
    sent = panel.post("/sms/send", {"message": field_value(recap, "message"), "token": recap_token(recap)})
    assert root_id(body(sent)) == "progress"
    assert "Set-Cookie" not in sent.headers
    run_worker(app)
    after = snapshot(db, world.structure_id)
    assert (after.campaigns, after.messages, after.outbox, after.balance, after.ledger_balance) == (1, 2, 2, 226, 226)
    phones = set(db.scalars(select(OutboxEntry.phone).where(OutboxEntry.structure_id == world.structure_id)))
    assert phones == set(DELIVERABLE)
    campaign = db.scalar(select(Campaign))
    assert (campaign.author_id, campaign.cost, campaign.status) == (world.accounts["ecrivain"], 2, "done")
    progress = panel.get(f"/sms/campaigns/{campaign.id}/progress")
    assert "Envoi terminé" in text(body(progress))


def test_embed_panel_replayed_envoyer_sends_once(app, client, db, world, link):
    panel = open_panel(client, link)
    recap = body(panel.post("/sms/recap", {"message": MESSAGE}))
    form = {"message": field_value(recap, "message"), "token": recap_token(recap)}
    panel.post("/sms/send", form)
    panel.post("/sms/send", form)
    run_worker(app)
    assert snapshot(db, world.structure_id).outbox == 2


def test_embed_panel_checks_csrf_from_its_own_token(app, client, link):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        panel = open_panel(client, link)
        assert root_id(body(panel.post("/sms/recap", {"message": MESSAGE}))) == "recap"
        panel.headers.pop("X-CSRFToken")
        refused = panel.post("/sms/recap", {"message": MESSAGE})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert refused.status_code == 400


def test_embed_panel_of_one_link_cannot_see_another_structures_campaign(app, client, db, world, link):
    from sms_helpers import make_campaign

    other = make_campaign(db, world, login="autre")
    panel = open_panel(client, link)
    assert panel.get(f"/sms/campaigns/{other}/progress").status_code == 404


# --- the allowlist ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "origin"), [
    ("https://portail.exemple.fr/", "https://portail.exemple.fr"),
    ("HTTPS://Portail.Exemple.fr:443", "https://portail.exemple.fr"),
    ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
    ("https://portail.exemple.fr/chemin", None),
    ("portail.exemple.fr", None),
    ("javascript:alert(1)", None),
    ("https://*.exemple.fr", None),
    ("https://a.fr; script-src *", None),
])
def test_embed_origins_are_normalised_or_refused(typed, origin):
    assert embed_links.normalise_origin(typed) == origin


def test_embed_origins_list_is_refused_whole_when_one_is_wrong(db, world):
    with pytest.raises(Refused) as refused:
        embed_links.set_frame_origins(db, world.structure_id, "https://a.fr\nnot an origin", None)
    assert refused.value.refusals == (Refusal("origin_invalid", origin="not an origin"),)
    assert embed_links.frame_origins(db, world.structure_id) == [PORTAL]
