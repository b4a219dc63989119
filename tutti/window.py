"""The sending window of the operators' charter: 08:00–20:00, Monday to Saturday, not on public holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
OPENS, CLOSES = time(8, 0), time(20, 0)
POLICY_WARN, POLICY_SCHEDULE = "warn", "schedule"
POLICIES = {
    POLICY_WARN: "Prévenir, et laisser envoyer tout de suite",
    POLICY_SCHEDULE: "Prévenir, et proposer de programmer l'envoi",
}


def easter(year: int) -> date:
    """Return Easter Sunday of the year (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> set[date]:
    """Return France's public holidays of the year."""
    sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [sunday + timedelta(days=n) for n in (1, 39, 50)]  # Easter Monday, Ascension, Whit Monday
    return {date(year, m, d) for m, d in fixed} | set(movable)


def _allowed_day(day: date) -> bool:
    return day.weekday() != 6 and day not in public_holidays(day.year)


def in_window(moment: datetime) -> bool:
    """Say whether an SMS sent at this moment falls in the safe window."""
    local = moment.astimezone(PARIS)
    return _allowed_day(local.date()) and OPENS <= local.time() < CLOSES


def next_opening(moment: datetime) -> datetime:
    """Return the next moment the window opens (the moment itself when it is open), in UTC."""
    if in_window(moment):
        return moment.astimezone(UTC)
    local = moment.astimezone(PARIS)
    day = local.date() if local.time() < OPENS else local.date() + timedelta(days=1)
    while not _allowed_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, OPENS, tzinfo=PARIS).astimezone(UTC)
