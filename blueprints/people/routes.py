"""Person list views: the table, active search, filters, selection and export."""

from __future__ import annotations

import csv
import io
import re

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from blueprints import htmx
from blueprints.errors import render_error
from blueprints.extensions import session
from blueprints.people import bp
from blueprints.people.actions import actions_for, may_export
from tutti import admin, people
from tutti.params import page_number, to_int
from tutti.phones import display

_PHONE_LIKE = re.compile(r"\+?[0-9 ().-]+")


@bp.before_request
@login_required
def _require_login() -> None:
    """Every page of the person list needs a logged-in account of a structure."""
    if current_user.is_operator and request.endpoint == "people.home":
        return redirect(url_for("operator.index"))
    if current_user.structure_id is None:
        abort(403)


def _page_number() -> int:
    raw = request.values.get("page", "1")
    return page_number(raw)


def _list_context(flt: people.PersonFilter, number: int) -> dict:
    db = session()
    page = people.page_of_people(
        db, current_user.structure_id, current_user.id, flt, number, current_app.config["TUTTI_PAGE_SIZE"]
    )
    return {
        "flt": flt,
        "page": page,
        "all_selected": people.all_results_selected(db, current_user.structure_id, current_user.id, flt),
        "selected_count": people.selected_count(db, current_user.id),
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
    """Show the person list, or just its results for active search."""
    flt = people.PersonFilter.from_args(request.args)
    context = _list_context(flt, _page_number())
    context["actions"] = actions_for(current_user)
    return htmx.render("people/index.html", "people/_results.html", **context)


@bp.route("/people/selection", methods=["POST"])
def toggle():
    """Tick or untick one person."""
    person_id = to_int(request.form.get("person_id"))
    if person_id is not None:
        ticked = "checked" in request.form
        people.set_selected(session(), current_user.structure_id, current_user.id, [person_id], ticked)
        session().commit()
    return _selection_changed(Response(status=204))


@bp.route("/people/selection/all", methods=["POST"])
def select_all():
    """Tick or untick « Tous les résultats »: every person matching the filter, on every page."""
    flt = people.PersonFilter.from_args(request.form)
    people.select_all_results(session(), current_user.structure_id, current_user.id, flt, "checked" in request.form)
    session().commit()
    return _results_fragment(flt)


@bp.route("/people/selection/clear", methods=["POST"])
def clear():
    """Untick everyone."""
    people.clear_selection(session(), current_user.id)
    session().commit()
    return _results_fragment(people.PersonFilter.from_args(request.form))


def _results_fragment(flt: people.PersonFilter) -> Response:
    if not htmx.is_htmx():
        return redirect(url_for("people.index", **flt.as_args()))
    html = render_template("people/_results.html", **_list_context(flt, _page_number()))
    return _selection_changed(Response(html))


def _selection_changed(response: Response) -> Response:
    count = people.selected_count(session(), current_user.id)
    return htmx.trigger(response, "selection-changed", {"count": count})


@bp.route("/people/actions")
def actions():
    """Render the actions bar, refreshed whenever the selection changes."""
    return render_template(
        "people/_actions.html",
        actions=actions_for(current_user),
        selected_count=people.selected_count(session(), current_user.id),
    )


@bp.route("/people/export.csv")
def export():
    """Download the selected people as a CSV that spreadsheet programs open with the accents right; audited."""
    if not may_export(current_user):
        return render_error(403, gettext("Exporter les données des personnes demande le droit « Personnes » en "
                                         "lecture : demandez-le à l'administrateur de votre structure."))
    db = session()
    rows = people.selected_people(db, current_user.structure_id, current_user.id)
    admin.record_export(db, current_user, len(rows))
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
