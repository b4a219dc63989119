"""What the load benchmark reports: the swarm's figures, what the database holds, what the servers logged."""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bench.load_record import percentile

if TYPE_CHECKING:
    from bench.load import Settings

TARGETS = {"errors": 0, "countdown_p95_ms": 50}
FINISHED = ("done", "cancelled")


def settle(url: str, structure_id: int, timeout: float) -> dict:
    """Wait for every campaign to finish; return campaigns by status and messages by state."""
    from tutti.models import Campaign, Message

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
                            "balance_ok": balance_ok(db, structure_id)}
            time.sleep(0.5)
    finally:
        engine.dispose()


def balance_ok(db: Session, structure_id: int) -> bool:
    from tutti.sms import credit

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
    return {kind: {f"p{q}_ms": percentile(sorted(t), q / 100) for q in (50, 95, 99)}
            for kind, t in sorted(times.items())}


def log_problems(*logs: Path) -> dict:
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


def report(settings: Settings, url: str, figures: dict, settled: dict, extra: dict) -> dict:
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
