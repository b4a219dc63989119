"""One-time password links: issued by the administrator, valid 48 hours, kept hashed, consumed once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tutti.accounts.accounts import structure_account
from tutti.accounts.audit import audit
from tutti.accounts.passwords import PasswordRejected, hash_password, password_refusals
from tutti.models import (
    Account,
    PasswordResetLink,
    utcnow,
)
from tutti.refusals import Refusal, Refused

RESET_LINK_TTL = timedelta(hours=48)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_reset_link(db: Session, structure_id: int, account_id: int, actor: Account | None,
                     now: datetime | None = None) -> str:
    """Return a new one-time token for the account; older unused links stop working."""
    now = now or utcnow()
    account = structure_account(db, structure_id, account_id)
    if not account.active:
        raise Refused(Refusal("account_disabled"))
    db.execute(update(PasswordResetLink).where(PasswordResetLink.account_id == account.id,
                                               PasswordResetLink.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.add(PasswordResetLink(account_id=account.id, token_hash=_token_hash(token),
                             created_by=actor.id if actor else None, created_at=now, expires_at=now + RESET_LINK_TTL))
    audit(db, structure_id, actor, "account.reset_link", account.login)
    db.commit()
    return token


def _live_link(token: str, now: datetime):
    return select(PasswordResetLink).where(
        PasswordResetLink.token_hash == _token_hash(token), PasswordResetLink.used_at.is_(None),
        PasswordResetLink.expires_at > now)


def reset_link_account(db: Session, token: str, now: datetime | None = None) -> Account | None:
    """Return the account a reset token opens, or None when it is unknown, used, replaced or expired."""
    link = db.scalar(_live_link(token or "", now or utcnow()))
    account = db.get(Account, link.account_id) if link else None
    return account if account is not None and account.active else None


def consume_reset_link(db: Session, token: str, password: str, now: datetime | None = None) -> Account:
    """Set the account's password through its one-time link, and end the account's open sessions."""
    now = now or utcnow()
    link = db.scalar(_live_link(token or "", now))
    account = db.get(Account, link.account_id) if link else None
    if account is None or not account.active:
        raise Refused(Refusal("reset_link_invalid"))
    refusals = password_refusals(password, account.login)
    if refusals:
        raise PasswordRejected(*refusals)
    used = db.execute(update(PasswordResetLink).where(PasswordResetLink.id == link.id,
                                                      PasswordResetLink.used_at.is_(None)).values(used_at=now))
    if used.rowcount != 1:  # the same link, submitted twice at once
        db.rollback()
        raise Refused(Refusal("reset_link_just_used"))
    db.execute(update(Account).where(Account.id == account.id).values(
        password_hash=hash_password(password), session_version=Account.session_version + 1))
    audit(db, account.structure_id, account, "account.password_set", account.login)
    db.commit()
    db.refresh(account)
    return account
