"""« Intégration au portail »: the administrator creates, sees once and revokes API keys, and sets the framing sites."""

from __future__ import annotations

import re

import pytest
from sms_helpers import body, build_world, login, shared_app_fixtures, text

from tutti.embedding import api_keys, embed_links
from tutti.models import AuditLog

app, db, shared = shared_app_fixtures()


@pytest.fixture
def world(db):
    return build_world(db)


def shown_key(page: str) -> str:
    match = re.search(r'<code class="api-key">([^<]+)</code>', page)
    assert match, "no key shown"
    return match.group(1)


def test_admin_creates_a_key_shown_once_that_opens_the_api(client, db, world):
    login(client, "admin")
    created = client.post("/admin/integration/keys", data={"name": "Portail de l'école"})
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    key = shown_key(body(created))
    assert client.get("/api/v1/credit", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    listed = body(client.get("/admin/integration"))
    assert key not in listed and f"tutti_{api_keys.parse_prefix(key)}…" in listed
    assert "Portail de l'école" in text(listed)


def test_admin_revokes_a_key(client, db, world):
    login(client, "admin")
    key = shown_key(body(client.post("/admin/integration/keys", data={"name": "Portail"})))
    key_id = api_keys.structure_keys(db, world.structure_id)[0].id
    response = client.post(f"/admin/integration/keys/{key_id}/revoke", follow_redirects=True)
    assert "La clé est révoquée" in text(body(response))
    assert client.get("/api/v1/credit", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    actions = [a for (a,) in db.query(AuditLog.action).filter(AuditLog.structure_id == world.structure_id)]
    assert actions == ["api.key_create", "api.key_revoke"]


def test_admin_cannot_revoke_another_structures_key(client, db, world):
    other = api_keys.create_key(db, world.structures["other"], "Voisin", None)
    login(client, "admin")
    response = client.post(f"/admin/integration/keys/{other.id}/revoke", follow_redirects=True)
    assert "Clé introuvable" in text(body(response))
    assert api_keys.structure_keys(db, world.structures["other"])[0].revoked_at is None


def test_admin_key_without_a_name_is_refused_beside_the_field(client, world):
    login(client, "admin")
    response = client.post("/admin/integration/keys", data={"name": ""})
    assert response.status_code == 200
    assert 'class="api-key"' not in body(response)
    assert 'class="error"' in body(response)


def test_admin_sets_the_framing_sites(client, db, world):
    login(client, "admin")
    response = client.post("/admin/integration/origins", data={"origins": "https://portail.exemple.fr/\n\n"
                                                                          "http://127.0.0.1:8001"},
                           follow_redirects=True)
    assert "Sites enregistrés" in text(body(response))
    assert embed_links.frame_origins(db, world.structure_id) == ["https://portail.exemple.fr",
                                                                "http://127.0.0.1:8001"]


def test_admin_wrong_framing_site_is_refused_and_nothing_changes(client, db, world):
    login(client, "admin")
    response = client.post("/admin/integration/origins", data={"origins": "https://a.fr\nhttps://b.fr/chemin"})
    assert response.status_code == 200
    assert "n'est pas une origine" in text(body(response))
    assert embed_links.frame_origins(db, world.structure_id) == []


@pytest.mark.parametrize("account", ["ecrivain", "lecteur"])
@pytest.mark.parametrize(("method", "url"), [("get", "/admin/integration"), ("post", "/admin/integration/keys"),
                                             ("post", "/admin/integration/origins"),
                                             ("post", "/admin/integration/keys/1/revoke")])
def test_admin_integration_is_for_the_administrator_only(client, db, world, account, method, url):
    api_keys.create_key(db, world.structure_id, "Portail", None)
    login(client, account)
    response = getattr(client, method)(url, data={"name": "x", "origins": "https://a.fr"})
    assert response.status_code == 403
    assert api_keys.structure_keys(db, world.structure_id)[0].revoked_at is None
    assert len(api_keys.structure_keys(db, world.structure_id)) == 1
