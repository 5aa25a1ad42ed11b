"""Server-side charts: geometry computed here, drawn as inline SVG by the template (no script, no CDN).

The template escapes every value; nothing here is markup.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from forum.text import plural
from moderation.models import LABEL_NAMES, LABELS

COLOURS = {"clinic_promotion": "#0b5394", "misinformation": "#c75000"}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class StackedBarChart:
    width: int
    height: int
    plot_left: float
    plot_bottom: float
    plot_top: float
    plot_right: float
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    legend: list[tuple[str, str]]
    title: str
    description: str


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


@dataclass(frozen=True)
class Point:
    tick: str                 # under the axis
    name: str                 # in each bar's tooltip
    counts: dict[str, int]


def _stacked_chart(points: list[Point], title: str, description: str, tick_every: int, tick_gap: int,
                   width: int, height: int) -> StackedBarChart:
    left, right, top, bottom = 40.0, width - 8.0, 12.0, height - 28.0
    totals = [sum(p.counts.values()) for p in points]
    peak = _nice_max(max(totals, default=0))
    slot = (right - left) / max(1, len(points))
    bars = []
    for i, point in enumerate(points):
        base = bottom
        for label in LABELS:
            n = point.counts.get(label, 0)
            if not n:
                continue
            h = (bottom - top) * n / peak
            base -= h
            bars.append(Bar(round(left + i * slot + slot * 0.1, 2), round(base, 2), round(slot * 0.8, 2), round(h, 2),
                            COLOURS[label], f"{point.name}: {n} {LABEL_NAMES[label].lower()}"))
    last = len(points) - 1
    x_ticks = [Tick(round(left + i * slot + slot / 2, 2) if i < last else right, bottom + 18, point.tick,
                    "end" if i == last else "middle")
               for i, point in enumerate(points) if (i % tick_every == 0 and last - i >= tick_gap) or i == last]
    y_ticks = [Tick(left - 6, round(bottom - (bottom - top) * k / 5, 2), str(int(peak * k / 5))) for k in range(6)]
    return StackedBarChart(width, height, left, bottom, top, right, bars, x_ticks, y_ticks,
                           [(LABEL_NAMES[label], COLOURS[label]) for label in LABELS], title, description)


def flags_per_day_chart(per_day: list[tuple[date, dict[str, int]]], width: int = 720, height: int = 240) -> StackedBarChart:
    totals = [sum(counts.values()) for _, counts in per_day]
    total = sum(totals)
    first, last = (per_day[0][0], per_day[-1][0]) if per_day else (None, None)
    description = (f"{total} flags from {first:%d %b %Y} to {last:%d %b %Y}; busiest day "
                   f"{max(totals)} flags." if per_day and total else "No flags in this period.")
    points = [Point(f"{day:%d %b}", f"{day:%d %b}", counts) for day, counts in per_day]
    return _stacked_chart(points, f"Classifier flags per day, last {plural(len(per_day), 'day')}", description, 15, 8,
                          width, height)


def flags_per_month_chart(per_month: list[tuple[date, dict[str, int]]], width: int = 720,
                          height: int = 240) -> StackedBarChart:
    """Oldest month first; every month is drawn, quiet ones as gaps, so the time axis stays even."""
    totals = [sum(counts.values()) for _, counts in per_month]
    total = sum(totals)
    if per_month and total:
        busiest = per_month[totals.index(max(totals))][0]
        description = (f"{total} posts flagged from {per_month[0][0]:%B %Y} to {per_month[-1][0]:%B %Y}; "
                       f"the busiest month was {busiest:%B %Y} with {max(totals)}. The table below has every number.")
    else:
        description = "No posts flagged in this period."
    points = [Point(f"{month:%b}", f"{month:%B %Y}", counts) for month, counts in per_month]
    return _stacked_chart(points, f"Posts flagged by the classifier per month, last {plural(len(per_month), 'month')}",
                          description, 1, 1, width, height)
