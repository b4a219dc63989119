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
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent.parent
PASSWORD = "banc-d-essai-des-tilleuls"
TARGETS = {"errors": 0, "countdown_p95_ms": 50}
FINISHED = ("done", "cancelled")


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
    from tutti.db import engine_options
    from tutti.passwords import hash_password
    from tutti.schema import create_all, metadata

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


def _settle(url: str, structure_id: int, timeout: float) -> dict:
    """Wait for every campaign to finish; return campaigns by status and messages by state."""
    from tutti.sms_models import Campaign, Message

    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with Session(engine) as db:
                campaigns = dict(db.execute(select(Campaign.id, Campaign.status)
                                            .where(Campaign.structure_id == structure_id)).all())
                if all(s in FINISHED for s in campaigns.values()) or time.monotonic() > deadline:
                    states = dict(db.execute(select(Message.state, func.count())
                                             .where(Message.campaign_id.in_(campaigns)).group_by(Message.state)).all())
                    return {"campaigns": campaigns, "messages_by_state": states,
                            "balance_ok": _balance_ok(db, structure_id)}
            time.sleep(0.5)
    finally:
        engine.dispose()


def _balance_ok(db: Session, structure_id: int) -> bool:
    from tutti import credit

    return credit.balance(db, structure_id) == credit.ledger_balance(db, structure_id) >= 0


KINDS = [("/sms/countdown", "countdown"), ("/sms/compose", "compose"), ("/sms/recap", "recap"),
         ("/sms/send", "envoyer"), ("/progress", "progress"), ("/people/selection", "selection"),
         ("/people/actions", "actions")]
ACCESS = re.compile(r'\[([^\]]+)\] "\w+ (\S+) [^"]*" (\d{3}) .* (\d+)$')


def server_times(log: Path, window: list[float]) -> dict:
    """Return p50/p95/p99 of the time gunicorn took per kind of request (ms) within the measured window."""
    from datetime import datetime

    times: dict[str, list[int]] = {}
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        found = ACCESS.search(line)
        if not found:
            continue
        at = datetime.strptime(found.group(1), "%d/%b/%Y:%H:%M:%S %z").timestamp()
        kind = next((k for part, k in KINDS if part in found.group(2)), None)
        if kind and window[0] <= at + 0.5 < window[1]:
            times.setdefault(kind, []).append(int(found.group(4)))
    return {kind: {f"p{q}_ms": sorted(t)[min(len(t) - 1, max(0, -(-q * len(t) // 100) - 1))] for q in (50, 95, 99)}
            for kind, t in sorted(times.items())}


def _log_problems(*logs: Path) -> dict:
    """Count the statuses in gunicorn's access log and collect the exceptions the servers logged."""
    statuses: Counter[str] = Counter()
    exceptions: Counter[str] = Counter()
    for log in logs:
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        for i, line in enumerate(lines):
            status = re.search(r'" (\d{3}) ', line)
            if status and log.name == "access.log":
                statuses[status.group(1)] += 1
            if line.startswith("Traceback"):
                last = next((x for x in lines[i + 1:] if x and not x.startswith((" ", "\t"))), "?")
                exceptions[f"{log.name}: {last[:200]}"] += 1
    return {"access_log_statuses": dict(statuses), "exceptions": dict(exceptions)}


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
        settled = _settle(url, structure_id, settings.settle)
        settle_s = time.monotonic() - waited
        figures["server"] = server_times(folder / "access.log", figures["window"])
    finally:
        for child in reversed(children):
            _stop(child)
    return _report(settings, url, figures, settled, {
        "prepare_s": round(prepare_s, 1), "settle_s": round(settle_s, 1), "uptime_before": uptime_before,
        "uptime_after": uptime_after, "redis": "private redis-server" if not settings.redis_url else redis_url,
        **_log_problems(folder / "access.log", folder / "gunicorn.log", folder / "worker.log")})


def _report(settings: Settings, url: str, figures: dict, settled: dict, extra: dict) -> dict:
    """Put the swarm's figures, what the database holds and what the logs say into one report."""
    campaigns, states = settled["campaigns"], settled["messages_by_state"]
    answered = figures["envoyer_campaigns"]
    reasons = Counter(figures["error_reasons"]) + Counter(figures["warmup"]["error_reasons"])
    missing = [c for c in answered if c not in campaigns]
    unfinished = sorted(c for c, s in campaigns.items() if s not in FINISHED)
    waiting = states.get("queued", 0) + states.get("sending", 0)
    countdown = figures["kinds"].get("countdown", {})
    errors = sum(reasons.values())
    report = {
        "database": url.split(":", 1)[0].split("+")[0], "redis": extra.pop("redis"),
        "gunicorn": {"workers": settings.web_workers, "threads": settings.web_threads, "class": "gthread"},
        "users": {"typing": settings.typing, "sending": settings.sending}, "people": settings.people,
        "cpus": os.cpu_count(), **{k: extra.pop(k) for k in ("uptime_before", "uptime_after")},
        "seconds": figures["seconds"], "requests": figures["requests"], "requests_per_s": figures["requests_per_s"],
        "kinds": figures["kinds"], "server_ms": figures["server"], "client_cpu_s": figures["client_cpu_s"],
        "errors": errors, "error_reasons": dict(reasons.most_common()),
        "warmup": {k: v for k, v in figures["warmup"].items() if k != "error_reasons"},
        "sending": {
            "envoyer_answered": len(answered), "campaigns_recorded": len(campaigns),
            "campaigns_by_status": dict(Counter(campaigns.values())), "envoyer_without_campaign": missing,
            "campaigns_unfinished": unfinished, "progress_seen_finished": len(figures["finished_seen"]),
            "messages": sum(states.values()), "messages_finished": sum(states.values()) - waiting,
            "messages_by_state": states, "balance_equals_ledger": settled["balance_ok"],
        },
        **extra,
        "targets": TARGETS,
        "targets_met": {"errors": errors == 0 and not extra["exceptions"],
                        "countdown_p95_ms": countdown.get("p95_ms", 1e9) <= TARGETS["countdown_p95_ms"]},
    }
    return report


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
        report = run(settings, folder)
        if args.keep:
            report["folder"] = str(folder)
        print(json.dumps(report, indent=2, ensure_ascii=False))
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
