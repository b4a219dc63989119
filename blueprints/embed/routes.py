"""Open an embed link once, show the panel; answer every panel request within the panel's limits."""

from __future__ import annotations

from flask import current_app, g, make_response, render_template, request, session
from flask_login import current_user

from blueprints.embed import bp, panel_session
from blueprints.extensions import session as db_session
from blueprints.htmx import is_htmx
from tutti.directory import selections
from tutti.embedding import embed_links
from tutti.models import SELECTION_PANEL, Account
from tutti.params import to_int

# What a panel token opens: the SMS flow's fragments and nothing else of Tutti.
PANEL_ENDPOINTS = {"sms.compose", "sms.countdown", "sms.replace", "sms.recap", "sms.send", "sms.progress"}
LAYOUT = "embed/layout.html"
# A refusal page shows no data and offers no action: any site may frame it, so the portal shows its message.
ANY_FRAMER = ["*"]


def _refused(reason: str, status: int):
    g.frame_ancestors = ANY_FRAMER
    template = "embed/_refused.html" if is_htmx() else "embed/refused.html"
    return render_template(template, reason=reason), status


def _panel_refused(reason: str, status: int):
    """Refuse a panel request; htmx puts the message in place of the whole panel, whatever the request aimed at."""
    page, status = _refused(reason, status)
    response = make_response(page, status)
    if is_htmx():
        response.headers["HX-Retarget"] = "#panel"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _frame_ancestors(structure_id: int) -> list[str]:
    return ["'self'", *embed_links.frame_origins(db_session(), structure_id)]


@bp.route("/<token>")
def open_link(token: str):
    """Open an embed link (once): preselect its people and show the panel for its account."""
    db = db_session()
    try:
        link = embed_links.consume(db, current_app.config["SECRET_KEY"], token)
    except embed_links.LinkRefused as refused:
        return _refused(refused.reason, 403 if refused.reason == embed_links.TAMPERED else 410)
    account = db.get(Account, link.account_id)
    # The panel's own selection: another panel or tab of the same account never replaces it.
    selection = selections.create(db, account.id, link.structure_id, SELECTION_PANEL)
    selections.tick(db, selection.id, link.structure_id, embed_links.link_people(link), True)
    selection_id = selection.id
    db.commit()
    selected = selections.count(db, selection_id)
    panel_token = panel_session.issue(current_app, link.id, account.get_id(), link.structure_id)
    panel_session.enter(session, panel_session.read(current_app, panel_token), panel_token)
    g.frame_ancestors = _frame_ancestors(link.structure_id)
    return render_template("embed/panel.html", panel_token=panel_token, selected=selected, selection_id=selection_id)


def guard_panel():
    """Keep a panel token to the panel's routes, for its live account; frame its answers for the portal only."""
    claims = panel_session.panel()
    if claims is None or request.endpoint == "static":
        return None
    if claims.get("expired"):
        return _panel_refused("panel_expired", 401)
    if not current_user.is_authenticated:  # disabled, or its password changed: the panel ends with its session
        account = db_session().get(Account, to_int(claims["u"].partition(":")[0]) or 0)
        return _panel_refused("panel_expired", 401) if account is not None and account.active else \
            _panel_refused(embed_links.GONE, 403)
    refusal = embed_links.panel_refusal(db_session(), claims["l"], current_user._get_current_object())
    if refusal is not None:  # the key that made the link revoked, the account's SMS right removed
        return _panel_refused(refusal, 403)
    if request.endpoint not in PANEL_ENDPOINTS and request.blueprint != "embed":
        return _refused("outside", 403)
    g.frame_ancestors = _frame_ancestors(claims["s"])
    g.sms_layout = LAYOUT
    return None


def panel_headers(response):
    """Keep the panel's answers out of every cache: each belongs to one panel token."""
    if panel_session.panel() is not None:
        response.headers["Cache-Control"] = "no-store"
        response.vary.add(panel_session.HEADER)
    return response
