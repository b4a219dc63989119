"""Accounts and rights: « Créer un compte », one-time links, disable and delete, the rights grid, the audit log."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.admin_world import (  # noqa: F401  (the fixtures are used by name)
    PASSWORD,
    World,
    app_config_fixture,
    db_fixture,
    login_as,
    world_fixture,
)
from tutti.accounts import accounts, reset_links, rights
from tutti.accounts.passwords import PasswordRejected
from tutti.models import MODULE_SMS, Account, AuditLog, PasswordResetLink, utcnow
from tutti.refusals import Refusal, Refused


def _account(db, login: str) -> Account:
    db.expire_all()
    return db.scalar(select(Account).where(Account.login == login))


def _audit_count(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditLog))


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _token(html: str) -> str:
    match = re.search(r"/reset/([A-Za-z0-9_-]{20,})", html)
    assert match, "no one-time link on the page"
    return match.group(1)


# Logins ----------------------------------------------------------------------------------------------------------

def test_login_refusals_invalid_logins_state_rule():
    for login in ["ab", "a" * 41, "Zoe", "zoé", "zoe martin", "zoe@martin", "", "zoe/martin"]:
        assert accounts.login_refusals(None, login) == [accounts.LOGIN_INVALID], login  # refused before any query


def test_login_refusals_valid_logins_accepted(db):
    for login in ["zoe", "zoe.martin", "zoe-martin_2", "a" * 40]:
        assert accounts.login_refusals(db, login) == [], login


def test_login_refusals_taken_login_names_it(db, world):
    assert accounts.login_refusals(db, "compte-read") == [Refusal("login_taken", login="compte-read")]


def test_create_account_duplicate_login_french_error_nothing_changed(client, db, world):
    login_as(client, world, "admin")
    before = _audit_count(db)
    page = client.post(f"/admin/people/{world.people['target']}/account", data={"login": "compte-read"})
    assert "L'identifiant « compte-read » est déjà utilisé" in _text(page)
    assert accounts.person_account(db, world.people["target"]) is None
    assert _audit_count(db) == before


def test_create_account_invalid_login_states_rule(client, db, world):
    login_as(client, world, "admin")
    page = client.post(f"/admin/people/{world.people['target']}/account", data={"login": "Zoé Martin"})
    assert "lettres minuscules sans accent" in _text(page)
    assert accounts.person_account(db, world.people["target"]) is None


def test_create_account_shows_one_time_link_and_audits(client, db, world):
    login_as(client, world, "admin")
    page = client.post(f"/admin/people/{world.people['target']}/account", data={"login": "theo.martin"},
                       headers={"HX-Request": "true"})
    html = _text(page)
    assert page.status_code == 200 and 'id="accounts-block"' in html and "<html" not in html
    _token(html)
    account = _account(db, "theo.martin")
    assert (account.person_id, account.kind, account.level(MODULE_SMS)) == (world.people["target"], "personal", 0)
    actions = db.scalars(select(AuditLog.action).where(AuditLog.target.contains("theo.martin"))).all()
    assert "account.create" in actions


def test_create_account_weak_password_from_cli_lists_policy(db, world):
    with pytest.raises(PasswordRejected) as refused:
        accounts.create_personal_account(db, world.school, world.people["target"], "theo", None, password="court")
    assert Refusal("password_too_short", min=10) in refused.value.refusals
    assert accounts.person_account(db, world.people["target"]) is None


def test_create_account_other_structure_person_is_404_nothing_changed(client, db, world):
    login_as(client, world, "admin")
    before = _audit_count(db)
    response = client.post(f"/admin/people/{world.band_person}/account", data={"login": "intrus"})
    assert response.status_code == 404
    assert _account(db, "intrus") is None and _audit_count(db) == before


def test_account_actions_other_structure_person_404(client, db, world):
    login_as(client, world, "other_admin")
    for action in ["account/reset", "account/disable", "account/delete", "rights"]:
        response = client.post(f"/admin/people/{world.people['read']}/{action}",
                               data={"confirm": "y", "level_communication_sms": "2"})
        assert response.status_code == 404, action
    account = _account(db, "compte-read")
    assert account.active and account.level(MODULE_SMS) == 1


# Rights grid -----------------------------------------------------------------------------------------------------

def test_rights_grid_sets_level_and_audits(client, db, world):
    login_as(client, world, "admin")
    page = client.post(f"/admin/people/{world.people['none']}/rights", data={"level_communication_sms": "2"})
    assert "Droits enregistrés." in _text(page)
    assert _account(db, "compte-none").level(MODULE_SMS) == 2
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "rights.set"))
    assert (entry.actor_login, entry.target) == ("admin-a", "compte-none")
    assert entry.details == "Communication - SMS : Aucun → Lecture écriture"


def test_rights_grid_shows_columns_and_aucun(client, world):
    login_as(client, world, "admin")
    html = _text(client.get(f"/admin/people/{world.people['read']}"))
    for word in ("Communication - SMS", "Lecture", "Lecture écriture", "Aucun", "Comptes et droits"):
        assert word in html


FORGED_RIGHTS = [
    {"level_communication_sms": "3"},
    {"level_communication_sms": "-1"},
    {"level_communication_sms": "écriture"},
    {"level_communication_sms": "2", "level_facturation": "2"},
    {"level_communication_sms": "2", "level_": "1"},
]


def test_rights_forged_post_french_error_nothing_changed(client, db, world):
    login_as(client, world, "admin")
    before = _audit_count(db)
    for form in FORGED_RIGHTS:
        response = client.post(f"/admin/people/{world.people['read']}/rights", data=form)
        assert response.status_code == 400, form
        assert "Aucun droit n'a été modifié." in _text(response), form
        assert _account(db, "compte-read").level(MODULE_SMS) == 1, form
    assert _audit_count(db) == before


def test_rights_domain_refuses_unknown_module(db, world):
    account = _account(db, "compte-read")
    with pytest.raises(Refused) as refused:
        rights.set_rights(db, world.school, account.id, {MODULE_SMS: 2, "paie": 1}, None)
    assert refused.value.refusals == (Refusal("rights_module_unknown", name="paie"),)
    assert _account(db, "compte-read").level(MODULE_SMS) == 1


def test_rights_personal_account_cannot_edit_403(client, db, world):
    login_as(client, world, "write")
    response = client.post(f"/admin/people/{world.people['none']}/rights", data={"level_communication_sms": "2"})
    assert response.status_code == 403
    assert _account(db, "compte-none").level(MODULE_SMS) == 0


def test_person_record_read_only_for_personal_accounts(client, world):
    login_as(client, world, "read")
    html = _text(client.get(f"/admin/people/{world.people['write']}"))
    assert "Comptes et droits" in html and "Seul le compte administrateur" in html
    assert 'type="radio"' not in html and "Supprimer le compte" not in html


# One-time links --------------------------------------------------------------------------------------------------

def _issue(client, world: World, key: str = "read") -> str:
    login_as(client, world, "admin")
    page = client.post(f"/admin/people/{world.people[key]}/account/reset")
    return _token(_text(page))


def test_reset_link_sets_password_and_login_works(client, app, world):
    token = _issue(client, world)
    page = app.test_client().get(f"/reset/{token}")
    assert page.status_code == 200 and "au moins 10 caractères" in _text(page)
    done = app.test_client().post(f"/reset/{token}", data={"password": "un-tout-nouveau", "confirm": "un-tout-nouveau"})
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    assert app.test_client().post("/login", data={"login": "compte-read", "password": PASSWORD}).status_code == 200
    assert app.test_client().post("/login", data={"login": "compte-read", "password": "un-tout-nouveau"}
                                  ).status_code == 302


def test_reset_link_single_use(client, app, world):
    token = _issue(client, world)
    other = app.test_client()
    assert other.post(f"/reset/{token}", data={"password": "premier-essai", "confirm": "premier-essai"}
                      ).status_code == 302
    again = other.post(f"/reset/{token}", data={"password": "second-essai", "confirm": "second-essai"})
    assert again.status_code == 404 and "n'est plus valable" in _text(again)
    assert other.post("/login", data={"login": "compte-read", "password": "premier-essai"}).status_code == 302


def test_reset_link_expires(client, app, db, world):
    token = _issue(client, world)
    db.execute(update(PasswordResetLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.commit()
    response = app.test_client().post(f"/reset/{token}", data={"password": "trop-tard-1", "confirm": "trop-tard-1"})
    assert response.status_code == 404
    assert app.test_client().post("/login", data={"login": "compte-read", "password": PASSWORD}).status_code == 302


def test_reset_link_expiry_domain_boundary(db, world):
    account = _account(db, "compte-read")
    now = utcnow()
    token = reset_links.issue_reset_link(db, world.school, account.id, None, now=now)
    ttl = reset_links.RESET_LINK_TTL
    assert reset_links.reset_link_account(db, token, now + ttl - timedelta(seconds=1)) is not None
    assert reset_links.reset_link_account(db, token, now + ttl + timedelta(seconds=1)) is None


def test_reset_link_newer_link_replaces_older(client, app, world):
    first = _issue(client, world)
    second = _issue(client, world)
    assert app.test_client().get(f"/reset/{first}").status_code == 404
    assert app.test_client().get(f"/reset/{second}").status_code == 200


def test_reset_link_weak_password_states_policy_nothing_changed(client, app, db, world):
    token = _issue(client, world)
    response = app.test_client().post(f"/reset/{token}", data={"password": "compte-read-1", "confirm": "compte-read-1"})
    html = _text(response)
    assert response.status_code == 200 and "ne doit pas contenir l'identifiant" in html
    assert app.test_client().get(f"/reset/{token}").status_code == 200  # still usable
    assert app.test_client().post("/login", data={"login": "compte-read", "password": PASSWORD}).status_code == 302


def test_reset_link_mismatched_confirmation(client, app, world):
    token = _issue(client, world)
    response = app.test_client().post(f"/reset/{token}", data={"password": "un-tout-nouveau", "confirm": "autre"})
    assert "ne sont pas identiques" in _text(response)


def test_reset_link_token_stored_hashed(client, db, world):
    token = _issue(client, world)
    hashes = db.scalars(select(PasswordResetLink.token_hash)).all()
    assert token not in hashes and all(len(h) == 64 for h in hashes)


def test_reset_unknown_token_404(client):
    assert client.get("/reset/pas-un-vrai-jeton").status_code == 404


# Disable and delete ----------------------------------------------------------------------------------------------

def test_disabled_account_cannot_log_in_and_open_session_ends(client, app, db, world):
    person = app.test_client()
    login_as(person, world, "write")
    assert person.get("/people").status_code == 200
    login_as(client, world, "admin")
    page = client.post(f"/admin/people/{world.people['write']}/account/disable")
    assert "Le compte est désactivé." in _text(page)
    assert person.get("/people").status_code == 302  # the open session ended
    refused = app.test_client().post("/login", data={"login": "compte-write", "password": PASSWORD})
    assert refused.status_code == 200 and "désactivé" in _text(refused)
    client.post(f"/admin/people/{world.people['write']}/account/enable")
    assert app.test_client().post("/login", data={"login": "compte-write", "password": PASSWORD}).status_code == 302


def test_disable_bumps_session_version(db, world):
    account = _account(db, "compte-read")
    version = account.session_version
    assert accounts.set_active(db, world.school, account.id, False, None) is True
    assert _account(db, "compte-read").session_version == version + 1


def test_disabled_account_gets_no_reset_link(client, db, world):
    login_as(client, world, "admin")
    client.post(f"/admin/people/{world.people['read']}/account/disable")
    page = client.post(f"/admin/people/{world.people['read']}/account/reset")
    assert "réactivez-le" in _text(page) and "/reset/" not in _text(page)


def test_delete_account_needs_confirmation(client, db, world):
    login_as(client, world, "admin")
    page = client.post(f"/admin/people/{world.people['victim']}/account/delete")
    assert "Cochez la case" in _text(page)
    assert _account(db, "compte-victim") is not None


def test_delete_account_removes_it_and_ends_its_session(client, app, db, world):
    victim = app.test_client()
    victim.post("/login", data={"login": "compte-victim", "password": PASSWORD})
    login_as(client, world, "admin")
    page = client.post(f"/admin/people/{world.people['victim']}/account/delete", data={"confirm": "y"})
    assert "Le compte est supprimé." in _text(page)
    assert _account(db, "compte-victim") is None
    assert victim.get("/people").status_code == 302
    assert db.scalar(select(AuditLog).where(AuditLog.action == "account.delete")).target == "compte-victim"


def test_delete_account_author_of_sends_refused(db, world):
    from tutti.models import Campaign

    account = _account(db, "compte-write")
    db.add(Campaign(structure_id=world.school, author_id=account.id, token="t" * 32, text="x", suffix="", sender="S",
                    encoding="GSM-7", parts_per_message=1))
    db.commit()
    with pytest.raises(Refused) as refused:
        accounts.delete_account(db, world.school, account.id, None)
    assert refused.value.codes == ["account_has_history"]
    assert _account(db, "compte-write") is not None


# The selection's actions -----------------------------------------------------------------------------------------

def _select(client, *person_ids: int) -> None:
    for person_id in person_ids:
        client.post("/people/selection", data={"person_id": str(person_id), "checked": "1"})


def test_selection_actions_visible_to_admin_only(client, app, world):
    login_as(client, world, "admin")
    _select(client, world.people["target"])
    html = _text(client.get("/people/actions"))
    assert "Création ou suppression de compte" in html and "Redéfinir le mot de passe" in html
    other = app.test_client()
    login_as(other, world, "write")
    _select(other, world.people["target"])
    html = _text(other.get("/people/actions"))
    assert "Création ou suppression de compte" not in html and "Redéfinir le mot de passe" not in html


def test_selection_accounts_creates_account_in_panel(client, db, world):
    login_as(client, world, "admin")
    _select(client, world.people["target"], world.people["read"])
    panel = _text(client.get("/admin/selection/accounts", headers={"HX-Request": "true"}))
    assert 'id="admin-selection"' in panel and "compte-read" in panel and "pas de compte" in panel
    answer = client.post(f"/admin/people/{world.people['target']}/account", headers={"HX-Request": "true"},
                         data={"login": "theo.m", "origin": "selection", "mode": "accounts"})
    html = _text(answer)
    assert 'id="admin-selection"' in html and "/reset/" in html
    assert _account(db, "theo.m") is not None


def test_selection_passwords_issues_links_for_selected_accounts(client, db, world):
    login_as(client, world, "admin")
    _select(client, world.people["read"], world.people["write"], world.people["target"])
    html = _text(client.post("/admin/selection/passwords"))
    assert len(set(re.findall(r"/reset/([A-Za-z0-9_-]{20,})", html))) == 2


def test_person_list_links_names_to_record(client, world):
    login_as(client, world, "read")
    html = _text(client.get("/people"))
    assert f"/admin/people/{world.people['target']}" in html


def test_audit_page_pages_fifty_changes_at_a_time_newest_first(client, db, world):
    from tutti.accounts.audit import audit

    before = db.scalar(select(func.count()).where(AuditLog.structure_id == world.school))
    for i in range(101 - before):  # three pages: 50, 50 and the oldest row alone
        audit(db, world.school, None, "rights.set", f"cible-{i:03d}")
    db.commit()
    login_as(client, world, "admin")
    first, second = _text(client.get("/admin/audit")), _text(client.get("/admin/audit?page=2"))
    last, beyond = _text(client.get("/admin/audit?page=3")), _text(client.get("/admin/audit?page=4"))
    assert "Plus anciennes ›" in first and "‹ Plus récentes" not in first and "Page 1" in first
    assert "Plus anciennes ›" in second and "‹ Plus récentes" in second and "Page 2" in second
    assert "Plus anciennes ›" not in last and "‹ Plus récentes" in last and last.count("<tr><td>") == 1
    assert "Aucune modification enregistrée." in beyond and "Page 4" in beyond and "Plus anciennes ›" not in beyond
    newest = db.scalar(select(AuditLog.target).where(AuditLog.structure_id == world.school)
                       .order_by(AuditLog.id.desc()).limit(1))
    assert newest in first and newest not in second


def test_audit_page_lists_changes(client, world):
    login_as(client, world, "admin")
    client.post(f"/admin/people/{world.people['none']}/rights", data={"level_communication_sms": "1"})
    html = _text(client.get("/admin/audit"))
    assert "Modification des droits" in html and "admin-a" in html and "Aucun → Lecture" in html
