"""Parts that go away, for the fault tests: a Redis of the test's own, the worker process, the SMSC simulator.

Each fault test runs Tutti as it runs in production: the app under test records the campaign, `python worker.py`
(a separate process, configured through its environment only) sends it over SMPP to the simulator, and the
test stops and starts the part it is about.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import redis
from sqlalchemy import func, select

from tutti.models import ACCEPTED_STATES, CAMPAIGN_DONE, MSG_UNKNOWN, Campaign, CreditMovement, Message
from tutti.sms import credit

ROOT = Path(__file__).resolve().parent.parent


class RedisServer:
    """A redis-server of the test's own on a unix socket, without persistence: a restart starts it empty."""

    def __init__(self) -> None:
        # A short folder: unix socket paths are limited to about 107 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="tutti-faults-"))
        self.socket = self.folder / "redis.sock"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Return the URL web app and worker reach this server by."""
        return f"unix://{self.socket}"

    def start(self) -> None:
        """Start the server and wait until it answers."""
        from launcher import redis_server

        self.process = subprocess.Popen(
            [redis_server(), "--port", "0", "--unixsocket", str(self.socket), "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, 20, "redis-server to answer")

    def answers(self) -> bool:
        """Say whether the server answers PING."""
        try:
            with redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1) as probe:
                return bool(probe.ping())
        except (redis.RedisError, OSError):
            return False

    def stop(self) -> None:
        """Kill the server at once, as a crash or an out-of-memory kill would: what it held is lost."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None
        self.socket.unlink(missing_ok=True)

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def wait_for(condition, timeout: float, what: str):
    """Poll until condition() is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class WorkerProcess:
    """`python worker.py` in a process group of its own, its output kept in a log file."""

    def __init__(self, app, folder: Path, **env: str) -> None:
        self.log_path = folder / "worker.log"
        self.env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                        REDIS_URL=app.config["REDIS_URL"], TUTTI_QUEUE_NAME=app.config["TUTTI_QUEUE_NAME"],
                        TUTTI_SMS_TRANSPORT=app.config["TUTTI_SMS_TRANSPORT"], SECRET_KEY="faults-test",
                        TUTTI_INSTANCE_PATH=str(folder / "instance"), PYTHONUNBUFFERED="1",
                        TUTTI_SWEEP_SECONDS="1", TUTTI_SWEEP_GRACE_SECONDS="2", **env)
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        """Start the worker."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=self.env,
                                            start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
        return self

    def alive(self) -> bool:
        """Say whether the worker still runs."""
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        """Return what the worker wrote."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait(self, condition, timeout: float, what: str) -> None:
        """Wait until condition() holds while the worker lives; fail with the end of its log otherwise."""
        try:
            wait_for(lambda: condition() or not self.alive(), timeout, what)
        except AssertionError:
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{self.log_tail()}") from None
        assert self.alive(), (f"the worker died (code {self.process.returncode}) while waiting for {what}; "
                              f"worker log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 60) -> str:
        """Return the end of the worker's log, without the lines every run repeats."""
        noise = ("alembic.", "deliver_sm not matched")
        kept = [line for line in self.log().splitlines() if not any(n in line for n in noise)]
        return "\n".join(kept[-lines:])

    def stop(self) -> None:
        """Stop the worker as an operator would (SIGTERM to its group), killing it if it lingers."""
        if not self.alive():
            return
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def campaign_row(db, campaign_id: int) -> Campaign:
    """Return the campaign as other sessions committed it."""
    db.commit()
    return db.get(Campaign, campaign_id, populate_existing=True)


def settled(db, campaign_id: int) -> int:
    """Count the campaign's messages that left the queue."""
    db.commit()
    return db.scalar(select(func.count()).where(Message.campaign_id == campaign_id,
                                                Message.state.not_in(("queued", "sending"))))


def assert_sent_exactly_once(db, campaign_id: int, received: Counter, phones: set[str]) -> None:
    """Each number got one SMS (or is recorded unknown), none got two, credit captured = SMS accepted."""
    campaign = campaign_row(db, campaign_id)
    assert campaign.status == CAMPAIGN_DONE and campaign.finished_at is not None
    assert [phone for phone, times in received.items() if times > 1] == []
    assert set(received) <= phones
    states = dict(db.execute(select(Message.phone, Message.state).where(Message.campaign_id == campaign_id)).all())
    assert [p for p in phones if p not in received and states[p] != MSG_UNKNOWN] == []
    assert [p for p, s in states.items() if s in ACCEPTED_STATES and p not in received] == []
    totals = credit.campaign_totals(db, campaign_id)
    parts = campaign.parts_per_message
    accepted = sum(1 for s in states.values() if s in ACCEPTED_STATES)
    assert totals[credit.CAPTURE] == accepted * parts
    held = db.scalar(select(func.count()).where(Message.campaign_id == campaign_id, Message.credit_held.is_(True)))
    assert totals[credit.RESERVATION] == campaign.cost
    assert totals[credit.CAPTURE] + totals[credit.RELEASE] + held * parts == totals[credit.RESERVATION]
    assert credit.balance(db, campaign.structure_id) == credit.ledger_balance(db, campaign.structure_id)
    # Finished once: one capture and at most one release in the ledger.
    kinds = Counter(db.scalars(select(CreditMovement.kind).where(
        CreditMovement.campaign_id == campaign_id)))
    assert kinds[credit.CAPTURE] <= 1 and kinds[credit.RELEASE] <= 1
