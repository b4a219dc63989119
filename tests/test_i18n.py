"""Languages: French by default, English through the « Langue » switch; numbers and dates the reader's way."""

from __future__ import annotations

import pathlib
import re
from datetime import UTC, datetime

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sms_helpers import (
    HX,
    body,
    build_world,
    countdown,
    hx_get,
    login,
    make_campaign,
    only_campaign,
    own_list,
    recap,
    recap_then_send,
    root_id,
    run_worker,
    select_people,
    shared_app_fixtures,
    text,
)

from blueprints import i18n_catalogue
from blueprints.i18n import COOKIE

EN = {"Cookie": f"{COOKIE}=en"}  # for test_request_context; a test client keeps its cookies in its own jar


app, db, shared = shared_app_fixtures()


@pytest.fixture
def world(db):
    return build_world(db, sms=1228)


@pytest.fixture
def writer(client, db, world):
    """The test client, logged in as an account that may send, with the whole world selected."""
    select_people(db, world, world.ids())
    login(client, "ecrivain")
    return client


def english(client) -> None:
    """Pick English with the switch."""
    response = client.post("/language", data={"lang": "en", "next": "/people"})
    assert response.status_code == 303 and client.get_cookie(COOKIE).value == "en"


def catalogue(language: str):
    with open(i18n_catalogue.po_path(language), "rb") as f:
        return read_po(f)


# --- French by default ---------------------------------------------------------------


def test_login_french_by_default(client, world):
    page = body(client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert '<html lang="fr">' in page
    assert "Connexion" in page and "Se connecter" in page and ">Langue</label>" in page


def test_people_french_by_default(writer):
    page = text(body(own_list(writer)))
    assert "Actions pour 7 sélectionnés" in page and "7 personnes" in page and "Tous les résultats" in page


def test_french_plural_of_zero_is_singular(client, db, world):
    login(client, "ecrivain")
    assert "Actions pour 0 sélectionné ▾" in text(body(client.get("/people/actions")))
    assert "0 caractère restant" in text(body(countdown(client, "x" * 149)))
    assert "1 caractère en trop" in text(body(countdown(client, "x" * 150)))


def test_unknown_language_cookie_is_french(client, world):
    client.set_cookie(COOKIE, "de")
    assert '<html lang="fr">' in body(client.get("/login"))


# --- the switch ------------------------------------------------------------------------


def test_switch_on_every_page(writer):
    page = body(writer.get("/people"))
    form = re.search(r'<form class="who lang-switch" method="post" action="/language">.*?</form>', page, re.S)
    assert form, "no language switch"
    assert '<label for="lang-select">Langue</label>' in form.group(0)
    assert 'name="csrf_token"' in form.group(0) and re.search(r'name="next" value="/people\?sel=\d+"', form.group(0))
    assert re.findall(r'<option value="(\w+)"', form.group(0)) == ["fr", "en"]
    assert "<script>" not in page


def test_switch_sets_english_and_goes_back(writer):
    response = writer.post("/language", data={"lang": "en", "next": "/people?q=mar"})
    assert response.status_code == 303 and response.headers["Location"] == "/people?q=mar"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=en;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = body(own_list(writer))
    assert '<html lang="en">' in page and '<option value="en" lang="en" selected>' in page
    assert "Actions for 7 selected" in text(page) and "7 people" in text(page)


def test_switch_back_to_french(writer):
    english(writer)
    writer.post("/language", data={"lang": "fr", "next": "/people"})
    assert "Actions pour 7 sélectionnés" in text(body(own_list(writer)))


def test_switch_on_login_page_survives_login_and_logout(client, world):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert "Log in" in text(body(client.get("/login")))
    login(client, "ecrivain")
    assert "People" in text(body(client.get("/people")))
    assert "You are logged out." in text(body(client.post("/logout", follow_redirects=True)))


@pytest.mark.parametrize("lang", ["de", "", "EN", "en-GB", "fr;"])
def test_switch_rejects_unknown_language(client, world, lang):
    response = client.post("/language", data={"lang": lang, "next": "/login"})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers or COOKIE not in response.headers["Set-Cookie"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/\t/evil.example",
                                    "javascript:alert(1)", "evil.example", "", None])
def test_switch_refuses_off_site_redirects(client, world, target):
    data = {"lang": "en"} if target is None else {"lang": "en", "next": target}
    response = client.post("/language", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_switch_next_after_post_is_the_get_address(client, world):
    page = body(client.post("/login", data={"login": "nobody", "password": "x"}))
    assert 'name="next" value="/login"' in page


# --- English pages ----------------------------------------------------------------------


def test_people_in_english(writer):
    english(writer)
    page = text(body(writer.get("/people")))
    for words in ("People", "Search by name", "All results", "Last name", "First name", "Send history",
                  "Outbox (simulation)", "Opt-outs (STOP)", "SMS credit", "Log out", "Skip to content"):
        assert words in page, words
    assert "Personnes" not in page and "Rechercher" not in page


def test_compose_and_countdown_in_english(writer):
    english(writer)
    compose = text(body(hx_get(writer, "/sms/compose")))
    assert "New SMS" in compose and "Type your message" in compose and "Continue" in compose
    assert "149 characters left · 1 SMS per recipient" in text(body(countdown(writer, "")))
    assert "1 character left" in text(body(countdown(writer, "x" * 148)))
    assert "0 characters left" in text(body(countdown(writer, "x" * 149)))
    assert "1 character too many" in text(body(countdown(writer, "x" * 150)))
    special = text(body(countdown(writer, "Réunion’ ok")))
    assert "Your message contains special characters: “’”" in special
    assert "Replace with standard characters" in special


def test_recap_in_english_with_its_figures(writer):
    english(writer)
    response = recap(writer, "Répétition ce soir")
    page = text(body(response))
    assert root_id(body(response)) == "recap"
    assert "Summary before sending" in page and "Your SMS:" in page
    assert "You have: 1,228 SMS" in page
    assert "This send will cost you: 2 SMS" in page
    assert "People selected 7" in page and "Distinct reachable numbers 2" in page
    assert ("5 people will not receive this SMS: 1 invalid number, 1 without a mobile, 1 landline, "
            "1 unsubscribed (STOP), 1 shared number") in page
    for reason in ("Bruno Martin: same number as Alice Martin", "Chloé Petit: no mobile", "David Roux: invalid number",
                   "Emma Simon: landline", "Fanny Thomas: unsubscribed (STOP)"):
        assert reason in page, reason
    assert "Top up your SMS credit" in page and "Send" in page and "Cancel" in page


def test_people_left_out_in_english(writer):
    english(writer)
    page = text(body(writer.get("/sms/excluded")))
    for reason in ("Bruno Martin same number as Alice Martin", "Chloé Petit no mobile", "David Roux invalid number",
                   "Emma Simon landline", "Fanny Thomas unsubscribed (STOP)"):
        assert reason in page, reason
    assert "même numéro" not in page and "numéro" not in page


def test_recap_figures_in_french(writer):
    page = body(recap(writer, "Répétition ce soir"))
    assert "<p>Vous disposez de : <strong>1\u00a0228 SMS</strong></p>" in page  # a no-break space, as before
    assert "L'envoi que vous vous apprêtez à effectuer vous coûtera : <strong>2 SMS</strong>" in page


def test_refusals_of_the_domain_in_english(writer):
    english(writer)
    assert "Type your message: an SMS cannot be empty." in text(body(recap(writer, "")))
    assert "Your message is 51 characters over the 149-character limit." in text(body(recap(writer, "x" * 200)))
    assert "Your message is 1 character over the 149-character limit." in text(body(recap(writer, "x" * 150)))


def test_history_and_campaign_in_english(writer, db, world, app):
    english(writer)
    recap_then_send(writer, "Répétition ce soir")
    run_worker(app)
    campaign_id = only_campaign(db, world.structure_id).id
    history = text(body(writer.get("/sms/campaigns")))
    assert "Send history" in history and "Recipients" in history and "completed" in history
    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M", history)
    campaign = text(body(writer.get(f"/sms/campaigns/{campaign_id}")))
    assert "Recipients (2 / 2 processed)" in campaign and "Credit charged" in campaign
    progress = text(body(writer.get(f"/sms/campaigns/{campaign_id}/progress", headers=HX)))
    assert "Sending complete" in progress and "Credit left 1,226 SMS" in progress


def test_history_dates_in_french(writer, db, world, app):
    make_campaign(db, world)
    history = text(body(writer.get("/sms/campaigns")))
    assert re.search(r"\d\d/\d\d/\d{4} à \d\d:\d\d", history) and "Historique des envois" in history


@pytest.mark.parametrize("account, title", [
    ("sansoption", "The SMS option is not subscribed"),
    ("sansnom", "The SMS settings are not configured"),
    ("admin", "Sending is not possible from this account"),
    ("lecteur", "Insufficient rights"),
])
def test_gates_in_english(client, world, account, title):
    login(client, account)
    english(client)
    response = client.get("/sms/compose", headers=HX)
    assert response.status_code == 403 and root_id(body(response)) == "sms-gate"
    assert title in text(body(response))


def test_error_pages_in_english(client, world):
    login(client, "ecrivain")
    english(client)
    response = client.get("/nowhere")
    assert response.status_code == 404 and "Page not found" in text(body(response))


# --- numbers and dates -------------------------------------------------------------------


@pytest.mark.parametrize("cookie, number, moment", [
    (None, "1\u00a0228", "25/11/2026 à 14:05"),
    ("fr", "1\u00a0228", "25/11/2026 à 14:05"),
    ("en", "1,228", "Nov 25, 2026, 2:05 PM"),
])
def test_numbers_and_dates_in_the_readers_language(app, cookie, number, moment):
    from blueprints.ui import format_datetime, format_number

    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers):
        assert format_number(1228) == number
        assert format_number(5) == "5"
        assert format_datetime(datetime(2026, 11, 25, 13, 5, tzinfo=UTC)) == moment
        assert format_datetime(datetime(2026, 11, 25, 13, 5)) == moment  # naive: UTC, as SQLite returns it


def test_french_number_uses_a_no_break_space(app):
    from blueprints.ui import format_number

    with app.test_request_context("/"):
        assert format_number(1_000_000) == "1\u00a0000\u00a0000"


# --- the catalogues ------------------------------------------------------------------------


def test_every_msgid_is_translated():
    untranslated = [m.id for m in catalogue("en") if m.id and not (all(m.string) if m.pluralizable else m.string)]
    assert untranslated == []
    assert [m.id for m in catalogue("en") if m.id and m.fuzzy] == []


def test_translations_keep_placeholders_and_markup():
    for message in catalogue("en"):
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)s", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)s", string)) == wanted, message.id
            for risky in ('"', "<", "&"):  # they would break the attributes the text goes into
                assert risky not in string or risky in ids[0], (message.id, string)


def test_french_catalogue_is_the_source():
    french = catalogue("fr")
    assert french.plural_expr == "(n > 1)"
    assert all(m.string == m.id for m in french if m.id)
    assert {m.id for m in french if m.id} == {m.id for m in catalogue("en") if m.id}


def test_compiled_catalogues_match_their_po(tmp_path):
    for language in ("en", "fr"):
        compiled = tmp_path / f"{language}.mo"
        i18n_catalogue.compile_catalogue(i18n_catalogue.po_path(language), str(compiled))
        with open(compiled, "rb") as fresh, open(i18n_catalogue.po_path(language)[:-3] + ".mo", "rb") as kept:
            expected, committed = read_mo(fresh), read_mo(kept)
        assert _entries(committed) == _entries(expected), (
            f"translations/{language}/LC_MESSAGES/messages.mo is stale: run `make translations`")


def _entries(catalog) -> dict:
    return {(m.context, str(m.id)): str(m.string) for m in catalog}


def test_catalogue_holds_every_text_of_the_templates_and_views(tmp_path):
    extracted = i18n_catalogue.extract(str(tmp_path / "messages.pot"))
    known = {(m.context, m.id) for m in catalogue("en")}
    missing = [m.id for m in extracted if m.id and (m.context, m.id) not in known]
    assert missing == [], "run `make translations` and translate the new texts"


def test_domain_labels_are_in_the_catalogue():
    from tutti import window
    from tutti.models import CAMPAIGN_LABELS, LEVELS, MESSAGE_LABELS, MODULES, ORDER_LABELS
    from tutti.sms import credit
    from tutti.structures import contact_requests

    labels = [*MESSAGE_LABELS.values(), *CAMPAIGN_LABELS.values(),
              *credit.KIND_LABELS.values(), *LEVELS.values(), *MODULES.values(), *ORDER_LABELS.values(),
              *window.POLICIES.values(), *contact_requests.CONTACT_SUBJECTS.values()]
    english = {m.id: m.string for m in catalogue("en") if m.id}
    assert [label for label in labels if not english.get(label)] == []


def test_message_refusals_in_both_languages(app):
    """A message's problems carry values (by how much it is too long): English says them all in English."""
    from blueprints.refusals import words
    from tutti.sms.campaigns import message_refusals

    refusals = [*message_refusals(""), *message_refusals("x" * 150), *message_refusals("x" * 300),
                *message_refusals("x" * 5000), *message_refusals("a\x01\ufffd")]
    assert len(refusals) == 6
    with app.test_request_context("/", headers=EN):
        untranslated = [words(r) for r in refusals if re.search(r"[éèàç]|caractère", words(r))]
    assert untranslated == []
    with app.test_request_context("/"):
        assert [words(r) for r in refusals] == [
            "Saisissez votre message : un SMS ne peut pas être vide.",
            "Votre message dépasse 149 caractères de 1 caractère.",
            "Votre message dépasse 149 caractères de 151 caractères.",
            "Votre message dépasse 149 caractères.",
            "Votre message contient des caractères de contrôle invisibles : retirez-les.",
            "Votre message contient des caractères illisibles (�) : retapez-les.",
        ]


# --- refusals: codes of the domain, words of the web layer ------------------------------------------------------

FRENCH_SIGNS = re.compile(r"[éèêàâçôûœÉ«»]|\b(?:est|caractères?|identifiant|Choisissez|Votre|nombre)\b")


def _refusal_codes_raised_by_the_domain() -> set[str]:
    """Read every code tutti/ refuses with, from its `Refusal("code"` and `NotFound("code"` calls."""
    codes, dynamic = set(), []
    for path in pathlib.Path(i18n_catalogue.ROOT, "tutti").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        codes.update(re.findall(r'\b(?:Refusal|NotFound)\(\s*"(\w+)"', source))
        dynamic += [f"{path.name}: {m}" for m in re.findall(r'\b(?:Refusal|NotFound)\((?!\s*")[^)]*\)', source)
                    if path.name != "refusals.py"]
    assert dynamic == [], "a refusal's code is written out where it is raised, so that this test can find it"
    return codes


def _sample(refusal_code: str):
    """Build a refusal with a value for each placeholder of its text: numbers big enough to be grouped."""
    from blueprints.refusals import LABELS, MESSAGES
    from tutti.refusals import Refusal

    message = MESSAGES[refusal_code]
    names = set(re.findall(r"%\((\w+)\)s", message if isinstance(message, str) else message[1]))
    values = {name: 1_000_000 if name in ("num", "max", "min") else next(iter(LABELS[name])) if name in LABELS
              else "zoe" for name in names}
    return Refusal(refusal_code, **values)


def test_every_refusal_of_the_domain_has_its_words():
    from blueprints.refusals import MESSAGES

    raised = _refusal_codes_raised_by_the_domain()
    assert len(raised) > 40
    assert sorted(raised - set(MESSAGES)) == [], "add the code's French text to blueprints/refusals.py"
    assert sorted(set(MESSAGES) - raised) == [], "a code the domain no longer raises"


def test_every_refusal_in_english_carries_no_french(app):
    from blueprints.refusals import MESSAGES, words

    with app.test_request_context("/", headers=EN):
        french = {code: words(_sample(code)) for code in MESSAGES if FRENCH_SIGNS.search(words(_sample(code)))}
        assert french == {}
        assert "1,000,000" in words(_sample("threshold_out_of_range"))


def test_every_refusal_in_french_is_its_msgid(app):
    from blueprints.refusals import MESSAGES, french, words
    from tutti.refusals import Refusal

    with app.test_request_context("/"):
        for code, message in MESSAGES.items():
            if isinstance(message, str) and "%(" not in message:
                assert words(Refusal(code)) == message
        assert words(_sample("threshold_out_of_range")) == (
            "Le seuil d'alerte est un nombre de SMS entre 0 et 1\u00a0000\u00a0000.")
        assert words(Refusal("login_taken", login="zoe")) == (
            "L'identifiant « zoe » est déjà utilisé : choisissez-en un autre.")
    with app.test_request_context("/", headers=EN):  # the API's and the command line's text is French anyway
        assert french(Refusal("password_too_short", min=10)) == "Le mot de passe doit contenir au moins 10 caractères."


def test_refusal_labels_among_values_are_translated(app):
    from blueprints.refusals import words
    from tutti.models import MODULE_PEOPLE
    from tutti.refusals import Refusal

    with app.test_request_context("/", headers=EN):
        assert words(Refusal("rights_level_invalid", module=MODULE_PEOPLE)) == (
            "Invalid rights level for “People”: choose None, Read or Read and write. No rights were changed.")
    with app.test_request_context("/"):
        assert words(Refusal("rights_level_invalid", module=MODULE_PEOPLE)) == (
            "Niveau de droit invalide pour « Personnes » : choisissez Aucun, Lecture ou Lecture écriture. Aucun droit "
            "n'a été modifié.")


def test_password_refusals_in_both_languages(app):
    from blueprints.refusals import words
    from tutti.accounts.passwords import password_refusals

    refusals = password_refusals(" ab ", "ab")
    assert len(refusals) == 4
    with app.test_request_context("/", headers=EN):
        assert [FRENCH_SIGNS.search(words(r)) for r in refusals] == [None] * 4
    with app.test_request_context("/"):
        assert [words(r) for r in refusals] == [
            "Le mot de passe doit contenir au moins 10 caractères.",
            "Le mot de passe ne peut pas commencer ni finir par un espace.",
            "Le mot de passe ne doit pas contenir l'identifiant.",
            "Le mot de passe est trop simple : variez les caractères."]


@pytest.mark.parametrize("lang, expected", [("en", "Enter a number between 0 and 1,000,000."),
                                             ("fr", "Saisissez un nombre entre 0 et 1 000 000.")])
def test_alert_threshold_out_of_range_in_the_readers_language(client, world, lang, expected):
    login(client, "admin")
    if lang == "en":
        english(client)
    page = text(body(client.post("/admin/sms/settings", data={
        "sender_name": "CHOEUR", "phone_region": "FR", "window_policy": "warn", "low_credit_threshold": "2000000"})))
    assert expected in page
    assert lang == "fr" or "Saisissez" not in page


def _create_account(client, world, login_name: str):
    return client.post(f"/admin/people/{world.people['alice']}/account", data={"login": login_name})


def test_taken_login_in_english(client, world):
    login(client, "admin")
    english(client)
    page = text(body(_create_account(client, world, "ecrivain")))
    assert "The username “ecrivain” is already taken: choose another one." in page
    assert "déjà utilisé" not in page


def test_taken_login_in_french(client, world):
    login(client, "admin")
    page = text(body(_create_account(client, world, "ecrivain")))
    assert "L'identifiant « ecrivain » est déjà utilisé : choisissez-en un autre." in page


@pytest.mark.parametrize("lang, forged, expected", [
    ("en", {"level_facturation": "2"}, "Unknown rights module: “facturation”. No rights were changed."),
    ("fr", {"level_facturation": "2"}, "Module de droits inconnu : « facturation ». Aucun droit n'a été modifié."),
    ("en", {"level_communication_sms": "3"},
     "Invalid rights level for “Communication - SMS”: choose None, Read or Read and write. No rights were changed."),
    ("fr", {"level_communication_sms": "3"}, "Niveau de droit invalide pour « Communication - SMS » : choisissez "
                                              "Aucun, Lecture ou Lecture écriture. Aucun droit n'a été modifié."),
])
def test_forged_rights_refused_in_the_readers_language(client, world, lang, forged, expected):
    login(client, "admin")
    _create_account(client, world, "alice.martin")
    if lang == "en":
        english(client)
    response = client.post(f"/admin/people/{world.people['alice']}/rights", data=forged)
    assert response.status_code == 400 and expected in text(body(response))
