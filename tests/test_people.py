"""The person list: sorting, search, filters, paging, the server-side selection, export and isolation."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from tutti.accounts.passwords import hash_password
from tutti.directory import selections
from tutti.directory.people import fold, new_person, rename, set_mobile
from tutti.directory.phones import parse_mobile
from tutti.models import ACCOUNT_ADMIN, ACCOUNT_OPERATOR, Account, Person, SelectionPerson, Structure, Tag

PASSWORD = "bon-mot-de-passe"
HX = {"HX-Request": "true"}
ALL_SELECTED = "tous les résultats sont sélectionnés"
NO_MATCH = "Aucune personne ne correspond à votre recherche."
_addresses = itertools.count(1)


@contextmanager
def database(app):
    """Work on the database in an app context of its own.

    Requests made while a test holds an app context share its `g`, so Flask-Login's cached user would
    leak between requests; requests here run outside any held context.
    """
    from blueprints.extensions import db

    with app.app_context():
        yield db.session


@pytest.fixture
def client(app):
    """Return a test client with an address of its own, so that login rate limits never leak between tests."""
    client = app.test_client()
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    return client


@dataclass
class World:
    """Two small structures: ours (« chef » logs in) and a neighbour with a namesake."""

    ids: dict[str, int] = field(default_factory=dict)  # "Émile Zola" → person id, in our structure
    tags: dict[str, int] = field(default_factory=dict)  # tag name → id, in our structure
    structure_id: int = 0
    neighbour_ids: dict[str, int] = field(default_factory=dict)
    neighbour_tag_id: int = 0


# first, last, sexe, mobile, tags
OURS = [
    ("Émile", "Zola", "M", "06 12 34 56 78", ["Ténor"]),
    ("Anne", "Émery", "F", "", ["Soprano"]),
    ("Ana", "Émery", "F", "+33 7 51 23 45 67", ["Bureau", "Soprano"]),
    ("Bob", "Eluard", "M", "0612", []),
    ("Zoé", "Adam", "F", "01 42 68 53 00", ["Alto"]),
    ("Denis", "Martin", "M", "06 98 76 54 32", ["Ténor"]),
    ("Eric", "Martin", "M", "06 98 76 54 32", []),
    ("Élise", "Martin", "F", "07 50 00 00 01", ["Alto"]),
]
SORTED = ["Zoé Adam", "Bob Eluard", "Ana Émery", "Anne Émery", "Denis Martin", "Élise Martin", "Eric Martin",
          "Émile Zola"]


def _person(db, structure_id: int, first: str, last: str, sexe: str = "F", mobile: str = "", tags=(),
            archived: bool = False) -> Person:
    parsed = parse_mobile(mobile)
    person = Person(structure_id=structure_id, first_name=first, last_name=last, sexe=sexe,
                    first_name_key=fold(first), last_name_key=fold(last), mobile_raw=parsed.raw,
                    mobile_e164=parsed.e164, mobile_kind=parsed.kind, archived=archived, tags=list(tags))
    db.add(person)
    return person


def _structure(db, name: str, login: str) -> Structure:
    structure = Structure(name=name, sms_option=True, sender_name="TEST")
    db.add(structure)
    db.flush()
    db.add(Account(structure_id=structure.id, kind=ACCOUNT_ADMIN, login=login, password_hash=hash_password(PASSWORD)))
    return structure


@pytest.fixture
def world(app) -> World:
    """Create our structure (account « chef ») and a neighbour (account « voisin »)."""
    w = World()
    with database(app) as db:
        ours = _structure(db, "Chorale des Tilleuls", "chef")
        tags = {name: Tag(structure_id=ours.id, name=name) for name in ("Alto", "Bureau", "Soprano", "Ténor")}
        db.add_all(tags.values())
        people = {f"{first} {last}": _person(db, ours.id, first, last, sexe, mobile, [tags[t] for t in tag_names])
                  for first, last, sexe, mobile, tag_names in OURS}
        people["Archibald Oubli"] = _person(db, ours.id, "Archibald", "Oubli", "M", archived=True)
        neighbour = _structure(db, "Harmonie voisine", "voisin")
        their_tag = Tag(structure_id=neighbour.id, name="Soprano")
        theirs = {"Émile Zola": _person(db, neighbour.id, "Émile", "Zola", "M", "06 12 34 56 78", [their_tag]),
                  "Nina Voisin": _person(db, neighbour.id, "Nina", "Voisin", "F", "06 11 11 11 11", [their_tag])}
        db.add(Account(kind=ACCOUNT_OPERATOR, login="ope", password_hash=hash_password(PASSWORD)))
        db.commit()
        w.structure_id = ours.id
        w.ids = {name: p.id for name, p in people.items()}
        w.tags = {name: t.id for name, t in tags.items()}
        w.neighbour_ids = {name: p.id for name, p in theirs.items()}
        w.neighbour_tag_id = their_tag.id
    return w


@pytest.fixture
def chef(world, auth) -> World:
    """Log « chef » in and return the world."""
    assert auth.login("chef", PASSWORD).status_code == 302
    return world


@pytest.fixture
def crowd(app, chef) -> list[str]:
    """Add 112 choristers to our structure (120 listed people, three pages) and return the expected order."""
    with database(app) as db:
        for i in range(112):
            _person(db, chef.structure_id, f"n{i:03d}", "Choriste", "F" if i % 2 else "M")
        db.commit()
    names = [(fold(last), fold(first), f"{first} {last}") for first, last, *_ in OURS]
    names += [("choriste", f"n{i:03d}", f"n{i:03d} Choriste") for i in range(112)]
    return [name for *_, name in sorted(names)]


@pytest.fixture
def demo_app(app):
    """Load the demo data (in a context of its own) and return the app."""
    from tutti.demo import seed_demo

    with database(app) as db:
        seed_demo(db)
    return app


def _names(html: str) -> list[str]:
    """Return the people listed, in order, as « First Last »."""
    return re.findall(r'aria-label="Sélectionner ([^"]+)"', html)


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="select-(\d+)"', html)]


def _ticked(html: str) -> set[int]:
    return {int(i) for i, attrs in re.findall(r'id="select-(\d+)"([^>]*)>', html) if re.search(r"\bchecked\b", attrs)}


def _row(html: str, person_id: int) -> str:
    return next(row for row in html.split("<tr>") if f'id="select-{person_id}"' in row)


def _own_selection(client) -> int:
    """Return the selection a client naming none works on (the account's own), as the actions bar names it."""
    html = client.get("/people/actions").get_data(as_text=True)
    return int(re.search(r'data-selection="(\d+)"', html).group(1))


def _list(client, **args) -> str:
    """Open the list on the account's own selection (a page opened afresh would make a new, empty one)."""
    response = client.get("/people", query_string={"sel": _own_selection(client), **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _tick(client, person_id, checked: bool = True):
    data = {"person_id": str(person_id)}
    if checked:
        data["checked"] = "1"
    return client.post("/people/selection", data=data)


def _select_all(client, checked: bool = True, **flt):
    data = dict(flt, checked="1") if checked else dict(flt)
    return client.post("/people/selection/all", data=data, headers=HX)


def _count(response) -> int:
    return json.loads(response.headers["HX-Trigger"])["selection-changed"]["count"]


def _selected_count(client) -> int:
    html = client.get("/people/actions").get_data(as_text=True)
    return int(re.search(r"Actions pour ([\d\u00a0 ]+) sélectionné", html).group(1).replace("\u00a0", ""))


def _export(client) -> list[list[str]]:
    response = client.get("/people/export.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


# The list


def test_list_shows_the_reference_columns(chef, client):
    html = _list(client)
    headers = re.findall(r'<th scope="col">([^<]+)</th>', html)
    assert headers == ["Nom", "Prénom", "Tags", "Sexe", "Mobile"]


def test_list_sorted_by_last_then_first_name_ignoring_accents(chef, client):
    assert _names(_list(client)) == SORTED


def test_list_row_shows_its_tags_in_name_order(chef, client):
    html = _list(client)
    tags = {name: re.findall(r'<span class="tag">([^<]+)</span>', _row(html, chef.ids[name]))
            for name in ("Ana Émery", "Bob Eluard", "Zoé Adam")}
    assert tags == {"Ana Émery": ["Bureau", "Soprano"], "Bob Eluard": [], "Zoé Adam": ["Alto"]}


def test_list_shows_fifty_people_a_page(crowd, client):
    html = _list(client)
    assert len(_ids(html)) == 50
    assert "Page 1 sur 3" in html
    assert "120 personnes" in html


def test_list_page_two_continues_the_order(crowd, client):
    assert _names(_list(client, page=2)) == crowd[50:100]


def test_list_last_page_holds_the_rest(crowd, client):
    assert _names(_list(client, page=3)) == crowd[100:]


def test_list_absurd_page_numbers_show_a_real_page(crowd, client):
    pages = ["0", "-1", "99999999999999", "abc", "2.5", "", "1e3", "٣", "²", "\x00", "9" * 400]
    shown = {}
    for page in pages:
        response = client.get("/people", query_string={"page": page})
        html = response.get_data(as_text=True)
        number = re.search(r"Page (\d+) sur 3", html)
        shown[page] = (response.status_code, bool(number) and _names(html) == crowd[(int(number[1]) - 1) * 50:][:50])
    assert shown == {page: (200, True) for page in pages}


def test_list_page_past_the_end_shows_the_last_page(crowd, client):
    html = _list(client, page=4)
    assert "Page 3 sur 3" in html
    assert _names(html) == crowd[100:]


def test_list_row_shows_name_tags_sexe_and_mobile(chef, client):
    row = _row(_list(client), chef.ids["Ana Émery"])
    cells = [re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells == [["Émery"], ["Ana"], ["Bureau", "Soprano"], ["F"], ["07", "51", "23", "45", "67"]]


def test_list_shows_landline_as_typed(chef, client):
    assert "01 42 68 53 00" in _row(_list(client), chef.ids["Zoé Adam"])


def test_list_hides_archived_people(chef, client):
    html = _list(client)
    assert chef.ids["Archibald Oubli"] not in _ids(html)
    assert "8 personnes" in html


def test_search_hides_archived_people(chef, client):
    assert NO_MATCH in _list(client, q="oubli")


def test_list_escapes_names(app, chef, client):
    with database(app) as db:
        _person(db, chef.structure_id, "<script>alert(1)</script>", "Zzz")
        db.commit()
    html = _list(client)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


# Active search


def test_search_htmx_answers_results_fragment(chef, client):
    response = client.get("/people", query_string={"q": "martin"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html and 'id="filters"' not in html
    assert "HX-Request" in response.headers["Vary"]


def test_search_without_htmx_answers_full_page(chef, client):
    response = client.get("/people", query_string={"q": "martin"})
    html = response.get_data(as_text=True)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert 'id="filters"' in html and 'id="results"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_search_history_restore_answers_full_page(chef, client):
    headers = dict(HX, **{"HX-History-Restore-Request": "true"})
    html = client.get("/people", query_string={"q": "martin"}, headers=headers).get_data(as_text=True)
    assert html.lstrip().lower().startswith("<!doctype html>")


def test_search_ignores_accents_and_case(chef, client):
    queries = ["emile", "ÉMILE", "Émile", "zola", "ZOLÀ", "éMiLe ZoLa"]
    assert {q: _names(_list(client, q=q)) for q in queries} == {q: ["Émile Zola"] for q in queries}


def test_search_matches_part_of_a_name(chef, client):
    assert _names(_list(client, q="mer")) == ["Ana Émery", "Anne Émery"]


def test_search_every_word_must_match(chef, client):
    assert _names(_list(client, q="  ana   EMERY ")) == ["Ana Émery"]


def test_search_words_match_first_or_last_name_in_any_order(chef, client):
    assert _names(_list(client, q="martin eli")) == ["Élise Martin"]


def test_search_without_match_says_so(chef, client):
    assert NO_MATCH in _list(client, q="personne-de-ce-nom")


def test_search_strange_strings_find_nobody(chef, client):
    # Wildcards must be taken literally, and nothing may reach the database as SQL or as a NUL byte.
    queries = ["x" * 10_000, "%", "_", "\\", "%_%", "a\x00b", "😀", "' OR 1=1; DROP TABLE people; --", "é" * 150,
               "\\%", "[a-z]*", "<script>"]
    answers = {}
    for q in queries:
        response = client.get("/people", query_string={"q": q}, headers=HX)
        answers[q[:20]] = (response.status_code, _ids(response.get_data(as_text=True)))
    assert answers == {q[:20]: (200, []) for q in queries}


def test_search_invalid_utf8_finds_nobody(chef, client):
    response = client.get("/people?q=%FF%FE%C3", headers=HX)
    assert response.status_code == 200
    assert _ids(response.get_data(as_text=True)) == []


def test_search_strange_strings_leave_the_list_intact(chef, client):
    client.get("/people", query_string={"q": "'; DROP TABLE people; --"})
    assert _names(_list(client)) == SORTED


def test_search_nul_character_is_ignored(chef, client):
    assert _names(_list(client, q="zo\x00la")) == ["Émile Zola"]


# Filters


def test_filter_by_tag(chef, client):
    assert _names(_list(client, tag=chef.tags["Alto"])) == ["Zoé Adam", "Élise Martin"]


def test_filter_by_sexe(chef, client):
    assert _names(_list(client, sexe="F")) == ["Zoé Adam", "Ana Émery", "Anne Émery", "Élise Martin"]


def test_filter_tag_sexe_and_search_combine(chef, client):
    assert _names(_list(client, tag=chef.tags["Ténor"], sexe="M", q="martin")) == ["Denis Martin"]


def test_filter_unusable_values_ignored(chef, client):
    values = [("sexe", "X"), ("sexe", "f"), ("tag", "abc"), ("tag", "-1"), ("tag", "9" * 30), ("tag", "²"), ("tag", "")]
    shown = {}
    for name, value in values:
        response = client.get("/people", query_string={name: value})
        shown[(name, value)] = (response.status_code, _names(response.get_data(as_text=True)))
    assert shown == {arg: (200, SORTED) for arg in values}


def test_filter_unknown_tag_shows_nobody(chef, client):
    assert _ids(_list(client, tag=987654)) == []


def test_filter_kept_in_pager_links(crowd, client):
    html = _list(client, sexe="M")
    assert re.search(r'href="/people\?[^"]*sexe=M', html)


# Selection


def test_selection_tick_counts_one(chef, client):
    response = _tick(client, chef.ids["Émile Zola"])
    assert response.status_code == 204
    assert _count(response) == 1
    assert _selected_count(client) == 1


def test_selection_untick_without_checked(chef, client):
    _tick(client, chef.ids["Émile Zola"])
    response = _tick(client, chef.ids["Émile Zola"], checked=False)
    assert _count(response) == 0
    assert _ticked(_list(client)) == set()


def test_selection_tick_twice_counts_once(chef, client):
    _tick(client, chef.ids["Émile Zola"])
    assert _count(_tick(client, chef.ids["Émile Zola"])) == 1


def test_selection_shown_ticked_in_list(chef, client):
    _tick(client, chef.ids["Bob Eluard"])
    assert _ticked(_list(client)) == {chef.ids["Bob Eluard"]}


def test_selection_survives_paging(crowd, chef, client):
    first, third = chef.ids["Zoé Adam"], chef.ids["Émile Zola"]
    _tick(client, first)
    _tick(client, third)
    _list(client, page=2)
    assert first in _ticked(_list(client, page=1))
    assert third in _ticked(_list(client, page=3))
    assert _selected_count(client) == 2


def test_selection_survives_filtering(chef, client):
    _tick(client, chef.ids["Bob Eluard"])
    assert _ids(_list(client, sexe="F"))  # Bob is filtered out…
    assert _ticked(_list(client, sexe="M")) == {chef.ids["Bob Eluard"]}  # …and still ticked when back
    assert _selected_count(client) == 1


def test_selection_unusable_ids_ignored(chef, client):
    raws = ["999999", "abc", "", "-1", "1.0", "1" * 40, "0x10", " 1", "²"]
    answers = {}
    for raw in raws:
        response = client.post("/people/selection", data={"person_id": raw, "checked": "1"})
        answers[raw] = (response.status_code, response.status_code == 204 and _count(response))
    assert answers == {raw: (204, 0) for raw in raws}


def test_selection_other_structure_person_never_selected(app, chef, client):
    response = _tick(client, chef.neighbour_ids["Nina Voisin"])
    assert (response.status_code, _count(response)) == (204, 0)
    with database(app) as db:
        assert db.scalar(select(func.count()).select_from(SelectionPerson)) == 0


def test_selection_archived_person_ignored(chef, client):
    # An archived person is not on the list, so a forged tick must not add an invisible recipient.
    response = _tick(client, chef.ids["Archibald Oubli"])
    assert _count(response) == 0


def test_select_all_selects_every_match_on_every_page(crowd, client):
    response = _select_all(client)
    assert response.status_code == 200
    assert _count(response) == 120
    assert set(_ids(_list(client, page=2))) == _ticked(_list(client, page=2))


def test_select_all_answers_results_fragment_saying_so(crowd, client):
    html = _select_all(client).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="results">')
    assert ALL_SELECTED in html
    assert re.search(r'id="all-results"[^>]*\bchecked\b', html)


def test_select_all_said_in_list_afterwards(crowd, client):
    _select_all(client)
    assert ALL_SELECTED in _list(client, page=3)


def test_select_all_not_said_once_one_match_unticked(chef, client):
    _select_all(client)
    _tick(client, chef.ids["Bob Eluard"], checked=False)
    assert ALL_SELECTED not in _list(client)


def test_select_all_with_filter_selects_only_matches(crowd, chef, client):
    response = _select_all(client, sexe="F")
    assert _count(response) == 56 + 4
    assert _ticked(_list(client, q="martin")) == {chef.ids["Élise Martin"]}


def test_select_all_with_search_selects_only_matches(chef, client):
    response = _select_all(client, q="émery")
    assert _count(response) == 2
    assert ALL_SELECTED in response.get_data(as_text=True)


def test_select_all_untick_deselects_only_matches(chef, client):
    _tick(client, chef.ids["Bob Eluard"])
    _select_all(client, sexe="F")
    response = _select_all(client, checked=False, sexe="F")
    assert _count(response) == 1
    assert _ticked(_list(client)) == {chef.ids["Bob Eluard"]}


def test_select_all_skips_archived_people(app, chef, client):
    _select_all(client)
    with database(app) as db:
        selected = set(db.scalars(select(SelectionPerson.person_id)))
    assert chef.ids["Archibald Oubli"] not in selected
    assert len(selected) == 8


def test_select_all_without_match_selects_nobody(chef, client):
    response = _select_all(client, q="personne-de-ce-nom")
    assert _count(response) == 0
    assert ALL_SELECTED not in response.get_data(as_text=True)


def test_select_all_without_htmx_goes_back_to_list(chef, client):
    response = client.post("/people/selection/all", data={"checked": "1", "sexe": "F"})
    own = _own_selection(client)
    assert (response.status_code, response.headers["Location"]) == (302, f"/people?sel={own}&sexe=F")


def test_clear_unticks_everyone(chef, client):
    _select_all(client)
    response = client.post("/people/selection/clear", headers=HX)
    assert _count(response) == 0
    assert _ticked(response.get_data(as_text=True)) == set()


def test_actions_bar_counts_the_selection(chef, client):
    for name in ("Bob Eluard", "Zoé Adam", "Émile Zola"):
        _tick(client, chef.ids[name])
    html = client.get("/people/actions").get_data(as_text=True)
    assert "Actions pour 3 sélectionnés" in html
    assert re.search(r'<a href="/people/export.csv\?sel=\d+">Exporter</a>', html)


def test_actions_bar_offers_no_live_entry_without_selection(chef, client):
    html = client.get("/people/actions").get_data(as_text=True)
    assert "Actions pour 0 sélectionné" in html
    assert "Exporter" in html and 'href="/people/export.csv"' not in html


def test_actions_bar_is_in_the_list_page(chef, client):
    assert 'id="actions"' in _list(client)


# Export


def test_export_utf8_with_bom_and_semicolons(chef, client):
    _tick(client, chef.ids["Émile Zola"])
    response = client.get("/people/export.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.mimetype == "text/csv"
    assert response.data.decode("utf-8-sig").splitlines()[0] == "Nom;Prénom;Sexe;Tags;Mobile"


def test_export_keeps_accents(chef, client):
    _tick(client, chef.ids["Élise Martin"])
    assert _export(client)[1] == ["Martin", "Élise", "F", "Alto", "07 50 00 00 01"]


def test_export_holds_only_selected_people_in_list_order(chef, client):
    for name in ("Émile Zola", "Bob Eluard", "Ana Émery"):
        _tick(client, chef.ids[name])
    assert [row[:2] for row in _export(client)[1:]] == [["Eluard", "Bob"], ["Émery", "Ana"], ["Zola", "Émile"]]


def test_export_without_selection_has_only_the_header(chef, client):
    assert _export(client) == [["Nom", "Prénom", "Sexe", "Tags", "Mobile"]]


def test_export_neutralises_formulas(app, chef, client):
    names = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x")', "\t=1", "-1-1", "+(1)"]
    with database(app) as db:
        for i, name in enumerate(names):
            _person(db, chef.structure_id, f"Jean{i}", name, tags=[db.get(Tag, chef.tags["Alto"])])
        db.commit()
    _select_all(client, tag=chef.tags["Alto"])
    cells = {row[0] for row in _export(client)[1:]} - {"Adam", "Martin"}
    assert cells == {"'" + name for name in names}


def test_export_keeps_phone_numbers_as_typed(app, chef, client):
    mobiles = ["+33 6 12 34 56 78", "06 12 34 56 78", "+32 470 12 34 56", "06.12.34.56.78", "(06) 12-34-56-78"]
    with database(app) as db:
        for i, mobile in enumerate(mobiles):
            _person(db, chef.structure_id, f"Jean{i}", "Numéro", mobile=mobile)
        db.commit()
    _select_all(client, q="numero")
    assert [row[4] for row in _export(client)[1:]] == mobiles


def test_export_leaves_out_other_structure_people_even_if_selected(app, chef, client):
    # A tampered selection row pointing at the neighbour's person must not leak into the file.
    with database(app) as db:
        account_id = db.scalar(select(Account.id).where(Account.login == "chef"))
        db.add(SelectionPerson(selection_id=selections.of_account(db, account_id),
                               person_id=chef.neighbour_ids["Nina Voisin"]))
        db.commit()
    assert _export(client) == [["Nom", "Prénom", "Sexe", "Tags", "Mobile"]]


def test_export_leaves_out_people_archived_after_selection(app, chef, client):
    _tick(client, chef.ids["Bob Eluard"])
    with database(app) as db:
        db.get(Person, chef.ids["Bob Eluard"]).archived = True
        db.commit()
    assert _export(client) == [["Nom", "Prénom", "Sexe", "Tags", "Mobile"]]


# Access


ROUTES = [("get", "/people"), ("get", "/people/actions"), ("get", "/people/export.csv"),
          ("post", "/people/selection"), ("post", "/people/selection/all"), ("post", "/people/selection/clear")]


def test_people_routes_need_login(world, client):
    answers = {}
    for method, url in ROUTES:
        response = getattr(client, method)(url, data={"person_id": "1", "checked": "1"} if method == "post" else None)
        answers[url] = (response.status_code, response.headers.get("Location", "").split("?")[0])
    assert answers == {url: (302, "/login") for _, url in ROUTES}


def test_people_routes_refuse_operator_without_structure(world, auth, client):
    auth.login("ope", PASSWORD)
    answers = {url: getattr(client, method)(url).status_code for method, url in ROUTES}
    assert answers == {url: 403 for _, url in ROUTES}


# Isolation between structures, on the demo data


def _valmont(app, auth) -> tuple[set[int], set[int]]:
    """Log « valmont » in; return the ids of Harmonie's listed people and of the École's people."""
    with database(app) as db:
        harmonie = db.scalar(select(Structure.id).where(Structure.name == "Harmonie de Valmont"))
        theirs = set(db.scalars(select(Person.id).where(Person.structure_id == harmonie, Person.archived.is_(False))))
        ecole = set(db.scalars(select(Person.id).where(Person.structure_id != harmonie)))
    assert auth.login("valmont", "tutti-demo").status_code == 302
    return theirs, ecole


def test_isolation_list_shows_only_own_structure(demo_app, auth, client):
    theirs, _ = _valmont(demo_app, auth)
    html = _list(client)
    assert set(_ids(html)) == theirs
    assert f"{len(theirs)} personnes" in html


def test_isolation_search_and_tag_filter_stay_in_structure(demo_app, auth, client):
    theirs, _ = _valmont(demo_app, auth)
    with database(demo_app) as db:
        ecole_tag = db.scalar(select(Tag.id).join(Structure).where(Structure.name.like("École%")))
    found = set()
    for q in ("a", "e", "martin", "é"):
        found |= set(_ids(_list(client, q=q)))
    assert found and found <= theirs
    assert _ids(_list(client, tag=ecole_tag)) == []


def test_isolation_other_structure_ids_never_selected(demo_app, auth, client):
    _, ecole = _valmont(demo_app, auth)
    counts = {_count(_tick(client, person_id)) for person_id in sorted(ecole)[:20]}
    assert counts == {0}


def test_isolation_select_all_and_export_stay_in_structure(demo_app, auth, client):
    theirs, _ = _valmont(demo_app, auth)
    assert _count(_select_all(client)) == len(theirs)
    with database(demo_app) as db:
        names = {(p.last_name, p.first_name) for p in db.scalars(select(Person).where(Person.id.in_(theirs)))}
    assert {(row[0], row[1]) for row in _export(client)[1:]} == names


def test_isolation_selection_of_one_account_unseen_by_another(demo_app, auth, client):
    _valmont(demo_app, auth)
    _select_all(client)
    other = demo_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.99"
    other.post("/login", data={"login": "secretariat", "password": "tutti-demo"})
    assert _selected_count(other) == 0


# The demo's whole school


def test_demo_secretariat_reaches_person_list(demo_app, auth, client):
    assert auth.login("secretariat", "tutti-demo").status_code == 302
    html = _list(client)
    assert "Actions pour 0 sélectionné" in html
    assert len(_ids(html)) == 50


def test_demo_select_all_counts_every_school_person(demo_app, auth, client):
    auth.login("secretariat", "tutti-demo")
    with database(demo_app) as db:
        school = db.scalar(select(Structure.id).where(Structure.name.like("École%")))
        total = db.scalar(select(func.count()).select_from(Person)
                          .where(Person.structure_id == school, Person.archived.is_(False)))
    assert total > 300
    assert _count(_select_all(client)) == total
    assert f"Actions pour {total} sélectionnés" in client.get("/people/actions").get_data(as_text=True)


# Building a person


def test_new_person_folds_names_and_reads_mobile_in_structure_region():
    person = new_person(Structure(id=7, name="Bruxelles", phone_region="BE"), "Émile", "Zola", " 0470 12 34 56 ",
                        "M", external_id="p-1")
    assert (person.structure_id, person.first_name_key, person.last_name_key, person.sexe, person.external_id) == (
        7, "emile", "zola", "M", "p-1")
    assert (person.mobile_raw, person.mobile_e164, person.mobile_kind) == ("0470 12 34 56", "+32470123456", "mobile")


def test_rename_and_set_mobile_change_only_what_is_given():
    person = new_person(Structure(id=7, name="Aubin", phone_region="FR"), "Émile", "Zola", "06 12 34 56 78")
    rename(person, last_name="Ça")
    set_mobile(person, "", "FR")
    assert (person.first_name, person.first_name_key, person.last_name, person.last_name_key) == (
        "Émile", "emile", "Ça", "ca")
    assert (person.mobile_raw, person.mobile_e164, person.mobile_kind) == ("", None, "none")
