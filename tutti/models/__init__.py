"""Every table of Tutti, one module per concern; importing this package registers them all on Base.metadata.

The one list of the tables: base (the declarative base), structures, directory (people, tags, selections),
accounts (logins, rights, audit, reset links), credit (the ledger), sms (campaigns, messages, outbox, opt-outs),
embedding (API keys, embed links, frame origins).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tutti.models.accounts import (
    ACCOUNT_ADMIN,
    ACCOUNT_OPERATOR,
    ACCOUNT_PERSONAL,
    LEVEL_NONE,
    LEVEL_READ,
    LEVEL_WRITE,
    LEVELS,
    MODULE_PEOPLE,
    MODULE_SMS,
    MODULES,
    Account,
    AuditLog,
    PasswordResetLink,
    Right,
)
from tutti.models.base import (
    Base,
    utcnow,
)
from tutti.models.credit import (
    CreditMovement,
)
from tutti.models.directory import (
    SELECTION_ACCOUNT,
    SELECTION_LIST,
    SELECTION_ORIGINS,
    SELECTION_PANEL,
    SELECTION_PORTAL,
    Person,
    Selection,
    SelectionPerson,
    Tag,
    person_tags,
)
from tutti.models.embedding import (
    ApiKey,
    EmbedLink,
    FrameOrigin,
)
from tutti.models.sms import (
    ACCEPTED_STATES,
    CAMPAIGN_CANCELLED,
    CAMPAIGN_DONE,
    CAMPAIGN_LABELS,
    CAMPAIGN_QUEUED,
    CAMPAIGN_SCHEDULED,
    CAMPAIGN_SENDING,
    MESSAGE_LABELS,
    MSG_CANCELLED,
    MSG_DELIVERED,
    MSG_EXPIRED,
    MSG_FAILED,
    MSG_QUEUED,
    MSG_REJECTED,
    MSG_SENDING,
    MSG_SENT,
    MSG_UNDELIVERED,
    MSG_UNKNOWN,
    Campaign,
    Message,
    MessagePart,
    OptOut,
    OutboxEntry,
    message_people,
)
from tutti.models.structures import (
    ORDER_APPROVED,
    ORDER_LABELS,
    ORDER_PENDING,
    ORDER_REJECTED,
    ContactRequest,
    CreditOrder,
    Structure,
)

metadata = Base.metadata


def create_all(engine: Engine) -> None:
    """Create the tables that do not exist yet (a host portal's database; Tutti's own goes through the migrations)."""
    metadata.create_all(engine)


__all__ = [
    "ACCEPTED_STATES",
    "ACCOUNT_ADMIN",
    "ACCOUNT_OPERATOR",
    "ACCOUNT_PERSONAL",
    "Account",
    "ApiKey",
    "AuditLog",
    "Base",
    "CAMPAIGN_CANCELLED",
    "CAMPAIGN_DONE",
    "CAMPAIGN_LABELS",
    "CAMPAIGN_QUEUED",
    "CAMPAIGN_SCHEDULED",
    "CAMPAIGN_SENDING",
    "Campaign",
    "ContactRequest",
    "CreditMovement",
    "CreditOrder",
    "EmbedLink",
    "FrameOrigin",
    "LEVELS",
    "LEVEL_NONE",
    "LEVEL_READ",
    "LEVEL_WRITE",
    "MESSAGE_LABELS",
    "MODULES",
    "MODULE_PEOPLE",
    "MODULE_SMS",
    "MSG_CANCELLED",
    "MSG_DELIVERED",
    "MSG_EXPIRED",
    "MSG_FAILED",
    "MSG_QUEUED",
    "MSG_REJECTED",
    "MSG_SENDING",
    "MSG_SENT",
    "MSG_UNDELIVERED",
    "MSG_UNKNOWN",
    "Message",
    "MessagePart",
    "ORDER_APPROVED",
    "ORDER_LABELS",
    "ORDER_PENDING",
    "ORDER_REJECTED",
    "OptOut",
    "OutboxEntry",
    "PasswordResetLink",
    "Person",
    "Right",
    "SELECTION_ACCOUNT",
    "SELECTION_LIST",
    "SELECTION_ORIGINS",
    "SELECTION_PANEL",
    "SELECTION_PORTAL",
    "Selection",
    "SelectionPerson",
    "Structure",
    "Tag",
    "message_people",
    "create_all",
    "metadata",
    "person_tags",
    "utcnow",
]
