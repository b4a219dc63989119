"""Upsert people and tags by the portal's own ids; read one person back."""

from __future__ import annotations

from flask import jsonify

from blueprints.api import bp
from blueprints.api.auth import ApiError, json_body, structure_id
from blueprints.extensions import session
from blueprints.refusals import french
from tutti.embedding import portal_sync


def _sync(upsert, items: object, single: bool):
    """Run an upsert and answer its outcome (201 when something was created), or its problems as JSON."""
    try:
        outcome = upsert(session(), structure_id(), items)
    except portal_sync.SyncRefused as refused:
        raise ApiError(refused.status, french(refused.problems[0].refusal) if refused.status != 422 else None,
                       [_problem(p) for p in refused.problems]) from refused
    status = 201 if outcome.created else 200
    if single:
        return jsonify(outcome.items[0]), status
    return jsonify({"items": outcome.items, "created": outcome.created,
                    "updated": len(outcome.items) - outcome.created}), status


def _problem(problem: portal_sync.Problem) -> dict:
    """Return a problem as the API shows it: where, why (its code) and the French text."""
    return {"index": problem.index, "field": problem.field, "message": french(problem.refusal),
            "code": problem.refusal.code}


def _batch(body: object, name: str) -> object:
    """Accept a list, or an object holding the list under `name`."""
    return body.get(name) if isinstance(body, dict) else body


def _one(body: object, external_id: str) -> list:
    """Turn the body of a PUT on one id into a batch of one, the id in the path winning."""
    if not isinstance(body, dict):
        raise ApiError(400, "Le corps de la requête est un objet JSON.")
    if "external_id" in body and str(body["external_id"]) != external_id:
        raise ApiError(422, "L'identifiant externe du corps diffère de celui de l'adresse.")
    return [{**body, "external_id": external_id}]


@bp.route("/people", methods=["POST"])
def upsert_people():
    """Create or update people by their external ids (a list, or {"people": [...]}); all or nothing."""
    return _sync(portal_sync.upsert_people, _batch(json_body(), "people"), single=False)


@bp.route("/people/<external_id>", methods=["PUT"])
def upsert_person(external_id: str):
    """Create or update one person by its external id."""
    return _sync(portal_sync.upsert_people, _one(json_body(), external_id), single=True)


@bp.route("/people/<external_id>", methods=["GET"])
def person(external_id: str):
    """Return one person of the structure by its external id."""
    found = portal_sync.person_by_external_id(session(), structure_id(), external_id)
    if found is None:
        raise ApiError(404, "Aucune personne de votre structure n'a cet identifiant externe.")
    return jsonify(portal_sync.person_as_dict(found))


@bp.route("/tags", methods=["POST"])
def upsert_tags():
    """Create or rename tags by their external ids (a list, or {"tags": [...]}); all or nothing."""
    return _sync(portal_sync.upsert_tags, _batch(json_body(), "tags"), single=False)


@bp.route("/tags/<external_id>", methods=["PUT"])
def upsert_tag(external_id: str):
    """Create or rename one tag by its external id."""
    return _sync(portal_sync.upsert_tags, _one(json_body(), external_id), single=True)
