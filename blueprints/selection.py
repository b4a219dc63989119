"""Which selection a request works on: the one its window names, in a header or a `sel` field.

A person list page makes its own selection and names it in `hx-headers` (`X-Tutti-Selection`) and in the `sel`
field of its links and forms; an embed panel and a host portal's page name theirs the same way. A request that
names another account's selection, or one of another structure, gets 404 (it learns nothing of it); a request
that names none (a script, a page from before selections per window) works on the account's own selection.
"""

from __future__ import annotations

from flask import abort, request
from werkzeug.exceptions import NotFound

from blueprints.extensions import current_account, session
from tutti.directory import selections
from tutti.models import Selection
from tutti.params import to_int

HEADER = "X-Tutti-Selection"
PARAM = "sel"


def named_id() -> str | None:
    """Return the selection id the request names (its `sel` field first, then its header), as sent."""
    raw = request.values.get(PARAM)
    if raw in (None, ""):
        raw = request.headers.get(HEADER)
    return raw if raw not in (None, "") else None


def current_or_none() -> Selection | None:
    """Return the selection the request works on, or None where `current` would answer 404."""
    try:
        return current()
    except NotFound:
        return None


def current() -> Selection:
    """Return the selection the request works on; 404 when it names one the account does not own."""
    account = current_account._get_current_object()
    if account is None or account.structure_id is None:
        abort(403)
    raw = named_id()
    db = session()
    if raw is None:
        selection = selections.account_selection(db, account.id, account.structure_id)
        db.commit()  # made on first use: kept even when the request itself writes nothing
        return selection
    found = selections.owned(db, to_int(raw), account.id, account.structure_id)
    if found is None:
        abort(404)
    return found
