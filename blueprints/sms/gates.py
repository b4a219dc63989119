"""The prerequisites of sending an SMS, enforced on the server for every SMS route."""

from __future__ import annotations

from functools import wraps

from flask import render_template

from blueprints.extensions import account_required, current_account
from blueprints.htmx import is_htmx
from tutti.models import LEVEL_READ, LEVEL_WRITE, MODULE_SMS, Account
from tutti.structures.sms_settings import sender_name_ok

GATE_OPTION, GATE_SETTINGS, GATE_ADMIN, GATE_RIGHTS, GATE_NO_STRUCTURE, GATE_NO_ACCOUNT = (
    "option", "settings", "admin", "rights", "no_structure", "no_account")


def send_gate(account: Account | None) -> str | None:
    """Return the first prerequisite the account misses to send an SMS, or None."""
    if account is None:
        return GATE_NO_ACCOUNT
    if account.structure is None:
        return GATE_NO_STRUCTURE
    if not account.structure.sms_option:
        return GATE_OPTION
    if not sender_name_ok(account.structure.sender_name):
        return GATE_SETTINGS
    if account.is_admin:
        return GATE_ADMIN
    if account.level(MODULE_SMS) < LEVEL_WRITE:
        return GATE_RIGHTS
    return None


def read_gate(account: Account | None) -> str | None:
    """Return why the account may not read the SMS history, or None."""
    if account is None:
        return GATE_NO_ACCOUNT
    if account.structure is None:
        return GATE_NO_STRUCTURE
    if account.level(MODULE_SMS) < LEVEL_READ:
        return GATE_RIGHTS
    return None


def write_gate(account: Account | None) -> str | None:
    """Return why the account may not change the SMS module's data (opt-outs), or None."""
    if account is None:
        return GATE_NO_ACCOUNT
    if account.structure is None:
        return GATE_NO_STRUCTURE
    if account.level(MODULE_SMS) < LEVEL_WRITE:
        return GATE_RIGHTS
    return None


def refuse(gate: str):
    """Render the gate in French, with a way forward; always a 403."""
    template = "sms/_gate.html" if is_htmx() else "sms/gate_page.html"
    return render_template(template, gate=gate), 403


def _guarded(check):
    def decorator(view):
        @wraps(view)
        @account_required
        def wrapper(*args, **kwargs):
            gate = check(current_account._get_current_object())
            return refuse(gate) if gate else view(*args, **kwargs)

        return wrapper

    return decorator


can_send = _guarded(send_gate)
can_read = _guarded(read_gate)
