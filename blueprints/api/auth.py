"""Bearer API keys, the rate limit, and errors as JSON with a French message."""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from limits import parse
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException

from blueprints.api import bp
from blueprints.extensions import limiter, session
from tutti import text_input
from tutti.embedding import api_keys

MESSAGES = {
    400: "Requête invalide.",
    401: "Clé d'API absente, inconnue ou révoquée : envoyez l'en-tête « Authorization: Bearer <clé> ».",
    403: "Cette clé ne permet pas cette opération.",
    404: "Introuvable.",
    405: "Méthode non permise sur cette adresse.",
    409: "Conflit avec une autre modification : renvoyez la requête.",
    413: "Requête trop volumineuse.",
    415: "Envoyez du JSON (« Content-Type: application/json »).",
    422: "Données invalides.",
    429: "Trop de requêtes en peu de temps : patientez avant de réessayer.",
    500: "Erreur inattendue : rien n'a été modifié. Réessayez dans un instant.",
}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
         500: "server_error"}


class ApiError(Exception):
    """An answer other than success, with a French message and, for invalid items, the problem of each."""

    def __init__(self, status: int, message: str | None = None, problems: list[dict] | None = None):
        super().__init__(message or MESSAGES.get(status, ""))
        self.status, self.message, self.problems = status, message or MESSAGES.get(status, ""), problems


def error_response(status: int, message: str | None = None, problems: list[dict] | None = None):
    """Return a JSON error: {"error": {"code", "message", "problems"?}} with its status."""
    error: dict = {"code": CODES.get(status, "error"), "message": message or MESSAGES.get(status, MESSAGES[400])}
    if problems:
        error["problems"] = problems
    response = jsonify({"error": error})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tutti"'
    return response


def presented_key() -> str:
    """Return the key in the Authorization header, or an empty string."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _within(limit: str, *identifiers: str) -> bool:
    """Count one call against a limit (« 60 per minute ») in the app's limiter storage; say whether it is within."""
    try:
        return limiter.limiter.hit(parse(current_app.config[limit]), "tutti-api",
                                   current_app.config.get("RATELIMIT_KEY_PREFIX", ""), *identifiers)
    except RedisError:  # Redis away: the API still answers, unlimited, rather than refusing everyone
        current_app.logger.warning("API rate limit not counted: Redis is away")
        return True


def _over(limit: str, *identifiers: str) -> bool:
    """Say whether a limit is already used up, without counting this call."""
    try:
        return not limiter.limiter.test(parse(current_app.config[limit]), "tutti-api",
                                        current_app.config.get("RATELIMIT_KEY_PREFIX", ""), *identifiers)
    except RedisError:
        return False


def _rate_limited():
    response = error_response(429)
    response.headers["Retry-After"] = "60"
    return response


@bp.before_request
def authenticate():
    """Find the structure's key; nothing else of the API runs without one.

    Failed authentications are counted per client address and for all addresses together, so that a
    prefix seen somewhere cannot be used to lock its key out; a key's own calls are counted only once
    its secret is verified.
    """
    address = request.remote_addr or "unknown"
    if _over("TUTTI_API_FAILED_LIMIT", "failed", address):
        return _rate_limited()
    key = api_keys.authenticate(session(), presented_key())
    if key is None:
        within = _within("TUTTI_API_FAILED_LIMIT", "failed", address)
        within = _within("TUTTI_API_FAILED_GLOBAL_LIMIT", "failed-all") and within
        return error_response(401) if within else _rate_limited()
    if not _within("TUTTI_API_LIMIT", "key", key.prefix):
        return _rate_limited()
    g.api_key_id, g.api_structure_id = key.id, key.structure_id
    return None


def structure_id() -> int:
    """Return the structure this request's key belongs to: every read and write is scoped to it."""
    return g.api_structure_id


def json_body() -> object:
    """Return the request's JSON, or raise ApiError: 415, 400 (no JSON, too deep), 422 (a control character)."""
    if not request.is_json:
        raise ApiError(415)
    if text_input.json_depth(request.get_data(cache=True)) > text_input.MAX_JSON_DEPTH:
        raise ApiError(400, f"Le JSON est imbriqué trop profondément ({text_input.MAX_JSON_DEPTH} niveaux au plus).")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "Le corps de la requête n'est pas du JSON valide (UTF-8).")
    paths = list(text_input.control_paths(data))
    if paths:
        raise ApiError(422, f"Caractère de contrôle (par exemple un caractère nul) refusé dans « {paths[0]} ».",
                       [{"field": path, "message": "Ce texte contient un caractère de contrôle : retirez-le."}
                        for path in paths[:100]])
    return data


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    """Answer an ApiError as JSON."""
    return error_response(error.status, error.message, error.problems)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Answer HTTP errors (404, 405, 413, 429…) as JSON."""
    return error_response(error.code or 500)


@bp.errorhandler(Exception)
def unexpected(error: Exception):
    """Answer anything unexpected as a JSON 500, logged."""
    current_app.logger.exception("unexpected API error")
    session().rollback()
    return error_response(500)


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str):
    """Answer an address the API does not have with a JSON 404."""
    return error_response(404, "Adresse inconnue de l'API.")
