"""Structured logs: one JSON object per line for hosted deployments (TUTTI_LOG_FORMAT=json), or plain text.

Lines carry ids and figures, never a message's text; phone numbers that reach a log line anyway are masked.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# E.164 numbers and French national ones (« 06 12 34 56 78 » written without spaces).
_PHONE = re.compile(r"(?<![\w+])(\+\d{8,15}|0\d{9})(?!\d)")
_FORMATS = ("json", "text")


def mask_phones(text: str) -> str:
    """Hide the middle of every phone number in the text, keeping the two last digits to tell them apart."""
    return _PHONE.sub(lambda m: m.group(0)[:3] + "•" * (len(m.group(0)) - 5) + m.group(0)[-2:], text)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """Return the extra fields a caller passed with `extra=`."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """Format a record as JSON, with the extra fields a caller passed."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_phones(record.getMessage()),
        }
        entry.update(_fields(record))
        if record.exc_info:
            entry["exception"] = mask_phones(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Format a record as one line of text, its extra fields appended as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of text."""
        line = super().format(record)
        extra = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        return mask_phones(f"{line} {extra}" if extra else line)


class _TuttiHandler(logging.StreamHandler):
    """The handler `configure` installs, told apart from handlers others (a test runner, a host) installed."""


def configure(fmt: str = "text", level: str = "INFO") -> None:
    """Send logs to stderr, as JSON lines or as plain text; handlers others installed stay."""
    if fmt not in _FORMATS:
        raise ValueError(f"TUTTI_LOG_FORMAT must be one of {', '.join(_FORMATS)}, not {fmt!r}")
    handler = _TuttiHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _TuttiHandler)] + [handler]
    root.setLevel(level.upper())
    # Importing Alembic (Flask-Migrate does, in every process) announces its plugins at INFO: noise, not events.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def configure_from_env(environ: Mapping[str, str] | None = None, default_format: str | None = None) -> bool:
    """Configure logging from TUTTI_LOG_FORMAT and TUTTI_LOG_LEVEL; leave it alone when neither is set."""
    environ = os.environ if environ is None else environ
    fmt = environ.get("TUTTI_LOG_FORMAT") or default_format
    level = environ.get("TUTTI_LOG_LEVEL")
    if not fmt and not level:
        return False
    configure(fmt or "text", level or "INFO")
    return True


def campaign_outcome(db, campaign_id: int) -> dict[str, Any]:
    """Return the fields that tell how a campaign stands: structure, status and messages per state (no text)."""
    from sqlalchemy import func, select

    from tutti.models import Campaign, Message

    campaign = db.get(Campaign, campaign_id)
    if campaign is None:
        return {"campaign_id": campaign_id, "campaign_status": "missing"}
    states = dict(db.execute(select(Message.state, func.count()).where(Message.campaign_id == campaign_id)
                             .group_by(Message.state)).all())
    return {"campaign_id": campaign_id, "structure_id": campaign.structure_id, "campaign_status": campaign.status,
            "recipients": campaign.recipients, "messages": states}
