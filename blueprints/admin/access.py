"""Who may use the administration pages: checked on the server, before anything is read or changed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from tutti.models import LEVEL_WRITE, MODULE_SMS, Account


def may_order_credit(account: Account) -> bool:
    """Say whether the account may order SMS credit: the administrator, or those who may send."""
    return account.structure_id is not None and (account.is_admin or account.level(MODULE_SMS) >= LEVEL_WRITE)


def _require(check: Callable[[Account], bool]):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


structure_member = _require(lambda a: a.structure_id is not None)
structure_admin = _require(lambda a: a.structure_id is not None and a.is_admin)
credit_orderer = _require(may_order_credit)
operator_only = _require(lambda a: a.is_operator)
