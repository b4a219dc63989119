"""The RQ queue Tutti's jobs go through."""

from __future__ import annotations

import redis
from rq import Queue


def make_queue(connection: redis.Redis, name: str = "tutti") -> Queue:
    """Return the queue the web app enqueues on and the workers listen to."""
    return Queue(name, connection=connection)
