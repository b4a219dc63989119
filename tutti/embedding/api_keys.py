"""API keys of a structure: created by its administrator, shown once, kept as a hash, revocable.

A key reads `tutti_<prefix>_<secret>`: the prefix is public and finds the row, the whole key is
checked against its SHA-256 (a fast hash is right for 256 random bits: there is nothing to guess).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tutti.accounts.audit import audit
from tutti.models import Account, ApiKey, utcnow
from tutti.refusals import NotFound, Refusal, Refused

KEY_START = "tutti_"
MAX_NAME = 80
# last_used_at is written at most this often per key, so that a busy portal does not write on every call.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class NewKey:
    """A key just created: `secret` is the whole key, shown once and never again."""

    id: int
    prefix: str
    secret: str


def create_key(db: Session, structure_id: int, name: str, actor: Account | None) -> NewKey:
    """Create a key for the structure; the caller shows `secret` once."""
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= MAX_NAME:
        raise Refused(Refusal("key_name_length", max=MAX_NAME))
    prefix = secrets.token_hex(4)
    secret = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(structure_id=structure_id, name=name, prefix=prefix, key_hash=_hash(secret),
                 created_by=actor.login if actor else "")
    db.add(key)
    db.flush()
    audit(db, structure_id, actor, "api.key_create", f"{name} ({KEY_START}{prefix}…)")
    db.commit()
    return NewKey(key.id, prefix, secret)


def revoke_key(db: Session, structure_id: int, key_id: int, actor: Account | None) -> None:
    """Revoke a key of the structure: it opens nothing from now on."""
    key = db.get(ApiKey, key_id)
    if key is None or key.structure_id != structure_id:
        raise NotFound("key_not_found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit(db, structure_id, actor, "api.key_revoke", f"{key.name} ({KEY_START}{key.prefix}…)")
        db.commit()


def structure_keys(db: Session, structure_id: int) -> list[ApiKey]:
    """Return the structure's keys, newest first (revoked ones included)."""
    return list(db.scalars(select(ApiKey).where(ApiKey.structure_id == structure_id).order_by(ApiKey.id.desc())))


def parse_prefix(key: str) -> str | None:
    """Return the public prefix of a key as presented, or None when it is not shaped like one."""
    if not key.startswith(KEY_START):
        return None
    prefix, sep, rest = key[len(KEY_START):].partition("_")
    if not sep or not rest or len(prefix) != 8 or not all(c in "0123456789abcdef" for c in prefix):
        return None
    return prefix


def authenticate(db: Session, key: str, now: datetime | None = None) -> ApiKey | None:
    """Return the active key matching what a caller presented, recording when it was last used."""
    prefix = parse_prefix(key or "")
    if prefix is None:
        return None
    found = db.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if found is None or found.revoked_at is not None or not hmac.compare_digest(found.key_hash, _hash(key)):
        return None
    now = now or utcnow()
    if found.last_used_at is None or _aware(found.last_used_at) < now - TOUCH_EVERY:
        db.execute(update(ApiKey).where(ApiKey.id == found.id).values(last_used_at=now))
        db.commit()
    return found


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
