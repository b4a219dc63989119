"""Hostile text is shown as text: names, tags, structure names, messages, logins, searches, contact requests.

Every field of the world carries markup (`<script>`, an `<img onerror>` breaking out of an attribute) and a template
expression (`{{7*7}}`). Each page and fragment that shows a field must show it whole, as text (the unescaped page
holds it), with no script or event handler of its own making, and with the expression not evaluated.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass

import pytest
from sms_helpers import recap_then_send, run_worker, shared_app_fixtures
from sqlalchemy import select

from tests.access_world import AccessWorld, build_access_world, header_problems, inline_scripts, login_as
from tutti.accounts import rights
from tutti.directory import people
from tutti.directory.people import fold
from tutti.models import LEVEL_READ, MODULE_PEOPLE, Account, Campaign, OptOut, Person, Structure, Tag

HX = {"HX-Request": "true"}


def xss(field: str) -> str:
    """Return a hostile text naming its field: a script, an attribute break-out, a template expression."""
    return f'<script>alert("{field}")</script>"><img src=x onerror=alert(1)>{{{{7*7}}}}'


app, db, shared = shared_app_fixtures()


def _rename_person(db, person_id: int, first: str, last: str | None = None) -> None:
    person = db.get(Person, person_id)
    person.first_name, person.first_name_key = first, fold(first)
    if last is not None:
        person.last_name, person.last_name_key = last, fold(last)


@pytest.fixture
def w(app, db) -> AccessWorld:
    """Return a world whose every text is hostile, with a campaign sent through the app and the real worker."""
    w = build_access_world(db)
    db.get(Structure, w.school).name = xss("structure")
    _rename_person(db, w.people["target"], xss("first"), xss("last"))
    _rename_person(db, w.people["victim"], xss("victim"))  # the school's opt-out is this person's number
    db.get(Tag, w.tag).name = xss("tag")
    db.get(Account, w.accounts["write"]).login = w.logins["write"] = xss("login")
    db.get(OptOut, w.optout).text = xss("stop")
    db.commit()
    twin = people.create_person(db, w.school, "Jumeau", "Martin", "06 11 11 11 11")  # shares the target's number
    w.people["twin"] = twin.id
    writer = app.test_client()
    login_as(writer, w, "write")
    writer.post("/people/selection", data={"person_id": twin.id, "checked": "1"})
    _, sent = recap_then_send(writer, xss("message"))
    assert sent.status_code == 200
    run_worker(app)
    db.commit()
    w.campaign = db.scalar(select(Campaign.id).where(Campaign.structure_id == w.school).order_by(Campaign.id.desc()))
    writer.post("/admin/contact", data={"subject": "option", "reply_to": "a@b.fr", "message": xss("contact")})
    writer.post(f"/sms/optouts/{w.optout}/lift", data={"reason": xss("reason")})
    boss = app.test_client()
    login_as(boss, w, "admin")
    boss.post(f"/admin/people/{w.people['target']}/account", data={"login": "theo.compte"})
    return w


@dataclass(frozen=True)
class View:
    """A page or fragment, who asks for it, and the hostile fields it must show as text."""

    role: str
    method: str
    url: str
    fields: tuple[str, ...]
    data: dict | None = None
    hx: bool = False


NAV = ("structure",)  # the header shows the structure's name on every page of its accounts
VIEWS = {
    "person_list": View("write", "GET", "/people", (*NAV, "first", "last", "tag", "login")),
    "person_search": View("write", "GET", "/people", (*NAV, "search"), {"q": xss("search")}),
    "person_results": View("write", "GET", "/people?tag={tag}", ("first", "last", "tag"), hx=True),
    "compose": View("write", "POST", "/sms/compose", ("message",), {"message": xss("message")}, hx=True),
    "countdown": View("write", "POST", "/sms/countdown", (), {"message": xss("message") + "ê"}, hx=True),
    "replace": View("write", "POST", "/sms/replace", ("message",), {"message": xss("message")}, hx=True),
    "recap": View("write", "POST", "/sms/recap", ("message", "first", "last"), {"message": xss("message")}, hx=True),
    "excluded": View("write", "GET", "/sms/excluded", (*NAV, "first", "last")),
    "history": View("write", "GET", "/sms/campaigns", (*NAV, "message", "login")),
    "campaign": View("write", "GET", "/sms/campaigns/{campaign}", (*NAV, "message", "first", "last", "login")),
    "campaign_recipients": View("write", "GET", "/sms/campaigns/{campaign}", ("first", "last"), hx=True),
    "progress": View("write", "GET", "/sms/campaigns/{campaign}/progress", (), hx=True),
    "outbox": View("write", "GET", "/sms/outbox", (*NAV, "message")),
    "optouts": View("write", "GET", "/sms/optouts", (*NAV, "victim", "stop", "reason")),
    "credit": View("write", "GET", "/sms/credit", NAV),
    "subscription": View("write", "GET", "/admin/sms/option", NAV),
    "credit_order": View("write", "GET", "/admin/credit/order", NAV),
    "person_record": View("admin", "GET", "/admin/people/{target}", (*NAV, "first", "last")),
    "selection_accounts": View("admin", "GET", "/admin/selection/accounts", (*NAV, "first", "last", "login")),
    "audit": View("admin", "GET", "/admin/audit", (*NAV, "first", "last")),
    "create_account_refused": View("admin", "POST", "/admin/people/{twin}/account", ("newlogin",),
                                   {"login": xss("newlogin")}, hx=True),
    "sms_settings_refused": View("admin", "POST", "/admin/sms/settings", (*NAV, "sender"),
                                 {"sender_name": xss("sender"), "phone_region": "FR", "window_policy": "warn",
                                  "low_credit_threshold": "20"}),
    "operator": View("operator", "GET", "/operator/", ("structure", "contact", "login")),
    "login_refused": View("anonymous", "POST", "/login", ("typed",), {"login": xss("typed"), "password": "faux"}),
}


def _url(view: View, w: AccessWorld) -> str:
    return view.url.format(tag=w.tag, campaign=w.campaign, target=w.people["target"], twin=w.people["twin"])


@pytest.mark.parametrize("name", VIEWS)
def test_hostile_text_shown_as_text(app, w, name):
    view = VIEWS[name]
    client = app.test_client()
    login_as(client, w, view.role)
    query, form = (view.data, None) if view.method == "GET" else (None, view.data)
    response = client.open(_url(view, w), method=view.method, query_string=query, data=form,
                           headers=HX if view.hx else {})
    assert response.status_code == 200, name
    page = response.get_data(as_text=True)
    assert inline_scripts(page) == [], f"{name}: markup of the data became markup of the page"
    assert header_problems(response) == []
    shown = html.unescape(page)
    missing = [field for field in view.fields if xss(field) not in shown]
    assert missing == [], f"{name} does not show {missing} whole"


def test_template_expression_not_evaluated(app, w):
    client = app.test_client()
    login_as(client, w, "write")
    page = html.unescape(client.get("/people").get_data(as_text=True))
    assert page.count("{{7*7}}") >= 3  # structure, first name, last name, tag, login: all kept literally


def test_export_neutralises_formula_in_tags(app, db, w):
    db.get(Tag, w.tag).name = "=HYPERLINK(\"http://evil.example\",\"clic\")"
    db.commit()
    rights.set_rights(db, w.school, w.accounts["write"], {MODULE_PEOPLE: LEVEL_READ}, None)  # may export
    client = app.test_client()
    login_as(client, w, "write")
    response = client.get("/people/export.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # never sniffed and shown as HTML
    cells = [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";") for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"clic\")" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
