"""The time the SMS flow reads: the real clock, or the one a test installs in TUTTI_CLOCK."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from tutti.models import utcnow


def now() -> datetime:
    """Return the current time, timezone-aware."""
    clock = current_app.config.get("TUTTI_CLOCK")
    return clock() if clock else utcnow()
