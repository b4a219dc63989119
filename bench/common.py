"""What the benchmarks share: the app they time, a SQL statement counter, and the figures they report."""

from __future__ import annotations

import os
import statistics
from contextlib import contextmanager

from sqlalchemy import event


def make_app(database_url: str, instance: str, **config):
    """Build the app on `database_url`, its instance folder (embedded Redis, secret key) in `instance`."""
    os.environ["TUTTI_INSTANCE_PATH"] = instance  # keeps the embedded Redis and the secret key out of the repository
    from app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "bench",
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "TUTTI_LOGIN_LIMIT": "1000 per minute",
        "RATELIMIT_KEY_PREFIX": f"bench-{os.getpid()}",
        "TUTTI_QUEUE_NAME": f"tutti-bench-{os.getpid()}",
        **config,
    })


def analyze(engine) -> None:
    """Give the planner statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")


class QueryCounter:
    """Count the SQL statements the engine sends."""

    def __init__(self, engine):
        self.count = 0
        self.last = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1

    @contextmanager
    def measure(self):
        """Count the statements sent inside the block; read `.last` afterwards."""
        start = self.count
        yield
        self.last = self.count - start


def p95(samples: list[float]) -> float:
    """Return the 95th percentile of the samples (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summary(samples: list[float], prefix: str = "") -> dict:
    """Return the median and p95 of millisecond samples, rounded, under keys that start with `prefix`."""
    return {f"{prefix}median_ms": round(statistics.median(samples), 2), f"{prefix}p95_ms": round(p95(samples), 2)}


def machine() -> dict:
    """Say how busy the machine was: figures on a loaded machine are not comparable with an idle one."""
    return {"load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
