"""The launcher starts Redis, a worker and the web app, and leaves nothing running however it is stopped."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from rq import Queue, Worker

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Launched:
    """A running launcher and the instance folder it owns."""

    process: subprocess.Popen
    instance: Path
    log: Path

    def redis(self) -> redis.Redis:
        """Return a connection to the launcher's embedded Redis."""
        return redis.Redis(unix_socket_path=str(self.instance / "redis" / "redis.sock"))


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def leftovers(instance: Path) -> list[str]:
    """Return the command lines of live processes whose command line or environment names the instance."""
    marker = str(instance).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            if marker in cmdline or marker in (entry / "environ").read_bytes():
                found.append(entry.name + ": " + cmdline.replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return found


def wait_for(condition, timeout: float, what: str) -> None:
    """Wait until `condition()` is true, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def assert_no_leftovers(instance: Path, within: float) -> None:
    """Assert that no process of this instance is left after a short grace period."""
    deadline = time.monotonic() + within
    while leftovers(instance) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftovers(instance) == []


def answers_200(url: str) -> bool:
    """Tell whether the URL answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def seeded_instance(tmp_path_factory, redis_url) -> Path:
    """Return an instance folder holding the demo database, made once for the module."""
    path = tmp_path_factory.mktemp("seeded")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(TUTTI_INSTANCE_PATH=str(path), REDIS_URL=redis_url)
    seed = [sys.executable, "-m", "flask", "--app", "app", "seed-demo"]
    subprocess.run(seed, cwd=ROOT, env=env, check=True, capture_output=True)
    return path


@pytest.fixture
def launched(seeded_instance, tmp_path):
    """Start the launcher on a copy of the demo instance and a free port; wait until the app answers."""
    instance = tmp_path / "instance"
    shutil.copytree(seeded_instance, instance)
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "TUTTI_SMSC", "TUTTI_SMS_TRANSPORT")}
    env.update(TUTTI_INSTANCE_PATH=str(instance), TUTTI_PORT=str(port), TUTTI_STOP_TIMEOUT="3")
    log = tmp_path / "launcher.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "launcher.py"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    launched = Launched(process, instance, log)
    try:
        url = f"http://127.0.0.1:{port}/login"
        wait_for(lambda: process.poll() is not None or answers_200(url), 60, "the login page")
        assert process.poll() is None, log.read_text()
        wait_for(lambda: Worker.all(connection=launched.redis()), 15, "a registered RQ worker")
        yield launched
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for line in leftovers(instance):
            os.kill(int(line.split(":")[0]), signal.SIGKILL)


def start_long_job(launched: Launched) -> None:
    """Enqueue a job that sleeps for a minute and wait until a work-horse runs it."""
    job = Queue("tutti", connection=launched.redis()).enqueue(time.sleep, 60)
    wait_for(lambda: job.get_status(refresh=True) == "started", 15, "the job to start")


def assert_stops_cleanly(launched: Launched, signum: int) -> None:
    """Send the signal; the launcher must exit 0 within 20 s leaving no process of its instance behind."""
    launched.process.send_signal(signum)
    assert launched.process.wait(timeout=20) == 0, launched.log.read_text()
    assert_no_leftovers(launched.instance, within=1)
    assert "Tutti est arrêté." in launched.log.read_text()


def test_launcher_sigterm_stops_everything_even_a_running_job(launched):
    start_long_job(launched)
    assert_stops_cleanly(launched, signal.SIGTERM)


def test_launcher_sigint_stops_everything(launched):
    # The launcher announces itself once its own readiness check sees the web app, which can be a moment
    # after the test's check did.
    wait_for(lambda: "Tutti tourne sur http://127.0.0.1:" in launched.log.read_text(), 10, "the ready line")
    assert_stops_cleanly(launched, signal.SIGINT)


def test_launcher_sigkill_takes_its_children_down(launched):
    launched.process.kill()
    launched.process.wait()
    assert_no_leftovers(launched.instance, within=5)


def test_launcher_sigkill_takes_a_running_job_down(launched):
    start_long_job(launched)
    launched.process.kill()
    launched.process.wait()
    assert_no_leftovers(launched.instance, within=5)
