"""The recap's one-time token: it ties Envoyer to the recap the user read."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tutti.sms import cost
from tutti.sms.cost import Quote

MAX_AGE = 30 * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="tutti-recap")


def _digest(message: str) -> str:
    return hashlib.sha256(message.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def issue(account_id: int, message: str, quote: Quote, selection_id: int, version: int) -> str:
    """Sign what the recap showed, with a fresh nonce that becomes the campaign's token.

    It names the selection the recap counted and its version: Envoyer sends to that selection only while it is
    still at that version.
    """
    shown = quote.recipients
    payload = {"a": account_id, "n": secrets.token_hex(16), "h": _digest(message), "c": quote.total,
               "s": shown.selected, "m": shown.distinct_numbers, "d": shown.digest, "sel": selection_id,
               "v": version}
    return _serializer().dumps(payload)


def shown_quote(payload: dict, message: str) -> Quote:
    """Rebuild the quote a recap showed from its token: Envoyer charges exactly that, or nothing."""
    quote = cost.as_shown(message, int(payload.get("s", 0)), int(payload.get("m", 0)), str(payload.get("d", "")))
    if quote.total != payload.get("c"):
        raise StaleRecap("cost")  # a token of an older shape, or a message counted differently since
    return quote


class StaleRecap(Exception):
    """The token is expired, forged, or belongs to another account or another text."""


def read(token: str, account_id: int, message: str) -> dict:
    """Return the recap's figures if the token is valid for this account and text."""
    try:
        payload = _serializer().loads(token or "", max_age=MAX_AGE)
    except SignatureExpired as error:
        raise StaleRecap("expired") from error
    except BadSignature as error:
        raise StaleRecap("invalid") from error
    if not isinstance(payload, dict) or payload.get("a") != account_id or payload.get("h") != _digest(message):
        raise StaleRecap("mismatch")
    return payload
