"""Time the SMS flow over 20,000 people and print JSON (a measurement, not a test).

    python -m bench.sms_flow                                   # a temporary SQLite database, an embedded Redis
    python -m bench.sms_flow --database-url postgresql://…/db --reset   # PostgreSQL (its Tutti tables are recreated)
    python -m bench.sms_flow --redis-url redis://127.0.0.1:6379/4       # a Redis server instead of the embedded one

What is timed, through the test client: "server_median_ms" is the app's own WSGI call (routing, queries,
rendering: what the targets are about), "median_ms" adds the test client's work, and "cpu_median_ms" is this
process's CPU time (steadier than the wall clock on a busy machine; on SQLite it includes the database's work):
- the countdown fragment, for a plain and for a UCS-2 message;
- the recap with every person of the structure selected;
- Envoyer for that selection (each run presses Envoyer on a fresh recap, so each records a new campaign);
- the job, run by `python worker.py --burst` in a child process on a real Redis with the outbox transport:
  messages per second from the campaign's started_at to its finished_at, and the peak resident memory of the
  worker's process tree (ru_maxrss) and of the work-horse alone (VmHWM), for a small and a large campaign.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, insert, select

from bench.common import QueryCounter, machine, make_app, summary

HERE = Path(__file__).resolve().parent.parent
PASSWORD = "bench-mot-de-passe"
MESSAGES = {
    "gsm": "Répétition générale samedi à 14h30, salle Molière : apportez vos partitions et vos pupitres. Merci !",
    "ucs2": "Répétition générale samedi à 14h30, salle Molière : n’oubliez pas vos partitions, c’est la fête !",
}
TARGETS = {"countdown_median_ms": 5, "recap_median_ms": 250, "envoyer_median_ms": 300, "job_messages_per_s": 2000}
# Runs the worker as a child and reports the peak resident memory of its process tree (worker and work-horse).
SERVER: ServerTimer  # set in main(): times the app's WSGI call
RUSAGE_WRAPPER = (
    "import resource, subprocess, sys; "
    "code = subprocess.call([sys.executable, 'worker.py', '--burst']); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL (or other) URL; default: a temporary SQLite file")
    parser.add_argument("--reset", action="store_true", help="drop and recreate Tutti's tables in --database-url")
    parser.add_argument("--redis-url", help="a Redis server; default: an embedded Redis in a temporary folder")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--countdown-runs", type=int, default=200)
    parser.add_argument("--recap-runs", type=int, default=10)
    parser.add_argument("--send-runs", type=int, default=5)
    parser.add_argument("--job-sizes", default="5000,20000", help="people selected for each timed job")
    return parser.parse_args()


def _make_app(database_url: str, redis_url: str | None, instance: str):
    extra = {"REDIS_URL": redis_url} if redis_url else {}
    return make_app(database_url, instance, TUTTI_SMS_TRANSPORT="outbox", **extra)


def _load(db, count: int, seed: int = 36_608) -> tuple[int, int]:
    """Bulk-insert a structure with `count` people, most with a distinct mobile; return (structure, account)."""
    from tutti.accounts.passwords import hash_password
    from tutti.directory.people import fold
    from tutti.models import ACCOUNT_PERSONAL, LEVEL_WRITE, MODULE_SMS, Account, OptOut, Person, Structure
    from tutti.sms import credit

    rng = random.Random(seed)
    structure = Structure(name="Conservatoire du banc d'essai", sms_option=True, sender_name="BENCH")
    db.add(structure)
    db.flush()
    credit.add(db, structure.id, 100_000_000, kind=credit.INITIAL)
    numbers = iter(rng.sample(range(10_000_000, 100_000_000), count))
    rows, opted_out, previous = [], [], "+33610000000"
    for i in range(count):
        first, last = f"Prénom{i % 613}", f"Nom{i % 1009}"
        phone = {"mobile_raw": "", "mobile_e164": None, "mobile_kind": "none"}
        if i % 17 == 1:
            pass  # pas de mobile
        elif i % 23 == 2:
            phone = {"mobile_raw": "01 23 45 67 89", "mobile_e164": f"+3312{i:07d}", "mobile_kind": "landline"}
        elif i % 31 == 3:
            phone = {"mobile_raw": "0612", "mobile_e164": None, "mobile_kind": "invalid"}
        elif i % 29 == 4:
            phone = {"mobile_raw": previous, "mobile_e164": previous, "mobile_kind": "mobile"}  # siblings
        else:
            previous = f"+336{next(numbers):08d}"
            phone = {"mobile_raw": previous, "mobile_e164": previous, "mobile_kind": "mobile"}
            if i % 211 == 5:
                opted_out.append({"structure_id": structure.id, "phone": previous, "text": "STOP"})
        rows.append({"structure_id": structure.id, "first_name": first, "last_name": last, "sexe": "F",
                     "first_name_key": fold(first), "last_name_key": fold(last), **phone})
    db.execute(insert(Person), rows)
    db.execute(insert(OptOut), opted_out)
    account = Account(structure_id=structure.id, kind=ACCOUNT_PERSONAL, login="bench",
                      password_hash=hash_password(PASSWORD))
    account.set_level(MODULE_SMS, LEVEL_WRITE)
    db.add(account)
    db.commit()
    return structure.id, account.id


class ServerTimer:
    """Time the app's WSGI call alone: the server's time, without the test client building and reading messages."""

    def __init__(self, app):
        self.last = 0.0
        self._inner = app.wsgi_app
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        start = time.perf_counter()
        try:
            return list(self._inner(environ, start_response))
        finally:
            self.last = (time.perf_counter() - start) * 1000


def _time(request: Callable[[], object], runs: int, counter: QueryCounter, warmup: int = 3,
          before: Callable[[], object] | None = None) -> dict:
    """Return median and p95 in ms (wall clock, server time alone, this process's CPU) and the queries sent."""
    for _ in range(warmup):  # templates compiled, statement caches filled
        if before:
            before()
        request()
    samples, server, cpu, queries = [], [], [], []
    for _ in range(runs):
        if before:
            before()
        with counter.measure():
            start, start_cpu = time.perf_counter(), time.process_time()
            request()
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        server.append(SERVER.last)
        queries.append(counter.last)
    return {**summary(samples), **summary(server, "server_"), "cpu_median_ms": round(statistics.median(cpu), 2),
            "queries": max(queries), "runs": runs}


def _ok(response, status: int = 200, root: str | None = None):
    page = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, page[:300])
    assert root is None or page.lstrip().startswith(f'<section id="{root}"'), page[:300]
    return response


def _token(page: str) -> str:
    import re

    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def _horse_peak_kb(worker_pid: int, done: Callable[[], bool]) -> int:
    """Sample the work-horses the worker forks; return the highest VmHWM seen (kB)."""
    peak = 0
    while not done():
        for child in _children(worker_pid):
            peak = max(peak, _vm_hwm(child))
        time.sleep(0.02)
    return peak


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    found += [grand for child in found for grand in _children(child)]
    return found


def _vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _run_worker(app, database_url: str, instance: str) -> dict:
    """Run `python worker.py --burst` (under a wrapper that reports ru_maxrss); return its figures."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": app.config["REDIS_URL"],
           "TUTTI_QUEUE_NAME": app.config["TUTTI_QUEUE_NAME"], "TUTTI_INSTANCE_PATH": instance,
           "SECRET_KEY": "bench", "TUTTI_SMS_TRANSPORT": "outbox"}
    started = time.perf_counter()
    wrapper = subprocess.Popen([sys.executable, "-c", RUSAGE_WRAPPER], cwd=HERE, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    horse_kb = 0
    while wrapper.poll() is None and not _children(wrapper.pid):
        time.sleep(0.01)
    workers = _children(wrapper.pid)
    if workers:
        horse_kb = _horse_peak_kb(workers[0], lambda: wrapper.poll() is not None)
    out, err = wrapper.communicate()
    assert wrapper.returncode == 0, err[-2000:]
    return {"burst_seconds": round(time.perf_counter() - started, 2),
            "tree_maxrss_mb": round(int(out.split()[-1]) / 1024, 1), "horse_vmhwm_mb": round(horse_kb / 1024, 1)}


def main() -> None:
    """Load the people, log in, time each step of the flow and print the JSON report."""
    args = _parse_args()
    with tempfile.TemporaryDirectory(prefix="tutti-bench-sms-") as tmp:
        instance = os.path.join(tmp, "instance")
        url = args.database_url or f"sqlite:///{os.path.join(tmp, 'bench.db')}"
        app = _make_app(url, args.redis_url, instance)
        from blueprints.extensions import db
        from tutti.directory import selections
        from tutti.models import Campaign, Person, create_all, metadata
        from tutti.sms import credit

        with app.app_context():
            if args.reset:
                metadata.drop_all(db.engine)
            create_all(db.engine)
            if db.session.scalar(select(func.count()).select_from(Person)):
                raise SystemExit("The database already holds people: pass --reset to recreate Tutti's tables.")
            started = time.perf_counter()
            structure_id, account_id = _load(db.session, args.people)
            load_s = time.perf_counter() - started
            person_ids = list(db.session.scalars(select(Person.id).where(Person.structure_id == structure_id)
                                                 .order_by(Person.id)))
            counter = QueryCounter(db.engine)
            dialect = db.engine.dialect.name
            engine_url = db.engine.url.render_as_string(hide_password=False)

        global SERVER
        SERVER = ServerTimer(app)
        client = app.test_client()
        _ok(client.post("/login", data={"login": "bench", "password": PASSWORD}), 302)
        hx = {"HX-Request": "true"}
        queue = app.extensions["tutti"]["queue"]

        def choose(ids: list[int]) -> None:
            with app.app_context():
                selections.replace(db.session, selections.of_account(db.session, account_id), structure_id, ids)
                db.session.commit()

        def countdown(kind: str):
            return lambda: _ok(client.post("/sms/countdown", data={"message": MESSAGES[kind]}, headers=hx))

        def recap():
            return _ok(client.post("/sms/recap", data={"message": MESSAGES["gsm"]}, headers=hx), root="recap")

        results = {
            "countdown_gsm": _time(countdown("gsm"), args.countdown_runs, counter),
            "countdown_ucs2": _time(countdown("ucs2"), args.countdown_runs, counter),
        }
        choose(person_ids)
        results["recap"] = _time(recap, args.recap_runs, counter, warmup=2)
        recap_page = recap().get_data(as_text=True)

        tokens: list[str] = []
        results["envoyer"] = _time(
            lambda: _ok(client.post("/sms/send", data={"message": MESSAGES["gsm"], "token": tokens.pop()},
                                    headers=hx), root="progress"),
            args.send_runs, counter, warmup=1,
            before=lambda: tokens.append(_token(recap().get_data(as_text=True))))
        queue.empty()  # those campaigns only timed Envoyer: no worker sends them

        jobs = {}
        for size in [int(s) for s in args.job_sizes.split(",")]:
            choose(person_ids[:size])
            _ok(client.post("/sms/send", data={"message": MESSAGES["gsm"], "token": _token(recap().get_data(
                as_text=True))}, headers=hx), root="progress")
            with app.app_context():
                campaign_id = db.session.scalar(select_last_campaign(Campaign, structure_id))
                db.session.remove()
                db.engine.dispose()  # the worker's sessions get the database to themselves
            figures = _run_worker(app, engine_url, instance)
            with app.app_context():
                campaign = db.session.get(Campaign, campaign_id)
                sent = campaign.recipients
                seconds = (campaign.finished_at - campaign.started_at).total_seconds()
                totals = credit.campaign_totals(db.session, campaign_id)
                jobs[str(size)] = {
                    "people_selected": campaign.people_selected, "messages": sent, "status": campaign.status,
                    "job_seconds": round(seconds, 3), "messages_per_s": round(sent / seconds) if seconds else None,
                    "cost": campaign.cost, "captured": totals[credit.CAPTURE], **figures,
                }
                db.session.remove()

        with app.app_context():
            balance_ok = credit.balance(db.session, structure_id) == credit.ledger_balance(db.session, structure_id)
            db.session.remove()
        slowest_job = min(j["messages_per_s"] or 0 for j in jobs.values())
        sizes = sorted(jobs, key=int)
        measured = {  # server time: what the targets are about
            "countdown_median_ms": max(results["countdown_gsm"]["server_median_ms"],
                                       results["countdown_ucs2"]["server_median_ms"]),
            "recap_median_ms": results["recap"]["server_median_ms"],
            "envoyer_median_ms": results["envoyer"]["server_median_ms"],
            "job_messages_per_s": slowest_job,
        }
        report = {
            "database": dialect,
            "redis": "embedded" if not args.redis_url else "server",
            **machine(),
            "people": args.people,
            "load_seconds": round(load_s, 2),
            "recap_figures": _recap_figures(recap_page),
            "results": results,
            "jobs": jobs,
            "memory_growth_mb": {
                "tree_maxrss": round(jobs[sizes[-1]]["tree_maxrss_mb"] - jobs[sizes[0]]["tree_maxrss_mb"], 1),
                "horse_vmhwm": round(jobs[sizes[-1]]["horse_vmhwm_mb"] - jobs[sizes[0]]["horse_vmhwm_mb"], 1),
            },
            "balance_equals_ledger": balance_ok,
            "targets": TARGETS,
            "measured": measured,
            "targets_met": {
                name: (measured[name] >= target if name == "job_messages_per_s" else measured[name] <= target)
                for name, target in TARGETS.items()
            },
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def select_last_campaign(campaign, structure_id: int):
    """Return the SELECT of the structure's newest campaign id."""
    return select(campaign.id).where(campaign.structure_id == structure_id).order_by(campaign.id.desc()).limit(1)


def _recap_figures(page: str) -> dict:
    import html
    import re

    plain = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    cost = re.search(r"coûtera : ([\d\s]+) SMS", plain)
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    return {"cost": cost.group(1).strip() if cost else None, **{k: html.unescape(v) for k, v in figures.items()}}


if __name__ == "__main__":
    main()
