"""The JSON API: keys, scoping to the key's structure, upserts by external ids, campaigns, statuses and credit."""

from __future__ import annotations

import pytest
from sms_helpers import build_world, make_campaign, run_worker, shared_app_fixtures
from sqlalchemy import func, select

from tutti.embedding import api_keys
from tutti.models import Account, Person, Tag
from tutti.sms import credit
from tutti.sms.queue import JOB

app, db, shared = shared_app_fixtures()


@pytest.fixture
def world(db):
    return build_world(db)


@pytest.fixture
def key(db, world) -> str:
    """A key of the main structure."""
    return api_keys.create_key(db, world.structure_id, "Portail", None).secret


@pytest.fixture
def other_key(db, world) -> str:
    """A key of the other structure."""
    return api_keys.create_key(db, world.structures["other"], "Portail voisin", None).secret


@pytest.fixture
def api(client, key):
    """Call the API with the main structure's key."""
    return Caller(client, key)


class Caller:
    """A portal's server calling the API with one key."""

    def __init__(self, client, key: str):
        self.client, self.key = client, key

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.key}"}

    def get(self, url: str):
        return self.client.get(url, headers=self._headers())

    def post(self, url: str, payload=None, **kwargs):
        return self.client.post(url, json=payload, headers=self._headers(), **kwargs)

    def put(self, url: str, payload=None):
        return self.client.put(url, json=payload, headers=self._headers())


def error_of(response) -> dict:
    body = response.get_json()
    assert body is not None and "error" in body, response.get_data(as_text=True)[:300]
    return body["error"]


PEOPLE = [
    {"external_id": "p-1", "first_name": "Léa", "last_name": "Dupont", "mobile": "06 11 22 33 44", "sexe": "F"},
    {"external_id": "p-2", "first_name": "Marc", "last_name": "Durand", "mobile": "01 23 45 67 89"},
    {"external_id": "p-3", "first_name": "Inès", "last_name": "Bernard", "mobile": "0612"},
]


# --- keys ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer tutti_00000000_nope", "Basic abc", "Bearer abc"])
def test_api_without_a_valid_key_is_401(client, world, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/credit", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Clé d'API" in error_of(response)["message"]


def test_api_key_is_stored_hashed_and_shown_once(db, world):
    created = api_keys.create_key(db, world.structure_id, "Portail", None)
    stored = api_keys.structure_keys(db, world.structure_id)[0]
    assert created.secret.startswith(f"tutti_{created.prefix}_") and len(created.secret) > 40
    assert created.secret not in (stored.key_hash, stored.prefix, stored.name)
    assert stored.key_hash == __import__("hashlib").sha256(created.secret.encode()).hexdigest()


def test_api_key_of_the_right_prefix_but_wrong_secret_is_401(client, key):
    forged = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    assert client.get("/api/v1/credit", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_api_revoked_key_is_401(api, db, world):
    assert api.get("/api/v1/credit").status_code == 200
    key_id = api_keys.structure_keys(db, world.structure_id)[0].id
    api_keys.revoke_key(db, world.structure_id, key_id, None)
    assert api.get("/api/v1/credit").status_code == 401


def test_api_key_records_its_last_use(api, db, world):
    assert api_keys.structure_keys(db, world.structure_id)[0].last_used_at is None
    api.get("/api/v1/credit")
    db.expire_all()
    assert api_keys.structure_keys(db, world.structure_id)[0].last_used_at is not None


def test_api_key_cannot_revoke_another_structures_key(db, world, other_key):
    from tutti.refusals import NotFound

    key_id = api_keys.structure_keys(db, world.structures["other"])[0].id
    with pytest.raises(NotFound):
        api_keys.revoke_key(db, world.structure_id, key_id, None)


def test_api_answers_unknown_addresses_in_json(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# --- people and tags ------------------------------------------------------------------------------------------


def test_api_people_upsert_creates_then_updates_idempotently(api, db, world):
    first = api.post("/api/v1/people", PEOPLE)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json()["created"] == 3
    again = api.post("/api/v1/people", {"people": PEOPLE})
    assert again.status_code == 200
    assert again.get_json() | {"items": None} == {"items": None, "created": 0, "updated": 3}
    assert [i["id"] for i in again.get_json()["items"]] == [i["id"] for i in first.get_json()["items"]]
    count = db.scalar(select(func.count()).where(Person.structure_id == world.structure_id,
                                                 Person.external_id.is_not(None)))
    assert count == 3


def test_api_people_phones_are_read_like_the_app_reads_them(api, db):
    items = {i["external_id"]: i for i in api.post("/api/v1/people", PEOPLE).get_json()["items"]}
    assert {k: v["mobile_kind"] for k, v in items.items()} == {"p-1": "mobile", "p-2": "landline", "p-3": "invalid"}
    person = db.get(Person, items["p-1"]["id"])
    assert (person.mobile_e164, person.mobile_raw, person.last_name_key) == ("+33611223344", "06 11 22 33 44",
                                                                             "dupont")


def test_api_person_put_updates_only_given_fields_and_archives(api, db):
    api.post("/api/v1/people", PEOPLE)
    response = api.put("/api/v1/people/p-1", {"mobile": "07 55 44 33 21", "archived": True})
    assert response.status_code == 200
    shown = api.get("/api/v1/people/p-1").get_json()
    assert (shown["first_name"], shown["mobile_e164"], shown["archived"]) == ("Léa", "+33755443321", True)


def test_api_person_of_another_structure_is_404(api, client, other_key):
    Caller(client, other_key).post("/api/v1/people", [PEOPLE[0]])
    assert api.get("/api/v1/people/p-1").status_code == 404


def test_api_people_with_the_same_external_id_in_two_structures_stay_apart(api, client, other_key, db, world):
    api.post("/api/v1/people", [PEOPLE[0]])
    Caller(client, other_key).post("/api/v1/people", [{**PEOPLE[0], "first_name": "Autre"}])
    rows = db.execute(select(Person.structure_id, Person.first_name).where(Person.external_id == "p-1")).all()
    assert sorted(rows) == sorted([(world.structure_id, "Léa"), (world.structures["other"], "Autre")])


@pytest.mark.parametrize(("payload", "field"), [
    ([{"first_name": "Léa", "last_name": "Dupont"}], "external_id"),
    ([{"external_id": "x", "last_name": "Dupont"}], "first_name"),
    ([{"external_id": "x", "first_name": "Léa", "last_name": "Dupont", "sexe": "X"}], "sexe"),
    ([{"external_id": "x", "first_name": "Léa", "last_name": "Dupont", "archived": "oui"}], "archived"),
    ([{"external_id": "x", "first_name": "Léa", "last_name": "Dupont", "mobile": 612}], "mobile"),
    ([{"external_id": "x", "first_name": "Léa", "last_name": "Dupont", "tags": ["inconnu"]}], "tags"),
    ([{"external_id": "x", "first_name": "Léa", "last_name": "Dupont", "age": 12}], "age"),
    ([PEOPLE[0], PEOPLE[0]], "external_id"),
])
def test_api_people_invalid_batch_writes_nothing(api, db, world, payload, field):
    response = api.post("/api/v1/people", [PEOPLE[1], *payload])
    assert response.status_code == 422
    problems = error_of(response)["problems"]
    assert field in {p["field"] for p in problems}
    assert all(p["message"] for p in problems)
    assert db.scalar(select(func.count()).where(Person.external_id.is_not(None))) == 0


@pytest.mark.parametrize(("data", "content_type", "status"), [
    (b"{not json", "application/json", 400),
    (b"\xff\xfe\x00", "application/json", 400),
    (b"[]", "application/json", 400),
    (b'{"people": 3}', "application/json", 400),
    (b"first_name=L", "application/x-www-form-urlencoded", 415),
])
def test_api_bad_bodies_are_refused_in_french_not_500(client, key, data, content_type, status):
    response = client.post("/api/v1/people", data=data, content_type=content_type,
                           headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == status
    assert error_of(response)["message"]


def test_api_batch_larger_than_the_limit_is_413(api):
    response = api.post("/api/v1/people", [{"external_id": str(i)} for i in range(1001)])
    assert response.status_code == 413
    assert error_of(response)["problems"][0]["code"] == "batch_too_large"


def test_api_problems_carry_their_code_beside_the_french_text(api, client):
    client.set_cookie("tutti_lang", "en")  # the API answers in French whatever language a browser picked
    response = api.post("/api/v1/people", [{"external_id": "x", "first_name": "Léa", "last_name": "Dupont",
                                            "sexe": "X", "tags": ["inconnu"], "age": 12}])
    assert response.status_code == 422
    assert [(p["index"], p["field"], p["code"], p["message"]) for p in error_of(response)["problems"]] == [
        (0, "age", "field_unknown", "Champ inconnu : « age »."),
    ]
    response = api.post("/api/v1/people", [{"external_id": "x", "first_name": "Léa", "last_name": "Dupont",
                                            "sexe": "X", "tags": ["inconnu"]}])
    assert [(p["field"], p["code"], p["message"]) for p in error_of(response)["problems"]] == [
        ("sexe", "sexe_invalid", "Le sexe est « F », « M » ou laissé vide."),
        ("tags", "tag_unknown", "Tag inconnu : « inconnu » (envoyez d'abord les tags)."),
    ]


def test_api_tags_upsert_and_people_carry_them(api, db, world):
    tags = api.post("/api/v1/tags", [{"external_id": "t-eleve", "name": "Élève"},
                                     {"external_id": "t-prof", "name": "Professeur"}])
    assert tags.status_code == 201
    assert api.put("/api/v1/tags/t-prof", {"name": "Enseignant"}).status_code == 200
    api.post("/api/v1/people", [{**PEOPLE[0], "tags": ["t-eleve", "t-prof"]}])
    shown = api.get("/api/v1/people/p-1").get_json()
    assert sorted(shown["tags"]) == ["t-eleve", "t-prof"]
    names = set(db.scalars(select(Tag.name).where(Tag.structure_id == world.structure_id)))
    assert names == {"Élève", "Enseignant"}


def test_api_tag_name_taken_by_another_portal_tag_is_refused(api):
    api.post("/api/v1/tags", [{"external_id": "a", "name": "Chorale"}])
    response = api.post("/api/v1/tags", [{"external_id": "b", "name": "chorale"}])
    assert response.status_code == 422
    assert "Chorale" in error_of(response)["problems"][0]["message"]


def test_api_tag_made_in_tutti_is_adopted_by_name(api, db, world):
    db.add(Tag(structure_id=world.structure_id, name="Orchestre"))
    db.commit()
    assert api.post("/api/v1/tags", [{"external_id": "o", "name": "Orchestre"}]).status_code == 200
    assert db.scalar(select(Tag.external_id).where(Tag.name == "Orchestre")) == "o"


# --- campaigns and credit ----------------------------------------------------------------------------------------


def test_api_credit_is_the_structures_balance(api, db, world):
    assert api.get("/api/v1/credit").get_json()["available"] == credit.balance(db, world.structure_id) == 228


def test_api_campaigns_list_and_detail_with_statuses(api, app, db, world):
    campaign_id = make_campaign(db, world)
    listed = api.get("/api/v1/campaigns").get_json()
    assert [c["id"] for c in listed["campaigns"]] == [campaign_id]
    assert listed["campaigns"][0]["status"] == "queued"
    assert listed["campaigns"][0]["author"] == "ecrivain"
    app.extensions["tutti"]["queue"].enqueue(JOB, campaign_id)
    run_worker(app)
    detail = api.get(f"/api/v1/campaigns/{campaign_id}").get_json()
    assert detail["status"] == "done" and detail["status_label"] == "terminé"
    assert detail["charged"] == detail["cost"] == 2
    assert {m["phone"]: (m["state"], m["state_label"]) for m in detail["messages"]} == {
        "+33612345601": ("sent", "envoyé"), "+33755443322": ("sent", "envoyé")}
    by_phone = {m["phone"]: sorted(p["first_name"] for p in m["people"]) for m in detail["messages"]}
    assert by_phone["+33612345601"] == ["Alice", "Bruno"]
    assert api.get("/api/v1/credit").get_json()["available"] == 226


@pytest.mark.parametrize("ref", ["other", "999999", "abc", "1.5"])
def test_api_campaign_of_another_structure_or_unknown_is_404(api, db, world, ref):
    other = make_campaign(db, world, login="autre")
    response = api.get(f"/api/v1/campaigns/{other if ref == 'other' else ref}")
    assert response.status_code == 404
    assert "campaigns" not in (response.get_json() or {})


def test_api_campaigns_of_another_structure_are_not_listed(api, db, world):
    make_campaign(db, world, login="autre")
    assert api.get("/api/v1/campaigns").get_json()["campaigns"] == []


def test_api_is_rate_limited(app, api):
    app.config["TUTTI_API_LIMIT"] = "3 per minute"
    try:
        responses = [api.get("/api/v1/credit") for _ in range(4)]
    finally:
        app.config["TUTTI_API_LIMIT"] = "600 per minute"
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert error_of(responses[-1])["code"] == "rate_limited"


def test_api_needs_no_csrf_token_and_sets_no_cookie(app, client, key):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/api/v1/people", json=[PEOPLE[0]], headers={"Authorization": f"Bearer {key}"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_api_embed_link_account_must_belong_to_the_structure(api, db, world):
    assert db.get(Account, world.accounts["autre"]) is not None
    response = api.post("/api/v1/embed-links", {"account": "autre", "people": []})
    assert response.status_code == 404
