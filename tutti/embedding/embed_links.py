"""Embed links: signed, short-lived and single-use; and the origins a structure lets frame its SMS panel.

A link carries a signature (itsdangerous, keyed by the app's secret) over the row's id and a random nonce;
its use is recorded in SQL by one guarded UPDATE, so that two openings of one link cannot both succeed.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tutti.accounts.audit import audit
from tutti.models import LEVEL_WRITE, MODULE_SMS, Account, ApiKey, EmbedLink, FrameOrigin, utcnow
from tutti.refusals import Refusal, Refused

LINK_TTL = timedelta(minutes=5)
MAX_PEOPLE = 5000
MAX_ORIGINS = 20
SALT = "tutti-embed-link"

TAMPERED, EXPIRED, USED, GONE = "tampered", "expired", "used", "gone"
# What ends a link and its panel after it was made: the key that made it revoked, the SMS write right removed.
REVOKED, NO_RIGHT = "revoked", "no_right"


class LinkRefused(Exception):
    """The link cannot open the panel; `reason` is one of TAMPERED, EXPIRED, USED, GONE, REVOKED, NO_RIGHT."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def issue(db: Session, secret: str, structure_id: int, account: Account, person_ids: list[int],
          api_key_id: int | None, ttl: timedelta = LINK_TTL, now: datetime | None = None) -> tuple[str, datetime]:
    """Record a link for an account of the structure and these people; return its signed token and expiry."""
    now = now or utcnow()
    link = EmbedLink(structure_id=structure_id, account_id=account.id, api_key_id=api_key_id,
                     nonce=secrets.token_urlsafe(24), person_ids=json.dumps(person_ids), expires_at=now + ttl)
    db.add(link)
    db.flush()
    token = _serializer(secret).dumps({"i": link.id, "n": link.nonce})
    expires = link.expires_at
    db.commit()
    return token, expires


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def consume(db: Session, secret: str, token: str, now: datetime | None = None) -> EmbedLink:
    """Open a link once: return its row, or raise LinkRefused (a forged, expired, used or orphaned link)."""
    try:
        payload = _serializer(secret).loads(token or "")
    except BadSignature as error:
        raise LinkRefused(TAMPERED) from error
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int) or not isinstance(payload.get("n"), str):
        raise LinkRefused(TAMPERED)
    link = db.get(EmbedLink, payload["i"])
    if link is None or not secrets.compare_digest(link.nonce, payload["n"]):
        raise LinkRefused(TAMPERED)
    now = now or utcnow()
    if link.used_at is not None:
        raise LinkRefused(USED)
    if _aware(link.expires_at) <= now:
        raise LinkRefused(EXPIRED)
    refusal = link_refusal(db, link, db.get(Account, link.account_id))
    if refusal is not None:
        raise LinkRefused(refusal)
    taken = db.execute(update(EmbedLink).where(EmbedLink.id == link.id, EmbedLink.used_at.is_(None))
                       .values(used_at=now)).rowcount
    db.commit()
    if taken != 1:
        raise LinkRefused(USED)
    return link


def may_send(account: Account) -> bool:
    """Say whether an account may be given a link: it holds « Communication - SMS » in writing."""
    return account.level(MODULE_SMS) >= LEVEL_WRITE


def link_refusal(db: Session, link: EmbedLink, account: Account | None) -> str | None:
    """Say why a link, or the panel it opened, may act no more (REVOKED, GONE, NO_RIGHT), or None while it may."""
    if link.api_key_id is not None and db.scalar(
            select(ApiKey.revoked_at).where(ApiKey.id == link.api_key_id)) is not None:
        return REVOKED
    if account is None or not account.active or account.structure_id != link.structure_id:
        return GONE
    if not may_send(account):
        return NO_RIGHT
    return None


def panel_refusal(db: Session, link_id: object, account: Account | None) -> str | None:
    """Say why the panel a link opened must stop at this request, or None: checked on every panel request."""
    link = db.get(EmbedLink, link_id) if isinstance(link_id, int) else None
    return GONE if link is None else link_refusal(db, link, account)


def link_people(link: EmbedLink) -> list[int]:
    """Return the ids of the people the link preselects."""
    return [int(i) for i in json.loads(link.person_ids or "[]")]


# Origins allowed to frame the panel -------------------------------------------------------------------------------

def normalise_origin(text: str) -> str | None:
    """Return `scheme://host[:port]` for an http(s) origin typed by staff, or None when it is not one."""
    text = text.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment:
        return None
    if parts.username or parts.password or any(c in parts.hostname for c in " *;,'\""):
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def frame_origins(db: Session, structure_id: int) -> list[str]:
    """Return the origins allowed to frame the structure's panel, in the order staff typed them."""
    return list(db.scalars(select(FrameOrigin.origin).where(FrameOrigin.structure_id == structure_id)
                           .order_by(FrameOrigin.position, FrameOrigin.id)))


def set_frame_origins(db: Session, structure_id: int, text: str, actor: Account | None) -> bool:
    """Replace the allowlist with the origins typed one per line; refuse the whole list if one is wrong."""
    origins: list[str] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        origin = normalise_origin(line)
        if origin is None:
            raise Refused(Refusal("origin_invalid", origin=line.strip()[:100]))
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise Refused(Refusal("too_many_origins", max=MAX_ORIGINS))
    if origins == frame_origins(db, structure_id):
        return False
    db.execute(delete(FrameOrigin).where(FrameOrigin.structure_id == structure_id))
    db.add_all(FrameOrigin(structure_id=structure_id, origin=o, position=i) for i, o in enumerate(origins))
    audit(db, structure_id, actor, "embed.origins", "", " ".join(origins))
    db.commit()
    return True
