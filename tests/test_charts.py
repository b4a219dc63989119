"""The geometry of the pictures: scales, round ticks, date labels in French and English, layouts inside the box."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tutti import charts
from tutti.figures import PARIS, BalancePoint, MonthSpend, StateCount, last_months, timeline
from tutti.sms import credit

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_scale_maps_domain_to_range_both_ways():
    y = charts.Scale(0, 800, 200, 20)
    assert (y(0), y(400), y(800)) == (200, 110, 20)


def test_scale_of_a_single_value_is_the_middle():
    assert charts.Scale(5, 5, 0, 100)(5) == 50


@pytest.mark.parametrize(("span", "count", "step"), [(228, 4, 100), (1228, 4, 500), (10, 4, 5), (1, 4, 1),
                                                       (0, 4, 1), (80_000, 4, 20_000), (3, 4, 1)])
def test_nice_step_is_one_two_or_five_times_a_power_of_ten(span, count, step):
    assert charts.nice_step(span, count) == step


@pytest.mark.parametrize(("top", "ticks"), [(228, [0, 100, 200, 300]), (728, [0, 200, 400, 600, 800]),
                                            (0, [0, 1]), (1, [0, 1]), (200, [0, 50, 100, 150, 200])])
def test_number_ticks_start_at_zero_and_reach_the_top(top, ticks):
    assert charts.number_ticks(top) == ticks


def test_number_written_the_french_way():
    assert charts.number(1228, "fr") == "1\u00a0228" and charts.number(1228, "en") == "1,228"


def test_time_ticks_of_a_week_are_days():
    ticks, labels = charts.time_ticks(NOW - timedelta(days=7), NOW, 300, "fr")
    assert all(t.hour == 0 and t.tzinfo == PARIS for t in ticks)
    assert labels[0] == "1 déc." and labels[-1] == "7 déc." and len(labels) <= 5


def test_time_ticks_of_a_year_are_months_with_the_year_on_the_first_and_january():
    ticks, labels = charts.time_ticks(NOW - timedelta(days=365), NOW, 300, "fr")
    assert 2 <= len(labels) <= 5 and labels[0].endswith(("2025", "2026"))
    assert all(t.day == 1 for t in ticks)
    for tick, label in zip(ticks[1:], labels[1:], strict=True):
        assert label.endswith(str(tick.year)) == (tick.month == 1)


def test_time_ticks_in_english():
    _, labels = charts.time_ticks(NOW - timedelta(days=7), NOW, 300, "en")
    assert labels[-1] == "Dec 7"


@pytest.mark.parametrize("days", [0, 1, 7, 40, 100, 365, 800])
def test_time_ticks_labels_never_overlap(days):
    length = 300
    ticks, labels = charts.time_ticks(NOW - timedelta(days=days), NOW, length, "fr")
    assert 1 <= len(ticks) <= 5
    start = NOW - timedelta(days=days)
    span = (NOW - start).total_seconds() or 1
    places = [(t - start).total_seconds() / span * length for t in ticks]
    for a, b, la, lb in zip(places, places[1:], labels, labels[1:], strict=False):
        assert b - a >= (charts.text_width(la) + charts.text_width(lb)) / 2, (la, lb)


def point(days_ago: float, balance: int, delta: int, kind: str = credit.RESERVATION) -> BalancePoint:
    return BalancePoint(NOW - timedelta(days=days_ago), balance, delta, kind)


def inside(chart: charts.LineChart, x: float, y: float) -> bool:
    return chart.left - 0.01 <= x <= chart.right + 0.01 and chart.top - 0.01 <= y <= chart.bottom + 0.01


def test_balance_chart_draws_a_step_line_from_the_first_movement():
    line = timeline([point(30, 228, 228, credit.INITIAL), point(10, 128, -100)], NOW, NOW - timedelta(days=365))
    chart = charts.balance_chart(line, "fr")
    assert chart.path.startswith("M") and chart.path.count("M") == 1
    assert chart.path.count("H") == 2 and chart.path.count("V") == 1 and chart.path.endswith(f"H{chart.right:.1f}")
    assert [m.kind for m in chart.marks] == ["topup", "send"]
    assert [t.label for t in chart.y_ticks] == ["0", "100", "200", "300"]
    assert chart.y_ticks[0].pos == chart.bottom and chart.y_ticks[-1].pos == chart.top


def test_balance_chart_labels_the_current_balance_beside_its_end():
    line = timeline([point(30, 228, 228, credit.INITIAL), point(10, 128, -100)], NOW, NOW - timedelta(days=365))
    chart = charts.balance_chart(line, "fr")
    assert chart.end_x == chart.right and chart.end_y == charts.Scale(0, 300, chart.bottom, chart.top)(128)
    label_width = charts.text_width("128 SMS", charts.LABEL_FONT, bold=True)
    assert chart.label_x + label_width <= chart.width and 0 < chart.label_y <= chart.bottom


def test_balance_chart_of_one_movement_spans_a_week():
    chart = charts.balance_chart(timeline([point(0, 228, 228, credit.INITIAL)], NOW, NOW), "fr")
    assert len(chart.marks) == 1 and inside(chart, chart.marks[0].x, chart.marks[0].y)
    assert chart.marks[0].x == chart.right  # it happened now, at the right edge of a week
    assert 2 <= len(chart.x_ticks) <= 5


def test_balance_chart_of_a_flat_year_has_no_mark():
    chart = charts.balance_chart(timeline([], NOW, NOW - timedelta(days=365), carried=0), "fr")
    assert chart.marks == [] and chart.path.startswith(f"M{chart.left:.1f},{chart.bottom:.1f}")


def test_balance_chart_a_year_of_data_stays_inside_its_box():
    points = [point(364, 5000, 5000, credit.INITIAL)]
    points += [point(363 - day, 5000 - 13 * (day + 1), -13) for day in range(363)]
    chart = charts.balance_chart(timeline(points, NOW, NOW - timedelta(days=365)), "fr")
    assert len(chart.marks) == 364 and all(inside(chart, m.x, m.y) for m in chart.marks)
    assert 2 <= len(chart.x_ticks) <= 5
    for tick in chart.x_ticks:
        half = charts.text_width(tick.label) / 2
        assert 0 <= tick.pos - half and tick.pos + half <= chart.width
    assert chart.left > charts.text_width("5\u00a0000")  # the widest SMS tick fits left of the axis


def test_stacked_bar_in_proportion_filling_the_bar():
    segments = charts.stacked_bar([StateCount("delivered", 75), StateCount("sent", 25), StateCount("failed", 0)],
                                  "fr")
    assert [(s.key, s.x, s.width) for s in segments] == [("delivered", 0, 75), ("sent", 75, 25)]


def test_stacked_bar_keeps_a_single_message_visible():
    segments = charts.stacked_bar([StateCount("delivered", 9999), StateCount("unknown", 1)], "fr")
    assert segments[1].width == 1.0 and sum(s.width for s in segments) == pytest.approx(100)
    assert segments[0].label_fits and not segments[1].label_fits


def test_stacked_bar_of_no_message_is_empty():
    assert charts.stacked_bar([StateCount("delivered", 0)], "fr") == []


def test_month_bars_one_row_per_month_the_longest_fits():
    months = [MonthSpend(m, sms) for m, sms in zip(last_months(NOW), [0, 5, 1228, *range(9)], strict=True)]
    chart = charts.month_bars(months, "fr")
    assert len(chart.bars) == 12 and chart.bars[0].label == "janv. 2026" and chart.bars[-1].label == "déc. 2026"
    assert chart.bars[0].length == 0 and chart.bars[2].value == "1\u00a0228"
    longest = chart.bars[2]
    assert longest.value_x + charts.text_width(longest.value, bold=True) <= chart.width
    assert chart.height == 12 * chart.row


def test_month_bars_without_any_sms():
    chart = charts.month_bars([MonthSpend(m, 0) for m in last_months(NOW)], "en")
    assert all(b.length == 0 and b.value == "0" for b in chart.bars) and chart.bars[-1].label == "Dec 2026"


def test_balance_dates_in_paris_time():
    # 22:30 UTC on 30 November is 23:30 in Paris: the first day tick is Paris midnight, 23:00 UTC.
    ticks, labels = charts.time_ticks(datetime(2026, 11, 30, 22, 30, tzinfo=UTC),
                                      datetime(2026, 12, 7, 22, 0, tzinfo=UTC), 300, "fr")
    assert ticks[0] == datetime(2026, 12, 1, tzinfo=PARIS) == datetime(2026, 11, 30, 23, tzinfo=UTC)
    assert labels[0] == "1 déc."
