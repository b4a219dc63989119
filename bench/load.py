"""Load benchmark: 100 staff typing and 10 sending for 60 s, against gunicorn, a real worker and a real Redis.

    python -m bench.load                                       # a temporary SQLite database, a private Redis
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tutti_load python -m bench.load --reset   # PostgreSQL
    python -m bench.load --redis-url redis://127.0.0.1:6379/14 --duration 60 --typing 100 --sending 10

It prepares a fresh database (a school of 3,000 people, ample credit, one personal account with « Lecture
écriture » per simulated person), writes the instance `config.py` (the login limit raised for the run: 110
accounts log in from one address), starts gunicorn (`gunicorn.conf.py`, 3 workers × 4 threads by default for
a 2-core machine) and `python worker.py` (outbox transport), then runs the users of `bench/locustfile.py`:
- typing staff post the textarea to /sms/countdown each time its debounce fires (every 0.3–1.5 s);
- sending staff select people (« Tous les résultats » of a tag or a search), type, press Valider, read the
  recap, press Envoyer and poll the progress fragment every second until « Envoi terminé ».
Every user logs in first; the measured window starts once all are in (each then begins within 5 s). When it
ends, senders finish the send they are in; the benchmark waits for every campaign to finish and prints JSON:
requests per second, p50/p95/p99 per kind of request as the client saw them (`kinds`) and as gunicorn
timed them (`server_ms`, from its access log), errors (HTTP ≥ 400 or a failed check, with their
reasons), campaigns and their messages, the machine's load before and after.
Targets: no error; countdown p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.load_report import log_problems, report, server_times, settle

HERE = Path(__file__).resolve().parent.parent
PASSWORD = "banc-d-essai-des-tilleuls"


@dataclass
class Settings:
    """One run of the benchmark."""

    database_url: str | None = None  # default: a SQLite file in the run's folder
    redis_url: str | None = None  # default: a private redis-server on a unix socket in the run's folder
    reset: bool = False
    duration: float = 60
    typing: int = 100
    sending: int = 10
    people: int = 3000
    web_workers: int = 3
    web_threads: int = 4
    settle: float = 120  # how long to wait, after the run, for the last campaigns to finish


def _logins(settings: Settings) -> tuple[list[str], list[str]]:
    return ([f"saisie{i:03d}" for i in range(1, settings.typing + 1)],
            [f"envoi{i:02d}" for i in range(1, settings.sending + 1)])


def prepare(settings: Settings, url: str) -> int:
    """Create the schema and the school in an empty database; return the structure's id."""
    from bench.load_data import is_empty, load
    from tutti.accounts.passwords import hash_password
    from tutti.db import engine_options
    from tutti.models import create_all, metadata

    engine = create_engine(url, **engine_options(url))
    try:
        if settings.reset:
            metadata.drop_all(engine)
        create_all(engine)
        with Session(engine) as db:
            if not is_empty(db):
                raise SystemExit("The database already holds a structure: pass --reset to recreate Tutti's tables.")
            typing, sending = _logins(settings)
            return load(db, settings.people, typing + sending, hash_password(PASSWORD))
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(argv, cwd=HERE, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Ask a child (and its process group: gunicorn's and RQ's children) to stop, then insist."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _wait_until(ready, process: subprocess.Popen, what: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    from launcher import redis_server

    sock = folder / "redis.sock"
    process = _spawn([redis_server(), "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no",
                      "--dir", str(folder)], dict(os.environ), folder / "redis.log")
    _wait_until(sock.exists, process, "Redis", folder / "redis.log")
    return process, f"unix://{sock}"


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run(settings: Settings, folder: Path) -> dict:
    """Run the whole benchmark in `folder` (its instance, logs and database); return the report."""
    from tutti.db import normalise_url

    instance = folder / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    url = normalise_url(settings.database_url or f"sqlite:///{folder / 'load.db'}")
    started = time.monotonic()
    structure_id = prepare(settings, url)
    prepare_s = time.monotonic() - started
    (instance / "config.py").write_text(
        "# Written by bench/load.py for one run: every simulated person logs in from 127.0.0.1 within a minute.\n"
        f'TUTTI_LOGIN_LIMIT = "{10 * (settings.typing + settings.sending)} per minute"\n'
        f'RATELIMIT_KEY_PREFIX = "tutti-load-{uuid.uuid4().hex[:8]}"\n')
    children: list[subprocess.Popen] = []
    try:
        redis_url = settings.redis_url
        if not redis_url:
            redis, redis_url = _start_redis(folder)
            children.append(redis)
        port = _free_port()
        env = {**os.environ, "TUTTI_INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": redis_url,
               "TUTTI_QUEUE_NAME": f"tutti-load-{uuid.uuid4().hex[:8]}", "TUTTI_COOKIE_SECURE": "0",
               "TUTTI_SMS_TRANSPORT": "outbox", "TUTTI_WEB_WORKERS": str(settings.web_workers),
               "TUTTI_WEB_THREADS": str(settings.web_threads), "PYTHONUNBUFFERED": "1"}
        web = _spawn([sys.executable, "-m", "gunicorn", "-c", str(HERE / "gunicorn.conf.py"),
                      "--bind", f"127.0.0.1:{port}", "--access-logfile", str(folder / "access.log"),
                      "--access-logformat", '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)s',
                      "--error-logfile", str(folder / "gunicorn.log"), "app:create_app()"],
                     env, folder / "gunicorn.log")
        children.append(web)
        worker = _spawn([sys.executable, "worker.py"], env, folder / "worker.log")
        children.append(worker)
        host = f"http://127.0.0.1:{port}"
        _wait_until(lambda: _answers(host + "/login"), web, "gunicorn", folder / "gunicorn.log")
        typing, sending = _logins(settings)
        plan = {"host": host, "password": PASSWORD, "typing": typing, "sending": sending,
                "duration": settings.duration, "results": str(folder / "swarm.json")}
        (folder / "plan.json").write_text(json.dumps(plan))
        uptime_before = _uptime()
        swarm = _spawn([sys.executable, "-m", "bench.locustfile", str(folder / "plan.json")], env,
                       folder / "swarm.log")
        try:
            swarm.wait(settings.duration + 600)
        except subprocess.TimeoutExpired:
            _stop(swarm)
        uptime_after = _uptime()
        if not (folder / "swarm.json").exists():
            raise RuntimeError(f"the swarm wrote no figures: {(folder / 'swarm.log').read_text()[-3000:]}")
        figures = json.loads((folder / "swarm.json").read_text())
        waited = time.monotonic()
        settled = settle(url, structure_id, settings.settle)
        settle_s = time.monotonic() - waited
        figures["server"] = server_times(folder / "access.log", figures["window"])
    finally:
        for child in reversed(children):
            _stop(child)
    return report(settings, url, figures, settled, {
        "prepare_s": round(prepare_s, 1), "settle_s": round(settle_s, 1), "uptime_before": uptime_before,
        "uptime_after": uptime_after, "redis": "private redis-server" if not settings.redis_url else redis_url,
        **log_problems(folder / "access.log", folder / "gunicorn.log", folder / "worker.log")})


def main() -> None:
    """Parse the command line, run the benchmark in a temporary folder and print the JSON report."""
    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL URL (default: $DATABASE_URL, else a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="drop and recreate Tutti's tables first")
    parser.add_argument("--redis-url", help="a Redis server (default: a private redis-server for the run)")
    for name in ("duration", "typing", "sending", "people", "web_workers", "web_threads", "settle"):
        kind = type(getattr(defaults, name))
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=getattr(defaults, name))
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (logs, database) and print its path")
    args = parser.parse_args()
    settings = Settings(**{k: v for k, v in vars(args).items() if k != "keep"})
    folder = Path(tempfile.mkdtemp(prefix="tutti-load-"))
    try:
        result = run(settings, folder)
        if args.keep:
            result["folder"] = str(folder)
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
