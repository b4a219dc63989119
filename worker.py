"""`python worker.py`: build the app once, then run an RQ worker (with its scheduler) on Tutti's queue.

Beside the queue, a sweeper thread hands back campaigns the queue lost (recorded while Redis was
down, or left by a worker that died) every TUTTI_SWEEP_SECONDS; with an SMPP transport, a receiver
thread keeps a bind open for delivery receipts and STOP replies (TUTTI_RECEIVER=0 turns it off;
`python worker.py --receiver-only` runs the receiver alone).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import redis
from rq import SimpleWorker, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy.orm import Session, sessionmaker

from app import create_app
from tutti import redis_conn

log = logging.getLogger("tutti.worker")


class ListensEverySecond:
    """An RQ worker that listens for RQ's commands (stop a job, shut down) in a thread looking up every second.

    RQ's own thread waits up to 60 s per look, and redis-py's PubSubWorkerThread.stop() waits for it without a
    timeout: a worker told to stop (SIGTERM), or a burst run at its end, could take a minute to go.
    """

    def subscribe(self) -> None:
        log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler)


class InProcessWorker(ListensEverySecond, SimpleWorker):
    """Runs jobs in this process, with no work-horse: for the tests' burst runs."""


class TuttiWorker(ListensEverySecond, Worker):
    """An RQ worker whose work-horses die with it, even when it is killed with SIGKILL."""

    def setup_work_horse_signals(self) -> None:
        """Set the work-horse's signals and ask Linux to kill it when the worker dies."""
        super().setup_work_horse_signals()
        if sys.platform.startswith("linux"):
            # RQ puts each work-horse in a process group of its own, out of reach of a killpg on the
            # worker; a horse outliving its worker could send a message another run also sends.
            ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
            if os.getppid() != self.pid:  # the worker died before prctl took effect
                os._exit(1)

    def perform_job(self, job: Job, *args, **kwargs) -> bool:
        """Run the job in the work-horse, then log one line of its outcome (and its campaign's, for a send)."""
        started = time.perf_counter()
        ok = super().perform_job(job, *args, **kwargs)
        try:
            log_job_outcome(job, ok, time.perf_counter() - started, self.name)
        except Exception:  # a log line must never turn a finished job into a failed one
            log.exception("could not log the outcome of job %s", job.id)
        return ok


def log_job_outcome(job: Job, ok: bool, seconds: float, worker: str) -> None:
    """Log the job's id, function, result and duration; for a campaign, its status and messages per state."""
    from tutti import logs, runtime
    from tutti.sms.queue import JOB

    fields = {"job_id": job.id, "function": job.func_name, "job_status": "finished" if ok else "failed",
              "duration_ms": round(seconds * 1000, 1), "worker": worker}
    if ok:
        fields["result"] = str(job.return_value(refresh=True))
    if job.func_name == JOB and job.args:
        with runtime.session() as db:
            fields.update(logs.campaign_outcome(db, int(job.args[0])))
    log.info("job %s %s", job.func_name, fields["job_status"], extra=fields)


def build_worker(app, name: str | None = None) -> Worker:
    """Return a worker on the app's queue whose jobs find the app's database and transport."""
    from tutti import runtime

    state = app.extensions["tutti"]
    engine = _engine(app)
    runtime.configure_from_app(app, engine)
    # No pooled connection may cross the fork into a work-horse.
    engine.dispose()
    return TuttiWorker([state["queue"]], connection=state["redis"], name=name)


def sweep_once(app, sessions: SideSessions, grace: float | None = None) -> list[int]:
    """Re-enqueue the campaigns no job will pick up; return their ids."""
    from tutti.deliveries import release_expired_holds
    from tutti.sms.queue import campaign_job_ids, enqueue_campaign, holds, jobs_per_campaign
    from tutti.sweeper import GRACE, sweep

    queue = app.extensions["tutti"]["queue"]
    shares = jobs_per_campaign(app.config)

    def is_pending(campaign_id: int) -> bool:
        return holds(queue, campaign_job_ids(queue, campaign_id, shares))

    def enqueue(campaign_id: int, retry: bool) -> bool:
        # One retry per campaign per lease period, however many workers sweep: the new job needs
        # that long to take the lease, and would otherwise be joined by a new one every sweep.
        # Keyed by queue too: campaign ids are per database, and two databases may share one Redis.
        swept = f"tutti:swept:{queue.name}:{campaign_id}"
        if retry and not queue.connection.set(swept, 1, nx=True, ex=_lease_seconds(app)):
            return False
        if not retry:
            # The job's record left by a run that failed or by a lost queue: the new job takes its id.
            for name in campaign_job_ids(queue, campaign_id, shares):
                try:
                    Job.fetch(name, connection=queue.connection).delete()
                except NoSuchJobError:
                    pass
        return enqueue_campaign(db, queue, campaign_id, retry=retry, shares=shares)

    with sessions() as db:
        release_expired_holds(db)
        return sweep(db, enqueue, is_pending, GRACE if grace is None else timedelta(seconds=grace))


def _lease_seconds(app) -> int:
    from tutti.sms.claims import LEASE

    return int(app.config.get("TUTTI_JOB_SETTINGS", {}).get("lease_seconds") or LEASE.total_seconds()) * 2


# Held by a thread beside the worker (sweeper, receiver) while its session is open, and by the worker while it
# forks a work-horse: a fork never copies a thread caught inside the driver or the connection pool, whose
# locks (SQLite's own mutexes included) would stay held for ever in the child and hang it.
_FORK_GUARD = threading.RLock()
os.register_at_fork(before=_FORK_GUARD.acquire, after_in_parent=_FORK_GUARD.release,
                    after_in_child=_FORK_GUARD.release)


class SideSessions:
    """Sessions for the threads that live beside the worker; a work-horse is never forked while one is open."""

    def __init__(self, maker: sessionmaker) -> None:
        self.maker = maker

    @contextlib.contextmanager
    def __call__(self) -> Iterator[Session]:
        with _FORK_GUARD, self.maker() as db:
            yield db


def side_sessions(app) -> SideSessions:
    """Return sessions on an engine of their own, for the threads that live beside the worker."""
    engine = _engine(app)
    # A work-horse forked while a thread holds a pooled connection must never use or close it.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    return SideSessions(sessionmaker(engine, expire_on_commit=False))


def _engine(app):
    """Return an engine of its own on the app's database."""
    from tutti.db import make_engine

    return make_engine(app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"],
                       app.instance_path)


def start_receiver(app, sessions: SideSessions):
    """Keep an SMPP bind open for delivery receipts and STOP replies, when the transport is SMPP."""
    from tutti.deliveries import apply_inbound, apply_receipt
    from tutti.smpp.config import BindConfig
    from tutti.smpp.receiver import Receiver

    def on_receipt(provider_id: str, stat: str, error: str | None, source: str) -> None:
        with sessions() as db:
            apply_receipt(db, provider_id, stat, error, source)

    def on_inbound(source: str, _destination: str, text: str) -> None:
        with sessions() as db:
            apply_inbound(db, source, text)

    config = BindConfig.from_url(app.config["TUTTI_SMS_TRANSPORT"])
    receiver = Receiver(config, on_receipt=on_receipt, on_inbound=on_inbound)
    receiver.start()
    return receiver


def start_sweeper(app, interval: float, grace: float | None = None) -> threading.Event:
    """Run the sweeper every `interval` seconds in a daemon thread; set the returned event to stop it.

    `grace`: how old a campaign never enqueued must be before the sweeper enqueues it (default 30 s).
    """
    sessions = side_sessions(app)
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                sweep_once(app, sessions, grace)
            except Exception:  # the sweeper must outlive a database or Redis that is briefly away
                log.exception("sweep failed; trying again in %s s", interval)

    threading.Thread(target=loop, name="tutti-sweeper", daemon=True).start()
    return stop


def main(argv: list[str]) -> int:
    """Run the worker until it is told to stop."""
    from tutti import logs

    # Plain text unless TUTTI_LOG_FORMAT=json; create_app reads the same settings.
    logs.configure_from_env(default_format="text")
    app = create_app()
    smpp = app.config["TUTTI_SMS_TRANSPORT"].startswith("smpp://")
    if "--receiver-only" in argv:
        if not smpp:
            log.error("the receiver needs TUTTI_SMS_TRANSPORT=smpp://…")
            return 2
        start_receiver(app, side_sessions(app))
        threading.Event().wait()
    burst = "--burst" in argv
    if not burst:
        grace = os.environ.get("TUTTI_SWEEP_GRACE_SECONDS")
        start_sweeper(app, float(os.environ.get("TUTTI_SWEEP_SECONDS", "30")), float(grace) if grace else None)
        if smpp and os.environ.get("TUTTI_RECEIVER", "1") != "0":
            start_receiver(app, side_sessions(app))
    run_worker(app, burst)
    return 0


def run_worker(app, burst: bool = False) -> None:
    """Run the RQ worker; when Redis goes away under it, wait for Redis and run a new one.

    RQ retries while it waits for a job, but gives up if Redis is away when a job ends. The job's
    state is in SQL, so the only thing lost with that worker is its record in Redis.
    """
    connection = app.extensions["tutti"]["redis"]
    while True:
        # Started while Redis is away (a reboot, a restart), the worker waits for it instead of dying.
        redis_conn.wait_until_up(connection, log)
        worker = build_worker(app)
        try:
            worker.work(with_scheduler=True, burst=burst, logging_level="INFO")
            if burst or worker._shutdown_requested_date is not None:
                return
            # RQ logs an error it did not expect (Redis gone while it watched a work-horse) and returns as if
            # told to stop: nobody asked, so a new worker starts once Redis answers.
            log.warning("the RQ worker stopped without being asked to; a new worker starts once Redis answers")
            time.sleep(1)
        except (redis.ConnectionError, redis.TimeoutError):
            log.exception("Redis went away under the worker; a new worker starts once it is back")
            if worker.pubsub_thread is not None:
                worker.pubsub_thread.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
