"""Ask for a signed, short-lived, single-use link that opens the SMS panel for an account and preselected people."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, jsonify, url_for
from sqlalchemy import select

from blueprints.api import bp
from blueprints.api.auth import ApiError, json_body, structure_id
from blueprints.extensions import session
from tutti.embedding import embed_links, portal_sync
from tutti.models import ACCOUNT_OPERATOR, Account
from tutti.params import to_int


def _account(body: dict) -> Account:
    """Find the account the link is for, by login or id, among the structure's accounts."""
    db = session()
    if "account_id" in body:
        number = to_int(body["account_id"]) if not isinstance(body["account_id"], bool) else None
        account = db.get(Account, number) if number is not None else None
    elif isinstance(body.get("account"), str):
        account = db.scalar(select(Account).where(Account.login == body["account"].strip()))
    else:
        raise ApiError(422, "Indiquez le compte personnel : « account » (son identifiant de connexion) ou "
                            "« account_id ».")
    if account is None or account.structure_id != structure_id() or account.kind == ACCOUNT_OPERATOR:
        raise ApiError(404, "Aucun compte de votre structure ne correspond.")
    if not account.active:
        raise ApiError(422, "Ce compte est désactivé.")
    if not embed_links.may_send(account):
        raise ApiError(422, "Ce compte n'a pas le droit « Communication - SMS » en lecture écriture : il ne peut "
                            "pas envoyer de SMS. Demandez ce droit à l'administrateur de la structure.")
    return account


def _people(body: dict) -> list[int]:
    """Return Tutti's ids of the people the portal preselects by its own ids."""
    externals = body.get("people", [])
    if not isinstance(externals, list) or len(externals) > embed_links.MAX_PEOPLE:
        raise ApiError(422, f"« people » est une liste d'identifiants externes de personnes "
                            f"({embed_links.MAX_PEOPLE} au plus).")
    cleaned = [portal_sync.external_id(e) for e in externals]
    if None in cleaned:
        raise ApiError(422, "« people » est une liste d'identifiants externes de personnes.")
    ids, missing = portal_sync.people_ids(session(), structure_id(), list(dict.fromkeys(cleaned)))
    if missing:
        raise ApiError(422, "Personnes inconnues de votre structure : " + ", ".join(missing[:20])
                       + (" …" if len(missing) > 20 else "") + ".",
                       [{"index": i, "field": "people", "message": f"Personne inconnue : « {e} »."}
                        for i, e in enumerate(cleaned) if e in set(missing)][:100])
    return ids


@bp.route("/embed-links", methods=["POST"])
def create_embed_link():
    """Return a URL that opens the SMS panel once, within a few minutes, for an account and preselected people."""
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "Le corps de la requête est un objet JSON.")
    account = _account(body)
    person_ids = _people(body)
    ttl = timedelta(seconds=current_app.config.get("TUTTI_EMBED_LINK_TTL", embed_links.LINK_TTL.total_seconds()))
    token, expires = embed_links.issue(session(), current_app.config["SECRET_KEY"], structure_id(), account,
                                       person_ids, g.api_key_id, ttl)
    return jsonify({"url": url_for("embed.open_link", token=token, _external=True),
                    "expires_at": expires.isoformat(), "people": len(person_ids)}), 201
