"""Small server-rendered line charts: numbers in, SVG coordinates out (no JavaScript on the phone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 320, 160, 32, 22, 8


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    summary: str  # the text alternative: what the chart shows, in words
    points: str  # "x,y x,y ..." for an SVG polyline (days without a value are gaps between segments)
    segments: tuple[str, ...]
    dots: tuple[tuple[float, float], ...]
    y_max: float
    ticks: tuple[tuple[float, str], ...]  # (y, label) for the y axis
    line: tuple[float, str] | None  # a reference line: (y, label), e.g. 7.5 mg/day
    first: date
    last: date
    width: int = WIDTH
    height: int = HEIGHT


def _y(value: float, y_max: float) -> float:
    plot = HEIGHT - PAD_BOTTOM - PAD_TOP
    return round(PAD_TOP + plot * (1 - value / y_max), 1)


def line_chart(title: str, summary: str, days: list[date], values: list[Decimal | int | None], *, y_max: float,
               line: tuple[float, str] | None = None, tick_step: float | None = None) -> Chart:
    """Lay out one value per day (None = not logged) on a fixed-size canvas."""
    step = (WIDTH - PAD_LEFT - 8) / max(len(days) - 1, 1)
    segments, current, dots = [], [], []
    for i, value in enumerate(values):
        if value is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        x, y = round(PAD_LEFT + i * step, 1), _y(float(value), y_max)
        current.append(f"{x},{y}")
        dots.append((x, y))
    if current:
        segments.append(" ".join(current))
    tick_step = tick_step or y_max / 2
    ticks, v = [], 0.0
    while v <= y_max + 1e-9:
        ticks.append((_y(v, y_max), f"{v:g}"))
        v += tick_step
    ref = (_y(line[0], y_max), line[1]) if line else None
    return Chart(title=title, summary=summary, points=" ".join(segments), segments=tuple(segments),
                 dots=tuple(dots), y_max=y_max, ticks=tuple(ticks), line=ref, first=days[0], last=days[-1])
