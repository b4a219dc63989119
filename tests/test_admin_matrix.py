"""Authorisation matrix: every route of the administration and operator pages × every kind of visitor."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.admin_world import (  # noqa: F401  (the fixtures are used by name)
    ROLES,
    World,
    app_config_fixture,
    db_fixture,
    login_as,
    world_fixture,
)
from tutti.models import AuditLog, CreditOrder

# Expected answers, in the order of ROLES: anonymous, admin, none, read, write, other_admin, operator.
# "login": a redirect to the login page; "go": a redirect elsewhere (the POST worked); a number: that status.
MEMBER_PAGE = ("login", 200, 200, 200, 200, 200, 403)
ADMIN_ONLY = ("login", 200, 403, 403, 403, 200, 403)
ADMIN_ONLY_POST = ("login", "go", 403, 403, 403, "go", 403)
ADMIN_OF_PERSON = ("login", 200, 403, 403, 403, 404, 403)
OPERATOR_ONLY = ("login", 403, 403, 403, 403, 403, 200)
OPERATOR_POST = ("login", 403, 403, 403, 403, 403, "go")
PUBLIC_RESET = (200,) * 7
LAST_RECORD_ACTION = 7  # index of the last person-record route below


def _routes(w: World) -> list[tuple[str, str, dict, tuple]]:
    """Return (method, url, form, expected) for every route, harmless ones first, the reset link before reuse."""
    settings = {"sender_name": "ECOLE", "phone_region": "FR", "window_policy": "warn", "low_credit_threshold": "20"}
    p = w.people
    return [
        ("GET", f"/reset/{w.token}", {}, PUBLIC_RESET),
        ("GET", f"/admin/people/{p['read']}", {}, ("login", 200, 200, 200, 200, 404, 403)),
        ("POST", f"/admin/people/{p['target']}/account", {"login": "nouveau.compte"}, ADMIN_OF_PERSON),
        ("POST", f"/admin/people/{p['read']}/account/reset", {}, ADMIN_OF_PERSON),
        ("POST", f"/admin/people/{p['read']}/account/disable", {}, ADMIN_OF_PERSON),
        ("POST", f"/admin/people/{p['read']}/account/enable", {}, ADMIN_OF_PERSON),
        ("POST", f"/admin/people/{p['read']}/rights", {"level_communication_sms": "1"}, ADMIN_OF_PERSON),
        ("POST", f"/admin/people/{p['victim']}/account/delete", {"confirm": "y"}, ADMIN_OF_PERSON),
        ("GET", "/admin/selection/accounts", {}, ADMIN_ONLY),
        ("GET", "/admin/selection/passwords", {}, ADMIN_ONLY),
        ("POST", "/admin/selection/passwords", {}, ADMIN_ONLY),
        ("GET", "/admin/sms/settings", {}, ADMIN_ONLY),
        ("POST", "/admin/sms/settings", settings, ADMIN_ONLY_POST),
        ("GET", "/admin/sms/option", {}, MEMBER_PAGE),
        ("GET", "/admin/sms/option/souscription.pdf", {}, MEMBER_PAGE),
        ("POST", "/admin/contact", {"subject": "option", "reply_to": "a@b.fr", "message": "Bonjour"},
         ("login", "go", "go", "go", "go", "go", 403)),
        ("GET", "/admin/credit/order", {}, ("login", 200, 403, 403, 200, 200, 403)),
        ("POST", "/admin/credit/order", {"pack": "100"}, ("login", "go", 403, 403, "go", "go", 403)),
        ("GET", "/admin/audit", {}, ADMIN_ONLY),
        ("GET", "/operator/", {}, OPERATOR_ONLY),
        ("POST", f"/operator/structures/{w.school}/option", {"enabled": "1"}, OPERATOR_POST),
        ("POST", f"/operator/orders/{w.order}/approve", {}, OPERATOR_POST),
        ("POST", f"/operator/orders/{w.order2}/reject", {}, OPERATOR_POST),
        ("POST", f"/operator/contacts/{w.contact}/handled", {}, OPERATOR_POST),
        ("POST", f"/reset/{w.token}", {"password": "un-nouveau-mot", "confirm": "un-nouveau-mot"},
         ("login",) * 7),  # set: back to the login page
    ]


def _outcome(response) -> str | int:
    if response.status_code == 302:
        return "login" if "/login" in response.headers["Location"] else "go"
    return response.status_code


def _audit_rows(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditLog))


@pytest.mark.parametrize("role", ROLES)
def test_admin_routes_authorisation_matrix(client, db, world, role):
    login_as(client, world, role)
    index = ROLES.index(role)
    mismatches = []
    before = _audit_rows(db)
    for number, (method, url, form, expected) in enumerate(_routes(world)):
        response = client.open(url, method=method, data=form)
        if _outcome(response) != expected[index]:
            mismatches.append(f"{method} {url}: {_outcome(response)} (expected {expected[index]})")
        if number == LAST_RECORD_ACTION and role not in ("admin", "other_admin"):
            # Refused accounts and rights changes wrote nothing (another structure's admin: see its 404 tests).
            assert _audit_rows(db) == before, role
    assert mismatches == []
    db.expire_all()
    assert db.get(CreditOrder, world.order).status == ("approved" if role == "operator" else "pending")
