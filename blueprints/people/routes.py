"""Person list views: the table, active search, filters, selection and export."""

from __future__ import annotations

import csv
import io
import re

from flask import Response, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from blueprints import htmx
from blueprints import selection as window_selection
from blueprints.errors import render_error
from blueprints.extensions import session
from blueprints.people import bp
from blueprints.people.actions import actions_for, may_export
from tutti.accounts import audit
from tutti.directory import people, selections
from tutti.directory.phones import display
from tutti.models import SELECTION_LIST, Selection
from tutti.params import to_int

_PHONE_LIKE = re.compile(r"\+?[0-9 ().-]+")


@bp.before_request
@login_required
def _require_login() -> None:
    """Every page of the person list needs a logged-in account of a structure."""
    if current_user.is_operator and request.endpoint == "people.home":
        return redirect(url_for("operator.index"))
    if current_user.structure_id is None:
        abort(403)


def _list_context(flt: people.PersonFilter, selection: Selection) -> dict:
    db = session()
    page, rows = people.page_of_people(db, current_user.structure_id, selection.id, flt,
                                       request.values.get("page", "1"), current_app.config["TUTTI_PAGE_SIZE"])
    return {
        "flt": flt,
        "page": page,
        "people": rows,
        "all_selected": people.all_results_selected(db, current_user.structure_id, selection.id, flt),
        "selection": selections.state(db, selection.id),
        "tags": people.structure_tags(db, current_user.structure_id),
        "display_phone": display,
        "region": current_user.structure.phone_region,
    }


@bp.route("/")
def home():
    """Send the user to the person list."""
    return redirect(url_for("people.index"))


@bp.route("/people")
def index():
    """Show the person list with its own selection, or just its results for active search."""
    flt = people.PersonFilter.from_args(request.args)
    if htmx.is_htmx():
        selection = window_selection.current()
    else:
        # A page opened is a window of its own: it makes its selection, or takes the one its URL names (a
        # reload, the browser's history). A URL naming a selection that is not the account's, or one forgotten
        # since, opens the list afresh, the same way whichever it was.
        selection = None
        if window_selection.named_id() is not None:
            selection = selections.owned(session(), to_int(window_selection.named_id()), current_user.id,
                                         current_user.structure_id)
            if selection is None:
                return redirect(url_for("people.index", **flt.as_args()))
        if selection is None:
            selection = selections.create(session(), current_user.id, current_user.structure_id, SELECTION_LIST)
            session().commit()
    context = _list_context(flt, selection)
    context["actions"] = actions_for(current_user)
    # The language switch brings the page back with its selection, whatever address it was opened at.
    g.switch_next = url_for("people.index", sel=selection.id, **flt.as_args())
    return htmx.render("people/index.html", "people/_results.html", **context)


@bp.route("/people/selection", methods=["POST"])
def toggle():
    """Tick or untick one person; answer the actions bar with the selection's new version and count."""
    selection = window_selection.current()
    person_id = to_int(request.form.get("person_id"))
    if person_id is not None:
        ticked = "checked" in request.form
        selections.tick(session(), selection.id, current_user.structure_id, [person_id], ticked)
    state = selections.state(session(), selection.id)
    session().commit()
    if not htmx.is_htmx():
        return _selection_changed(Response(status=204), state)
    return _selection_changed(Response(_actions_bar(state, oob=True)), state)


@bp.route("/people/selection/all", methods=["POST"])
def select_all():
    """Tick or untick « Tous les résultats »: every person matching the filter, on every page."""
    selection = window_selection.current()
    flt = people.PersonFilter.from_args(request.form)
    selections.select_all(session(), selection.id, current_user.structure_id, flt, "checked" in request.form)
    session().commit()
    return _results_fragment(flt, selection)


@bp.route("/people/selection/clear", methods=["POST"])
def clear():
    """Untick everyone."""
    selection = window_selection.current()
    selections.clear(session(), selection.id)
    session().commit()
    return _results_fragment(people.PersonFilter.from_args(request.form), selection)


def _results_fragment(flt: people.PersonFilter, selection: Selection) -> Response:
    if not htmx.is_htmx():
        return redirect(url_for("people.index", sel=selection.id, **flt.as_args()))
    context = _list_context(flt, selection)
    html = render_template("people/_results.html", **context) + _actions_bar(context["selection"], oob=True)
    return _selection_changed(Response(html), context["selection"])


def _actions_bar(state: selections.State, oob: bool = False) -> str:
    return render_template("people/_actions.html", actions=actions_for(current_user), selection=state, oob=oob)


def _selection_changed(response: Response, state: selections.State) -> Response:
    return htmx.trigger(response, "selection-changed", {"count": state.count, "version": state.version,
                                                        "selection": state.id})


@bp.route("/people/actions")
def actions():
    """Render the actions bar of the selection as it is now."""
    return _actions_bar(selections.state(session(), window_selection.current().id))


@bp.route("/people/export.csv")
def export():
    """Download the selected people as a CSV that spreadsheet programs open with the accents right; audited."""
    if not may_export(current_user):
        return render_error(403, gettext("Exporter les données des personnes demande le droit « Personnes » en "
                                         "lecture : demandez-le à l'administrateur de votre structure."))
    db = session()
    rows = selections.people(db, current_user.structure_id, window_selection.current().id)
    audit.record_export(db, current_user, len(rows))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([gettext("Nom"), gettext("Prénom"), gettext("Sexe"), gettext("Tags"), gettext("Mobile")])
    for p in rows:
        tags = ", ".join(_cell(t.name) for t in p.tags)
        writer.writerow([_cell(p.last_name), _cell(p.first_name), p.sexe, tags, _cell(p.mobile_raw, phone=True)])
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="personnes.csv"'},
    )


def _cell(value: str, phone: bool = False) -> str:
    """Neutralise text a spreadsheet would run as a formula (a phone number is left as it is)."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not (phone and _PHONE_LIKE.fullmatch(value)):
        return "'" + value
    return value
