"""The RQ queue Tutti's jobs go through, and what RQ still holds of a job."""

from __future__ import annotations

import time

import redis
from rq import Queue
from rq.utils import parse_composite_key


def make_queue(connection: redis.Redis, name: str = "tutti") -> Queue:
    """Return the queue the web app enqueues on and the workers listen to."""
    return Queue(name, connection=connection)


def holds(queue: Queue, job_ids: list[str]) -> bool:
    """Say whether RQ has one of these jobs waiting or running on the queue.

    Waiting: scheduled, deferred, in the queue, or just taken by a worker (RQ's intermediate list);
    running: in the started registry with a live heartbeat (a dead worker's entry expires within about
    90 s). The places are read in the order a job moves through them, so that a job moving on while they
    are read is still seen in the next one.
    """
    connection = queue.connection
    for key in (queue.scheduled_job_registry.key, queue.deferred_job_registry.key):
        if any(connection.zscore(key, job_id) is not None for job_id in job_ids):
            return True
    for key in (queue.key, queue.intermediate_queue_key):
        if any(connection.lpos(key, job_id) is not None for job_id in job_ids):
            return True
    running = connection.zrangebyscore(queue.started_job_registry.key, time.time(), "+inf")
    started = {parse_composite_key(entry.decode() if isinstance(entry, bytes) else entry)[0] for entry in running}
    return bool(started & set(job_ids))
