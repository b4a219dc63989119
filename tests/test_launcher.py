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
    port: int

    def output(self) -> str:
        """Return what the launcher wrote so far."""
        return self.log.read_text(errors="replace")

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
    launched = Launched(process, instance, log, port)
    try:
        url = f"http://127.0.0.1:{port}/login"
        wait_for(lambda: process.poll() is not None or answers_200(url), 60, "the login page")
        assert process.poll() is None, log.read_text()
        wait_for(lambda: Worker.all(connection=launched.redis()), 15, "a registered RQ worker")
        # The page can answer before the launcher has seen it answer: until it says so, it is still starting.
        wait_for(lambda: "Tutti tourne sur" in launched.output(), 15, "the launcher to say Tutti runs")
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


def child_pids(launched: Launched, script: str) -> list[int]:
    """Return the pids of the launcher's children whose command line runs `script`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        # redis-server rewrites its command line ("…/redis-server unixsocket:…"): its program name is enough.
        named = os.path.basename(cmdline[0].split(b" ")[0]) == script.encode()
        if parent == launched.process.pid and (script.encode() in cmdline or named):
            found.append(int(entry.name))
    return found


def the_worker(launched: Launched) -> int:
    """Wait until the launcher runs exactly one worker process; return its pid."""
    wait_for(lambda: len(child_pids(launched, "worker.py")) == 1, 30, "one worker process")
    return child_pids(launched, "worker.py")[0]


def live_worker_pids(launched: Launched) -> set[int]:
    """Return the pids of the RQ workers registered in the launcher's Redis."""
    return {worker.pid for worker in Worker.all(connection=launched.redis())}


def test_launcher_restarts_a_dead_worker_with_a_growing_pause_while_the_web_app_serves(launched):
    login = f"http://127.0.0.1:{launched.port}/login"
    first = the_worker(launched)
    wait_for(lambda: first in live_worker_pids(launched), 30, "the first worker to register")

    os.killpg(first, signal.SIGKILL)
    wait_for(lambda: "Le processus worker s'est arrêté (code -9) : redémarrage dans 1 s" in launched.output(), 10,
             "the launcher to say it restarts the worker")
    assert answers_200(login)  # the web app keeps serving meanwhile
    wait_for(lambda: "Le processus worker a redémarré" in launched.output(), 15, "the restart")
    second = the_worker(launched)
    assert second != first
    wait_for(lambda: second in live_worker_pids(launched), 60, "the new worker to register in RQ")

    # It dies again at once: the pause doubles.
    os.killpg(second, signal.SIGKILL)
    wait_for(lambda: "redémarrage dans 2 s" in launched.output(), 10, "a longer pause the second time")
    assert answers_200(login) and launched.process.poll() is None
    wait_for(lambda: the_worker(launched) not in (first, second), 30, "a third worker")
    # The worker started again does the work: a job enqueued now runs.
    job = Queue("tutti", connection=launched.redis()).enqueue("os.getpid")
    wait_for(lambda: job.get_status(refresh=True) == "finished", 60, "the new worker to run a job")
    assert "arrêt de Tutti" not in launched.output()
    assert_stops_cleanly(launched, signal.SIGTERM)


def test_launcher_stops_everything_when_the_web_app_dies(launched):
    web = child_pids(launched, "run")
    assert len(web) == 1
    os.killpg(web[0], signal.SIGKILL)
    assert launched.process.wait(timeout=30) == 1, launched.output()
    assert "Le processus web s'est arrêté (code -9) : arrêt de Tutti." in launched.output()
    assert "Tutti s'est arrêté sur une erreur." in launched.output()
    assert_no_leftovers(launched.instance, within=1)


def test_launcher_restarts_the_embedded_redis_and_the_worker_works_again(launched):
    server = child_pids(launched, "redis-server")
    assert len(server) == 1
    os.killpg(server[0], signal.SIGKILL)
    wait_for(lambda: "Le processus redis-server s'est arrêté (code -9) : redémarrage dans 1 s" in launched.output(),
             10, "the launcher to say it restarts Redis")
    wait_for(lambda: child_pids(launched, "redis-server") not in ([], server), 15, "a new redis-server")
    job = Queue("tutti", connection=launched.redis()).enqueue("os.getpid")
    wait_for(lambda: job.get_status(refresh=True) == "finished", 60, "the worker to run a job")
    assert answers_200(f"http://127.0.0.1:{launched.port}/login") and launched.process.poll() is None
    assert_stops_cleanly(launched, signal.SIGTERM)
