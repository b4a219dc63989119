"""The figures behind the pictures, computed without a database: balance over time, message states, monthly spend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tutti.figures import (
    MARK_SEND,
    MARK_TOPUP,
    BalancePoint,
    MonthSpend,
    StateCount,
    last_months,
    message_states,
    spend_by_month,
    timeline,
)
from tutti.sms import credit

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
YEAR_AGO = NOW - timedelta(days=365)


def point(days_ago: float, balance: int, delta: int, kind: str = credit.RESERVATION) -> BalancePoint:
    return BalancePoint(NOW - timedelta(days=days_ago), balance, delta, kind, 1 if kind != credit.TOPUP else None)


def test_timeline_empty_ledger_is_nothing_to_draw():
    assert timeline([], NOW, YEAR_AGO) is None


def test_timeline_one_movement_runs_from_it_to_now():
    line = timeline([point(3, 228, 228, credit.INITIAL)], NOW, YEAR_AGO)
    assert line.start == NOW - timedelta(days=3) and line.end == NOW
    assert (line.opening, line.current, line.top) == (None, 228, 228)


def test_timeline_leaves_captures_out():
    line = timeline([point(5, 100, 100, credit.TOPUP), point(4, 70, -30), point(4, 70, 0, credit.CAPTURE)], NOW,
                    YEAR_AGO)
    assert [p.kind for p in line.points] == [credit.TOPUP, credit.RESERVATION]


def test_timeline_carries_the_balance_from_before_the_year():
    line = timeline([point(10, 80, -20)], NOW, YEAR_AGO, carried=100)
    assert line.start == YEAR_AGO and line.opening == 100 and line.top == 100 and line.current == 80


def test_timeline_without_movement_this_year_is_flat_at_the_carried_balance():
    line = timeline([], NOW, YEAR_AGO, carried=42)
    assert line.points == [] and line.current == 42 and line.start == YEAR_AGO


def test_timeline_marks_top_ups_and_sends_not_credit_given_back():
    line = timeline([point(9, 228, 228, credit.INITIAL), point(8, 728, 500, credit.TOPUP), point(7, 600, -128),
                     point(7, 605, 5, credit.RELEASE)], NOW, YEAR_AGO)
    assert [p.mark for p in line.points] == [MARK_TOPUP, MARK_TOPUP, MARK_SEND, None]
    assert (line.count(MARK_TOPUP), line.count(MARK_SEND)) == (2, 1)


def test_timeline_a_year_of_sends():
    points = [point(364, 10_000, 10_000, credit.INITIAL)]
    points += [point(363 - day, 10_000 - 25 * (day + 1), -25) for day in range(363)]
    line = timeline(points, NOW, YEAR_AGO)
    assert len(line.points) == 364 and line.count(MARK_SEND) == 363
    assert line.current == 10_000 - 25 * 363 and line.top == 10_000


def test_message_states_grouped_in_the_order_a_send_moves():
    counts = message_states({"delivered": 5, "sent": 2, "queued": 1, "sending": 2, "expired": 1, "rejected": 1,
                             "undelivered": 1, "failed": 3, "unknown": 1})
    assert counts == [StateCount("delivered", 5), StateCount("sent", 2), StateCount("waiting", 3),
                      StateCount("undelivered", 3), StateCount("failed", 3), StateCount("unknown", 1)]


def test_message_states_keep_the_main_groups_at_zero():
    assert [c.key for c in message_states({})] == ["delivered", "sent", "waiting", "failed", "unknown"]
    assert message_states({"cancelled": 4})[-1] == StateCount("cancelled", 4)


def test_last_months_cross_the_new_year_in_paris_time():
    # 31 December 23:30 UTC is already January in Paris.
    months = last_months(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), 3)
    assert months == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]


def test_spend_by_month_lists_every_month_even_without_sms():
    spend = spend_by_month([], NOW)
    assert len(spend) == 12 and spend[0] == MonthSpend(date(2026, 1, 1), 0) and spend[-1].month == date(2026, 12, 1)
    assert all(m.sms == 0 for m in spend)


def test_spend_by_month_adds_up_in_paris_months():
    spend = spend_by_month([(datetime(2026, 3, 31, 22, 30, tzinfo=UTC), 40),  # 1 April, 00:30 in Paris
                            (datetime(2026, 4, 10, 9, 0), 2),  # naive, as SQLite gives it: UTC
                            (datetime(2025, 12, 31, 9, 0, tzinfo=UTC), 999)], NOW)  # before the 12 months
    by_month = {m.month: m.sms for m in spend}
    assert by_month[date(2026, 4, 1)] == 42 and by_month[date(2026, 3, 1)] == 0 and sum(by_month.values()) == 42


def test_spend_by_month_a_year_of_captures():
    captures = [(NOW - timedelta(days=day), 10) for day in range(0, 330)]
    spend = spend_by_month(captures, NOW)
    assert sum(m.sms for m in spend) == 3300 and spend[-1].sms == 70  # 1 to 7 December
