"""The figures behind the pictures: a structure's balance over time, where a campaign's messages stand, SMS spent
per month.

Plain data for `tutti.charts` to draw and for the tables that carry the same figures to screen readers. Each
figure has a pure function (rows in, figures out, tested without a database) and a query that feeds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutti.models import CreditMovement
from tutti.sms import credit

PARIS = ZoneInfo("Europe/Paris")
MARK_TOPUP, MARK_SEND = "topup", "send"
# The balance over time covers a year; past that many movements, only the most recent are drawn.
TIMELINE_DAYS = 365
TIMELINE_MOVEMENTS = 1000


def aware(moment: datetime) -> datetime:
    """Return a datetime read from the database as UTC-aware (SQLite hands back naive ones; Tutti stores UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# --- the balance over time --------------------------------------------------------------------------


@dataclass(frozen=True)
class BalancePoint:
    """The balance just after one movement of the ledger."""

    at: datetime
    balance: int
    delta: int
    kind: str
    campaign_id: int | None = None

    @property
    def mark(self) -> str | None:
        """Say how the picture marks this movement: a top-up, a send, or not at all (credit given back)."""
        if self.kind in (credit.INITIAL, credit.TOPUP):
            return MARK_TOPUP
        if self.kind == credit.RESERVATION:
            return MARK_SEND
        return None


@dataclass(frozen=True)
class Timeline:
    """The balance from `start` to `end`: `opening` before the first point, then after each movement."""

    start: datetime
    end: datetime
    opening: int | None
    points: list[BalancePoint] = field(default_factory=list)

    @property
    def current(self) -> int:
        """Return the balance at the end of the timeline."""
        return self.points[-1].balance if self.points else (self.opening or 0)

    @property
    def top(self) -> int:
        """Return the highest balance the timeline reaches."""
        return max([p.balance for p in self.points] + [self.opening or 0])

    def count(self, mark: str) -> int:
        """Return how many movements carry that mark."""
        return sum(1 for p in self.points if p.mark == mark)


def timeline(points: Iterable[BalancePoint], now: datetime, since: datetime,
             carried: int | None = None) -> Timeline | None:
    """Build the balance from `since` to `now` out of ledger movements in order; None when there is nothing to draw.

    `carried` is the balance at `since`, when a movement came before it; without one the timeline starts at its
    first movement. A capture moves no credit (its SMS were reserved already): it is left out.
    """
    kept = [p for p in points if p.delta != 0]
    if not kept and carried is None:
        return None
    start = since if carried is not None else kept[0].at
    return Timeline(start=start, end=max([now, *(p.at for p in kept)]), opening=carried, points=kept)


def balance_timeline(db: Session, structure_id: int, now: datetime, days: int = TIMELINE_DAYS,
                     limit: int = TIMELINE_MOVEMENTS) -> Timeline | None:
    """Read a structure's balance over the last `days` (at most its `limit` latest movements) from its ledger."""
    since = now - timedelta(days=days)
    rows = db.execute(
        select(CreditMovement.created_at, CreditMovement.balance_after, CreditMovement.delta, CreditMovement.kind,
               CreditMovement.campaign_id)
        .where(CreditMovement.structure_id == structure_id, CreditMovement.created_at >= since,
               CreditMovement.delta != 0)
        .order_by(CreditMovement.id.desc()).limit(limit)
    ).all()
    points = [BalancePoint(aware(at), balance, delta, kind, campaign_id)
              for at, balance, delta, kind, campaign_id in reversed(rows)]
    if len(points) == limit:  # cut short: the picture starts at the oldest movement kept
        first = points[0]
        return timeline(points, now, first.at, carried=first.balance - first.delta)
    carried = db.scalar(
        select(CreditMovement.balance_after)
        .where(CreditMovement.structure_id == structure_id, CreditMovement.created_at < since)
        .order_by(CreditMovement.id.desc()).limit(1)
    )
    return timeline(points, now, since, carried=carried)


# --- where a campaign's messages stand --------------------------------------------------------------

# The groups of the stacked bar, in the order a send moves through them; message states (tutti.models.sms) per group.
STATE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("delivered", ("delivered",)),
    ("sent", ("sent",)),
    ("waiting", ("queued", "sending")),
    ("undelivered", ("undelivered", "expired", "rejected")),
    ("failed", ("failed",)),
    ("unknown", ("unknown",)),
    ("cancelled", ("cancelled",)),
)
# Always shown, even at zero, so that the legend does not move while a send goes on.
STATE_GROUPS_ALWAYS = ("delivered", "sent", "waiting", "failed", "unknown")


@dataclass(frozen=True)
class StateCount:
    """How many of a campaign's messages are in one group of states."""

    key: str
    count: int


def message_states(by_state: Mapping[str, int]) -> list[StateCount]:
    """Group a campaign's message counts by state into the bar's groups, in order (zeros kept where always shown)."""
    counts = [StateCount(key, sum(by_state.get(state, 0) for state in states)) for key, states in STATE_GROUPS]
    return [c for c in counts if c.count or c.key in STATE_GROUPS_ALWAYS]


# --- SMS spent per month ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthSpend:
    """The SMS debited in one calendar month (Paris time)."""

    month: date
    sms: int


def last_months(now: datetime, months: int = 12) -> list[date]:
    """Return the first days of the `months` calendar months that end with `now`'s (Paris time), oldest first."""
    local = now.astimezone(PARIS)
    year, month = local.year, local.month
    firsts = []
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


def spend_by_month(captures: Iterable[tuple[datetime, int]], now: datetime, months: int = 12) -> list[MonthSpend]:
    """Add up debited SMS per calendar month over the last `months` months, every month listed (0 when none)."""
    firsts = last_months(now, months)
    totals = dict.fromkeys(firsts, 0)
    for at, sms in captures:
        local = aware(at).astimezone(PARIS)
        key = date(local.year, local.month, 1)
        if key in totals:
            totals[key] += sms
    return [MonthSpend(month, totals[month]) for month in firsts]


def monthly_spend(db: Session, structure_id: int, now: datetime, months: int = 12) -> list[MonthSpend]:
    """Read the SMS a structure was debited per month over the last `months` months from its ledger."""
    first = last_months(now, months)[0]
    since = datetime.combine(first, datetime.min.time(), tzinfo=PARIS).astimezone(UTC)
    rows = db.execute(
        select(CreditMovement.created_at, CreditMovement.sms)
        .where(CreditMovement.structure_id == structure_id, CreditMovement.kind == credit.CAPTURE,
               CreditMovement.created_at >= since)
    ).all()
    return spend_by_month(rows, now, months)
