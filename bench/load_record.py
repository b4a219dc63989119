"""What the simulated staff of the load benchmark do and measure: the plan they follow, what they record."""

from __future__ import annotations

import math
import resource
from collections import Counter, defaultdict


class Plan:
    """What the swarm does, read from the JSON file the orchestrator writes."""

    def __init__(self, data: dict):
        self.host: str = data["host"]
        self.password: str = data["password"]
        self.typing_logins: list[str] = data["typing"]
        self.sending_logins: list[str] = data["sending"]
        self.duration: float = data["duration"]
        self.results: str = data["results"]
        self.login_timeout: float = data.get("login_timeout", 180)


def percentile(ordered: list[float], q: float) -> float:
    """Return the nearest-rank percentile of sorted samples."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class Record:
    """Every request's time (ms, float) by kind while measuring, and every error with its reason."""

    def __init__(self) -> None:
        self.phase = "warmup"  # then "measuring", then "closing" (senders finish the send they are in)
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.warmup_errors: Counter[str] = Counter()
        self.logins: list[float] = []
        self.envoyer: list[int] = []  # campaign ids, one per Envoyer answered
        self.finished_seen: set[int] = set()
        self.ready = 0
        self.sends_in_progress = 0
        self.began = 0.0  # when the measure began (epoch seconds)

    @property
    def measuring(self) -> bool:
        """Say whether requests are being timed."""
        return self.phase == "measuring"

    def request(self, request_type, name, response_time, response_length, exception=None, **_kw) -> None:
        """Note one request (locust's request event)."""
        if name == "login" and exception is None:
            self.logins.append(response_time)
        if self.measuring:
            self.times[name].append(response_time)
        if exception is not None:
            (self.warmup_errors if self.phase == "warmup" else self.errors)[f"{name}: {exception}"] += 1

    def summary(self, seconds: float, warmup_seconds: float) -> dict:
        """Return the figures of the measured window."""
        kinds = {}
        for name, times in sorted(self.times.items()):
            ordered = sorted(times)
            kinds[name] = {"requests": len(ordered), "per_s": round(len(ordered) / seconds, 1),
                           **{f"p{q}_ms": round(percentile(ordered, q / 100), 1) for q in (50, 95, 99)},
                           "max_ms": round(ordered[-1], 1)}
        total = sum(len(t) for t in self.times.values())
        return {
            "window": [round(self.began, 3), round(self.began + seconds, 3)], "seconds": round(seconds, 1),
            "requests": total, "requests_per_s": round(total / seconds, 1),
            "kinds": kinds, "errors": sum(self.errors.values()), "error_reasons": dict(self.errors.most_common()),
            "warmup": {"seconds": round(warmup_seconds, 1), "users_ready": self.ready,
                       "login_p50_ms": round(percentile(sorted(self.logins), 0.5), 1) if self.logins else None,
                       "errors": sum(self.warmup_errors.values()),
                       "error_reasons": dict(self.warmup_errors.most_common())},
            "client_cpu_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
            "envoyer_campaigns": self.envoyer, "finished_seen": sorted(self.finished_seen),
        }
