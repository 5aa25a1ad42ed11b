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


def flags_per_day_chart(per_day: list[tuple[date, dict[str, int]]], width: int = 720, height: int = 240) -> StackedBarChart:
    left, right, top, bottom = 40.0, width - 8.0, 12.0, height - 28.0
    totals = [sum(counts.values()) for _, counts in per_day]
    peak = _nice_max(max(totals, default=0))
    slot = (right - left) / max(1, len(per_day))
    bars = []
    for i, (day, counts) in enumerate(per_day):
        base = bottom
        for label in LABELS:
            n = counts.get(label, 0)
            if not n:
                continue
            h = (bottom - top) * n / peak
            base -= h
            bars.append(Bar(round(left + i * slot + slot * 0.1, 2), round(base, 2), round(slot * 0.8, 2), round(h, 2),
                            COLOURS[label], f"{day:%d %b}: {n} {LABEL_NAMES[label].lower()}"))
    last = len(per_day) - 1
    x_ticks = [Tick(round(left + i * slot + slot / 2, 2) if i < last else right, bottom + 18, f"{day:%d %b}",
                    "end" if i == last else "middle")
               for i, (day, _) in enumerate(per_day) if (i % 15 == 0 and last - i >= 8) or i == last]
    y_ticks = [Tick(left - 6, round(bottom - (bottom - top) * k / 5, 2), str(int(peak * k / 5))) for k in range(6)]
    total = sum(totals)
    first, last = (per_day[0][0], per_day[-1][0]) if per_day else (None, None)
    description = (f"{total} flags from {first:%d %b %Y} to {last:%d %b %Y}; busiest day "
                   f"{max(totals)} flags." if per_day and total else "No flags in this period.")
    return StackedBarChart(width, height, left, bottom, top, right, bars, x_ticks, y_ticks,
                           [(LABEL_NAMES[label], COLOURS[label]) for label in LABELS],
                           f"Classifier flags per day, last {plural(len(per_day), 'day')}", description)
