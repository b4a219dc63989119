"""The geometry of the pictures: scales, ticks, date and number labels in the reader's language.

The templates draw what these functions return as SVG: no script runs in the browser. Sizes are in the SVG's
own units; the viewBox is narrow (WIDTH units) so that text of FONT units stays legible when the picture is
scaled down to a 360 px phone (about 12 px), and the stylesheet caps its width so that it is not oversized on a
desktop (about 17 px).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from babel import dates, numbers

from tutti.figures import PARIS, MonthSpend, StateCount, Timeline

WIDTH = 360
FONT = 14
# The current balance is written larger than the ticks.
LABEL_FONT = 16
# A label's width estimated glyph by glyph, in em, on the generous side of common sans-serif fonts (DejaVu Sans,
# the widest of them): capitals, digits, other letters, spaces and punctuation; bold is about a tenth wider.
CAPITAL, DIGIT, LETTER, NARROW, BOLD = 0.78, 0.64, 0.62, 0.34, 1.1
DAY_STEPS = (1, 2, 7, 14)
MONTH_STEPS = (1, 2, 3, 6, 12)
# The time axis spans at least a week, so that movements of the same hour do not stand on one vertical line.
SHORTEST_SPAN = timedelta(days=7)


def text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """Estimate how wide a label is drawn."""
    ems = sum(CAPITAL if ch.isupper() else DIGIT if ch.isdigit() else LETTER if ch.isalpha() else NARROW
              for ch in text)
    return ems * size * (BOLD if bold else 1)


def number(value: int | float, locale: str) -> str:
    """Write a number the reader's way: « 1 228 » in French (no-break space), "1,228" in English."""
    text = numbers.format_decimal(value, locale=locale)
    return text.replace("\u202f", "\u00a0") if locale.startswith("fr") else text


@dataclass(frozen=True)
class Scale:
    """A linear map from a domain of values to a range of SVG coordinates."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        """Return the coordinate of a value (the middle of the range when the domain is a single value)."""
        if self.d1 == self.d0:
            return (self.r0 + self.r1) / 2
        return self.r0 + (value - self.d0) * (self.r1 - self.r0) / (self.d1 - self.d0)


def nice_step(span: float, count: int) -> int:
    """Return a round step (1, 2 or 5 times a power of ten, at least 1) that cuts `span` in about `count` parts."""
    raw = max(span / max(count, 1), 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def number_ticks(top: int, count: int = 4) -> list[int]:
    """Return round ticks from 0 to at least `top`, about `count` steps apart."""
    step = nice_step(max(top, 1), count)
    last = max(1, math.ceil(max(top, 1) / step)) * step
    return list(range(0, last + 1, step))


@dataclass(frozen=True)
class Tick:
    """A label on an axis: where its label is centred and where the value it names lies (they differ only when
    the label is moved inside the picture)."""

    pos: float
    label: str
    at: float | None = None

    def __post_init__(self) -> None:
        if self.at is None:
            object.__setattr__(self, "at", self.pos)


def _day_ticks(start: datetime, end: datetime, step: int) -> list[datetime]:
    day = start.date() if start.time() == time(0) else start.date() + timedelta(days=1)
    ticks = []
    while (moment := datetime.combine(day, time(0), tzinfo=PARIS)) <= end:
        ticks.append(moment)
        day += timedelta(days=step)
    return ticks


def _month_ticks(start: datetime, end: datetime, step: int) -> list[datetime]:
    year, month = start.year, start.month
    if start != datetime(year, month, 1, tzinfo=PARIS):
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    ticks = []
    while (moment := datetime(year, month, 1, tzinfo=PARIS)) <= end:
        if (month - 1) % step == 0:
            ticks.append(moment)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return ticks


def date_labels(ticks: Sequence[datetime], unit: str, locale: str) -> list[str]:
    """Label time ticks: « 7 déc. » by day; « déc. » by month, with the year on the first and on January."""
    if unit == "day":
        return [dates.format_skeleton("MMMd", t, locale=locale) for t in ticks]
    return [dates.format_skeleton("yMMM" if i == 0 or t.month == 1 else "MMM", t, locale=locale)
            for i, t in enumerate(ticks)]


def time_ticks(start: datetime, end: datetime, length: float, locale: str,
               max_ticks: int = 5) -> tuple[list[datetime], list[str]]:
    """Choose round dates between `start` and `end` whose labels fit side by side along `length` units."""
    start, end = start.astimezone(PARIS), end.astimezone(PARIS)
    candidates = [("day", step, _day_ticks) for step in DAY_STEPS] + [("month", s, _month_ticks) for s in MONTH_STEPS]
    for unit, step, make in candidates:
        ticks = make(start, end, step)
        if not ticks or len(ticks) > max_ticks:
            continue
        labels = date_labels(ticks, unit, locale)
        span = (end - start).total_seconds() or 1
        places = [(t - start).total_seconds() / span * length for t in ticks]
        if all(b - a >= (text_width(la) + text_width(lb)) / 2 + 8
               for a, b, la, lb in zip(places, places[1:], labels, labels[1:], strict=False)):
            return ticks, labels
    year = datetime(end.year, 1, 1, tzinfo=PARIS)
    return [year], [dates.format_skeleton("y", year, locale=locale)]


# --- the balance over time -----------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """A movement drawn on the line: a top-up or a send."""

    x: float
    y: float
    kind: str


@dataclass
class LineChart:
    """A line over time with marks, its axes' ticks and where its last value is labelled."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    path: str
    marks: list[Mark] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    end_x: float = 0
    end_y: float = 0
    font: float = FONT
    label_font: float = LABEL_FONT

    @property
    def label_x(self) -> float:
        """Return where the last value's label starts: in the right margin, beside the line's end."""
        return self.end_x + 8

    @property
    def label_y(self) -> float:
        """Return the baseline of the last value's label, centred on the line's end and kept inside the picture."""
        return min(max(self.end_y + self.label_font * 0.35, self.label_font), self.bottom)


def triangle(x: float, y: float, size: float = 6) -> str:
    """Return the path of a triangle pointing up, centred on (x, y)."""
    return f"M{x:.1f},{y - size:.1f}L{x + size:.1f},{y + size * 0.8:.1f}L{x - size:.1f},{y + size * 0.8:.1f}Z"


def balance_chart(line: Timeline, locale: str, width: float = WIDTH, height: float = 240) -> LineChart:
    """Lay out the balance over time: a step line (the balance holds between movements), marks, axes."""
    y_values = number_ticks(line.top)
    y_labels = [number(v, locale) for v in y_values]
    left = max(text_width(label) for label in y_labels) + 10
    right = width - text_width(f"{number(line.current, locale)} SMS", LABEL_FONT, bold=True) - 12
    top, bottom = 24.0, height - FONT - 14
    start = min(line.start, line.end - SHORTEST_SPAN)
    x = Scale(start.timestamp(), line.end.timestamp(), left, right)
    y = Scale(0, y_values[-1], bottom, top)
    segments: list[str] = []
    level = line.opening
    if level is not None:
        segments.append(f"M{x(line.start.timestamp()):.1f},{y(level):.1f}")
    for point in line.points:
        px, py = x(point.at.timestamp()), y(point.balance)
        segments.append(f"M{px:.1f},{py:.1f}" if level is None else f"H{px:.1f}V{py:.1f}")
        level = point.balance
    segments.append(f"H{right:.1f}")
    ticks, labels = time_ticks(start, line.end, right - left, locale)
    x_ticks = []
    for moment, label in zip(ticks, labels, strict=True):
        half, at = text_width(label) / 2, x(moment.timestamp())
        x_ticks.append(Tick(min(max(at, half), width - half), label, at))
    return LineChart(
        width=width, height=height, left=left, right=right, top=top, bottom=bottom, path="".join(segments),
        marks=[Mark(x(p.at.timestamp()), y(p.balance), p.mark) for p in line.points if p.mark],
        x_ticks=x_ticks, y_ticks=[Tick(y(v), label) for v, label in zip(y_values, y_labels, strict=True)],
        end_x=right, end_y=y(line.current),
    )


# --- where a campaign's messages stand --------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One group of states in the stacked bar: its place and width in percent of the bar, and its count."""

    key: str
    count: int
    x: float
    width: float
    label: str
    label_fits: bool


def stacked_bar(counts: Sequence[StateCount], locale: str, narrowest: float = 300, least: float = 1.0,
                font: float = 15) -> list[Segment]:
    """Lay the groups side by side in proportion to their counts, in percent of the bar's width.

    The bar stretches to its card with text at its own size; a count is written inside its segment when it fits
    on the narrowest bar (`narrowest` px, a phone). A group of one message stays at least `least` percent wide.
    """
    shown = [c for c in counts if c.count]
    total = sum(c.count for c in shown)
    if not total:
        return []
    widths = [max(least, 100 * c.count / total) for c in shown]
    widths[widths.index(max(widths))] -= sum(widths) - 100
    segments, x = [], 0.0
    for c, w in zip(shown, widths, strict=True):
        label = number(c.count, locale)
        segments.append(Segment(c.key, c.count, x, w, label,
                                text_width(label, font, bold=True) + 8 <= w * narrowest / 100))
        x += w
    return segments


# --- SMS spent per month ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One month's row: its label, its bar's length and where its value is written."""

    y: float
    label: str
    value: str
    length: float
    value_x: float


@dataclass
class BarChart:
    """Horizontal bars, one row per month: legible at any width, every value written beside its bar."""

    width: float
    height: float
    bar_x: float
    row: float
    bars: list[Bar] = field(default_factory=list)
    font: float = FONT


def month_label(month: date, locale: str) -> str:
    """Write a month as « déc. 2026 »."""
    return dates.format_skeleton("yMMM", month, locale=locale)


def month_bars(months: Sequence[MonthSpend], locale: str, width: float = WIDTH, row: float = 28) -> BarChart:
    """Lay out SMS spent per month as one horizontal bar per month, oldest first."""
    labels = [month_label(m.month, locale) for m in months]
    values = [number(m.sms, locale) for m in months]
    bar_x = max((text_width(label) for label in labels), default=0) + 10
    room = width - bar_x - max((text_width(v, bold=True) for v in values), default=0) - 8
    top = max((m.sms for m in months), default=0)
    scale = Scale(0, max(top, 1), 0, room)
    bars = []
    for i, (m, label, value) in enumerate(zip(months, labels, values, strict=True)):
        length = scale(m.sms)
        bars.append(Bar(y=i * row, label=label, value=value, length=length, value_x=bar_x + length + 5))
    return BarChart(width=width, height=len(months) * row, bar_x=bar_x, row=row, bars=bars)
