"""Authorisation matrix: every route of the app × every kind of visitor, and nothing across structures.

`ROUTES` classifies every (endpoint, method) the app serves: one line each, with the answer expected for each role
of `ROLES` (anonymous, the school's administrator, personal accounts with no SMS right, « Lecture », « Lecture
écriture », the band's administrator, a band personal account with « Lecture écriture », the platform operator).
URLs and forms carry the school's real ids, so the band's accounts try them too; `test_route_with_other_structure_ids`
then gives the school's accounts the band's ids. A route the table does not list fails `test_every_route_classified`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from flask import url_for
from sms_helpers import shared_app_fixtures

from tests.access_world import (
    BAND_MARKERS,
    BAND_ROLES,
    ROLES,
    SCHOOL_MARKERS,
    AccessWorld,
    build_access_world,
    header_problems,
    inline_scripts,
    login_as,
    structure_rows,
    table_snapshot,
)

# Outcomes: "login" a redirect to the login page; "go" a redirect elsewhere; "gate" a 403 that explains which SMS
# prerequisite is missing, with a way forward; a number: that status.
# Roles:              anonymous admin  none    read    write   o_admin o_write operator
MEMBERS = ("login", 200, 200, 200, 200, 200, 200, 403)
MEMBERS_GO = ("login", "go", "go", "go", "go", "go", "go", 403)
ADMINS = ("login", 200, 403, 403, 403, 200, 403, 403)
ADMINS_GO = ("login", "go", 403, 403, 403, "go", 403, 403)
ADMIN_OF_PERSON = ("login", 200, 403, 403, 403, 404, 403, 403)
ORDERERS = ("login", 200, 403, 403, 200, 200, 200, 403)
ORDERERS_GO = ("login", "go", 403, 403, "go", "go", "go", 403)
OPERATOR = ("login", 403, 403, 403, 403, 403, 403, 200)
OPERATOR_GO = ("login", 403, 403, 403, 403, 403, 403, "go")
READERS = ("login", 200, "gate", 200, 200, 200, 200, "gate")
READERS_OF_CAMPAIGN = ("login", 200, "gate", 200, 200, 404, 404, "gate")
SENDERS = ("login", "gate", "gate", "gate", 200, "gate", 200, "gate")
SENDER_OF_CAMPAIGN = ("login", "gate", "gate", "gate", "go", "gate", 404, "gate")
LOGGED_IN = ("login", 200, 200, 200, 200, 200, 200, 200)
ANYONE = (200,) * 8
NO_KEY = (401,) * 8
ANYONE_GO = ("go",) * 8
SCHOOL = ("admin", "none", "read", "write")
MEMBER_ROLES = (*SCHOOL, *BAND_ROLES)


@dataclass(frozen=True)
class Route:
    """One (endpoint, method) of the app: its arguments, its form, and what each role gets."""

    endpoint: str
    method: str
    expect: tuple
    args: Callable[[AccessWorld], dict] = lambda w: {}
    form: Callable[[AccessWorld], dict] = lambda w: {}
    writes: tuple[str, ...] = ()  # roles whose request may change the database (only their own structure's rows)
    hx: bool = False  # sent as htmx sends it
    by_link: bool = False  # the school's one-time link acts for its owner, whoever follows it
    csrf: bool = True  # False only where no session cookie authenticates the request (an API key does)

    @property
    def key(self) -> str:
        """Return what the line classifies: endpoint and method."""
        return f"{self.endpoint}:{self.method}"

    @property
    def id(self) -> str:
        """Return the test id: endpoint and method, and whether htmx asks."""
        return self.key + (":hx" if self.hx else "")


def _person(key: str):
    return lambda w: {"person_id": w.people[key]}


_SETTINGS = {"sender_name": "ECOLE", "phone_region": "FR", "window_policy": "warn", "low_credit_threshold": "20"}
_CONTACT = {"subject": "option", "reply_to": "a@b.fr", "message": "Bonjour"}
_ADMINS = ("admin", "other_admin")

# One line per (endpoint, method), a second one where htmx asks for a fragment. A new route fails
# test_every_route_classified until it has its line; its test ids are then `endpoint:METHOD-role`.
ROUTES = [
    Route("static", "GET", ANYONE, lambda w: {"filename": "css/tutti.css"}),
    Route("auth.login", "GET", (200, *("go",) * 7)),
    Route("auth.login", "POST", (200, *("go",) * 7), form=lambda w: {"login": "admin-a", "password": "faux"}),
    Route("auth.logout", "POST", ("login",) * 8),  # logged out: back to the login page
    Route("i18n.switch", "POST", ANYONE_GO, form=lambda w: {"lang": "en", "next": "/people"}),
    Route("people.home", "GET", ("login", *("go",) * 7)),
    # A page opened makes its own selection (a row of its account's structure).
    Route("people.index", "GET", MEMBERS, lambda w: {"tag": w.tag, "q": "a"}, writes=MEMBER_ROLES),
    Route("people.index", "GET", MEMBERS, lambda w: {"tag": w.tag}, hx=True),
    Route("people.actions", "GET", MEMBERS, hx=True),
    Route("people.export", "GET", ADMINS, writes=_ADMINS),  # « Personnes » in reading; the export is audited
    # A tick of another structure's person adds nobody; it still counts as a change of the ticker's own selection
    # (its version goes up), a row of the ticker's structure.
    Route("people.toggle", "POST", ("login", *(204,) * 6, 403), form=lambda w: {"person_id": w.people["target"]},
          writes=MEMBER_ROLES),
    Route("people.select_all", "POST", MEMBERS_GO, form=lambda w: {"checked": "1"}, writes=MEMBER_ROLES),
    Route("people.clear", "POST", MEMBERS_GO, writes=MEMBER_ROLES),
    Route("admin.person", "GET", ("login", 200, 200, 200, 200, 404, 404, 403), _person("read")),
    Route("admin.create_account", "POST", ADMIN_OF_PERSON, _person("target"), lambda w: {"login": "nouveau.compte"},
          writes=("admin",)),
    Route("admin.reset_password", "POST", ADMIN_OF_PERSON, _person("read"), writes=("admin",)),
    Route("admin.disable_account", "POST", ADMIN_OF_PERSON, _person("read"), writes=("admin",)),
    Route("admin.enable_account", "POST", ADMIN_OF_PERSON, _person("read"), writes=("admin",)),
    Route("admin.rights", "POST", ADMIN_OF_PERSON, _person("read"), lambda w: {"level_communication_sms": "2"},
          writes=("admin",)),
    Route("admin.delete_account", "POST", ADMIN_OF_PERSON, _person("victim"), lambda w: {"confirm": "y"},
          writes=("admin",)),
    Route("admin.selection_accounts", "GET", ADMINS),
    Route("admin.selection_passwords", "GET", ADMINS),
    Route("admin.selection_passwords", "POST", ADMINS, writes=_ADMINS),
    Route("admin.sms_settings", "GET", ADMINS),
    Route("admin.sms_settings", "POST", ADMINS_GO, form=lambda w: _SETTINGS, writes=_ADMINS),
    Route("admin.subscription", "GET", MEMBERS),
    Route("admin.subscription_pdf", "GET", MEMBERS),
    Route("admin.contact", "POST", MEMBERS_GO, form=lambda w: _CONTACT, writes=MEMBER_ROLES),
    Route("admin.credit_order", "GET", ORDERERS),
    Route("admin.credit_order", "POST", ORDERERS_GO, form=lambda w: {"pack": "100"},
          writes=("admin", "write", *BAND_ROLES)),
    Route("admin.audit", "GET", ADMINS),
    Route("admin.embedding", "GET", ADMINS),
    Route("admin.create_api_key", "POST", ADMINS, form=lambda w: {"name": "Portail"}, writes=_ADMINS),
    Route("admin.revoke_api_key", "POST", ADMINS_GO, lambda w: {"key_id": 1}, writes=_ADMINS),
    Route("admin.frame_origins", "POST", ADMINS_GO, form=lambda w: {"origins": "https://portail.exemple.fr"},
          writes=_ADMINS),
    Route("admin.reset", "GET", ANYONE, lambda w: {"token": w.token}),
    Route("admin.reset", "POST", ("login",) * 8, lambda w: {"token": w.token},
          lambda w: {"password": "un-nouveau-mot", "confirm": "un-nouveau-mot"}, writes=ROLES, by_link=True),
    Route("operator.index", "GET", OPERATOR),
    Route("ops.queues", "GET", OPERATOR),
    Route("ops.healthz", "GET", ANYONE),
    Route("operator.set_option", "POST", OPERATOR_GO, lambda w: {"structure_id": w.school}, lambda w: {"enabled": ""},
          writes=("operator",)),
    Route("operator.approve_order", "POST", OPERATOR_GO, lambda w: {"order_id": w.order}, writes=("operator",)),
    Route("operator.reject_order", "POST", OPERATOR_GO, lambda w: {"order_id": w.order}, writes=("operator",)),
    Route("operator.contact_handled", "POST", OPERATOR_GO, lambda w: {"request_id": w.contact},
          writes=("operator",)),
    Route("sms.history", "GET", READERS),
    Route("sms.campaign", "GET", READERS_OF_CAMPAIGN, lambda w: {"campaign_id": w.campaign}),
    Route("sms.campaign", "GET", READERS_OF_CAMPAIGN, lambda w: {"campaign_id": w.campaign}, hx=True),
    Route("sms.progress", "GET", READERS_OF_CAMPAIGN, lambda w: {"campaign_id": w.campaign}, hx=True),
    Route("sms.states", "GET", READERS_OF_CAMPAIGN, lambda w: {"campaign_id": w.campaign}, hx=True),
    Route("sms.cancel", "POST", SENDER_OF_CAMPAIGN, lambda w: {"campaign_id": w.campaign}),
    Route("sms.outbox", "GET", READERS),
    Route("sms.credit_page", "GET", READERS),
    Route("sms.faq", "GET", LOGGED_IN),
    Route("sms.optouts", "GET", READERS),
    # « Lecture » may see the opt-outs but not lift one; another structure's opt-out is « n'existe pas ».
    Route("sms.lift_optout", "POST", ("login", "go", "gate", "gate", "go", "go", "go", "gate"),
          lambda w: {"optout_id": w.optout}, lambda w: {"reason": "Accord écrit du 3 mars"}, writes=("admin", "write")),
    Route("sms.compose", "GET", SENDERS, hx=True),
    Route("sms.compose", "POST", SENDERS, form=lambda w: {"message": "Bonjour"}, hx=True),
    Route("sms.countdown", "POST", SENDERS, form=lambda w: {"message": "Bonjour"}, hx=True),
    Route("sms.replace", "POST", SENDERS, form=lambda w: {"message": "Leçon « annulée »"}, hx=True),
    Route("sms.recap", "POST", SENDERS, form=lambda w: {"message": "Bonjour à tous"}, hx=True),
    Route("sms.send", "POST", SENDERS, form=lambda w: {"message": "Bonjour", "token": "x"}, hx=True),
    Route("sms.excluded", "GET", SENDERS),
    Route("sms.receivers", "GET", SENDERS),
    # The JSON API takes a structure's API key and nothing else: a logged-in session opens none of it (test_api.py
    # tries the keys, across structures too).
    Route("api.credit_balance", "GET", NO_KEY),
    Route("api.campaign_list", "GET", NO_KEY),
    Route("api.campaign", "GET", NO_KEY, lambda w: {"campaign_id": w.campaign}),
    Route("api.person", "GET", NO_KEY, lambda w: {"external_id": "p1"}),
    Route("api.upsert_people", "POST", NO_KEY, csrf=False),
    Route("api.upsert_person", "PUT", NO_KEY, lambda w: {"external_id": "p1"}, csrf=False),
    Route("api.upsert_tags", "POST", NO_KEY, csrf=False),
    Route("api.upsert_tag", "PUT", NO_KEY, lambda w: {"external_id": "t1"}, csrf=False),
    Route("api.create_embed_link", "POST", NO_KEY, csrf=False),
    *(Route("api.unknown", method, NO_KEY, lambda w: {"rest": "nulle-part"}, csrf=False)
      for method in ("GET", "POST", "PUT", "PATCH", "DELETE")),
    Route("embed.open_link", "GET", (403,) * 8, lambda w: {"token": "pas-un-lien"}),  # a forged link opens nothing
]

app, db, shared = shared_app_fixtures()


def outcome(response) -> str | int:
    """Name what a visitor got: a redirect to the login page or elsewhere, an SMS gate, or the status."""
    if response.status_code in (301, 302, 303, 307, 308):
        return "login" if response.headers["Location"].split("?")[0].endswith("/login") else "go"
    if response.status_code == 403 and 'id="sms-gate"' in response.get_data(as_text=True):
        return "gate"
    return response.status_code


def forbidden_markers(role: str) -> tuple[str, ...]:
    """Return the words of the other structure, which no answer to this role may carry."""
    if role == "operator":
        return ()  # the operator's page lists every structure by design
    return SCHOOL_MARKERS if role in BAND_ROLES else BAND_MARKERS


def untouched_structure(w: AccessWorld, route: Route, role: str) -> int:
    """Return the structure a request by this role must never change."""
    return w.school if role in BAND_ROLES and not route.by_link else w.band


def url_of(app, route: Route, w: AccessWorld) -> str:
    """Build the route's address with url_for, as the app does."""
    with app.test_request_context():
        return url_for(route.endpoint, **route.args(w))


def check(app, db, w: AccessWorld, route: Route, role: str, expected) -> None:
    """Request the route as the role; assert the answer, what was written, and that nothing leaked."""
    client = app.test_client()
    login_as(client, w, role)
    before = table_snapshot(db)
    response = client.open(url_of(app, route, w), method=route.method, data=route.form(w),
                           headers={"HX-Request": "true"} if route.hx else {})
    got = outcome(response)
    assert got == expected, f"{route.id} as {role}: got {got}, expected {expected}"
    assert header_problems(response) == [], f"{route.id} as {role}"
    if response.mimetype == "text/html":
        assert inline_scripts(response.get_data(as_text=True)) == [], f"{route.id} as {role}"
    after = table_snapshot(db)
    if role in route.writes:
        untouched = untouched_structure(w, route, role)
        assert structure_rows(after, untouched) == structure_rows(before, untouched), f"{route.id} as {role}"
    else:
        changed = [name for name in before if before[name] != after[name]]
        assert changed == [], f"{route.id} as {role} changed {changed}"
    page = html.unescape(response.get_data().decode("utf-8", "replace")) if response.status_code == 200 else ""
    leaked = [marker for marker in forbidden_markers(role) if marker in page]
    assert leaked == [], f"{route.id} as {role} shows {leaked}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_access(app, db, route, role):
    w = build_access_world(db)
    check(app, db, w, route, role, route.expect[ROLES.index(role)])


def _with_band_ids(w: AccessWorld) -> AccessWorld:
    """Return the world with the band's campaign, opt-out, tag and person where the school's were."""
    return replace(w, campaign=w.band_campaign, optout=w.band_optout, tag=w.band_tag,
                   people={key: w.band_person for key in w.people})


# Routes that take a person, a campaign, an opt-out or a tag of the structure.
WITH_IDS = {"admin.person", "admin.create_account", "admin.reset_password", "admin.disable_account",
            "admin.enable_account", "admin.rights", "admin.delete_account", "sms.campaign", "sms.progress",
            "sms.states", "sms.cancel", "sms.lift_optout", "people.index", "people.toggle"}
ID_ROUTES = [r for r in ROUTES if r.endpoint in WITH_IDS]


@pytest.mark.parametrize("role", ("admin", "write"))
@pytest.mark.parametrize("route", ID_ROUTES, ids=lambda r: r.id)
def test_route_with_other_structure_ids(app, db, route, role):
    # The school's accounts with the band's ids get what the band's accounts get with the school's ids.
    w = build_access_world(db)
    mirror = {"admin": "other_admin", "write": "other_write"}[role]
    check(app, db, _with_band_ids(w), route, role, route.expect[ROLES.index(mirror)])


def test_every_route_classified(app):
    served = {f"{rule.endpoint}:{method}" for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    classified = {route.key for route in ROUTES}
    missing, stale = sorted(served - classified), sorted(classified - served)
    assert missing == [], f"add a line to ROUTES in tests/test_access_matrix.py for each of: {missing}"
    assert stale == [], f"ROUTES lists routes the app no longer serves: {stale}"
