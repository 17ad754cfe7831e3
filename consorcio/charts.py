"""Server-rendered bar charts (inline SVG, no script: the CSP forbids inline code and CDNs).

``bar_chart(...)`` turns rows of numbers into a ``BarChart`` whose geometry is computed here,
so ``templates/components/bar_chart.html`` only places ready-made strings. Bars are
horizontal (long labels such as group codes stay readable); a row with several series is a
stacked bar. Numbers are shown the Brazilian way (``1.234``, ``12,5%``), and coordinates are
pre-formatted strings with a dot, because a template would localise a float (``12,5``) and
break the SVG. Every chart carries a ``<title>``/``<desc>`` for screen readers and its data as
a table (see ``templates/components/README.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["BarChart", "ChartRow", "bar_chart", "format_int", "format_percent"]

# Colour of each series in order (distinguishable, readable on white; text is never coloured).
PALETTE = ("#1d6fb8", "#e09b20", "#b8c4ce", "#2f9e57", "#c8413b", "#7d5bb6")
WIDTH = 640
LABEL_WIDTH = 150
VALUE_WIDTH = 150
ROW_HEIGHT = 30
BAR_HEIGHT = 18
LEGEND_HEIGHT = 26
BAR_AREA = WIDTH - LABEL_WIDTH - VALUE_WIDTH


def format_int(value: int) -> str:
    """An integer with the Brazilian thousands dot: ``1234567`` → ``1.234.567``."""
    return f"{value:,}".replace(",", ".")


def format_percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage with one decimal and a comma (``12,5%``)."""
    if whole <= 0:
        return "0,0%"
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{percent}%".replace(".", ",")


def _coordinate(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class ChartRow:
    """One bar: its label, one value per series, an optional note and link for the label."""

    label: str
    values: Sequence[int]
    note: str = ""
    link: str = ""


@dataclass(frozen=True)
class Segment:
    """A drawn part of a bar (one series of one row)."""

    series: str
    value: int
    value_text: str
    x: str
    width: str
    color: str


@dataclass(frozen=True)
class Bar:
    """A row as drawn: label, segments, the text at its end and where things go."""

    label: str
    link: str
    total: int
    total_text: str
    note: str
    y: str
    text_y: str
    segments: tuple[Segment, ...]
    values: tuple[str, ...]  # each series' value as text, for the data table


@dataclass(frozen=True)
class LegendItem:
    """A series in the legend: its colour swatch and label, placed from the left."""

    label: str
    color: str
    x: str
    text_x: str


@dataclass(frozen=True)
class BarChart:
    """Everything ``components/bar_chart.html`` draws."""

    chart_id: str
    title: str
    description: str
    series: tuple[str, ...]
    bars: tuple[Bar, ...]
    legend: tuple[LegendItem, ...]
    width: int = WIDTH
    height: int = 0
    label_x: str = str(LABEL_WIDTH - 8)
    value_x: str = str(LABEL_WIDTH + BAR_AREA + 8)
    empty_text: str = "Sem dados."


def _legend(series: Sequence[str]) -> tuple[LegendItem, ...]:
    if len(series) < 2:
        return ()
    items: list[LegendItem] = []
    x = float(LABEL_WIDTH)
    for index, label in enumerate(series):
        items.append(
            LegendItem(label, PALETTE[index % len(PALETTE)], _coordinate(x), _coordinate(x + 16))
        )
        x += 16 + 7 * len(label) + 24
    return tuple(items)


def _bar(row: ChartRow, series: Sequence[str], top: float, scale: int) -> Bar:
    segments: list[Segment] = []
    start: float = LABEL_WIDTH
    running = 0
    for index, (label, value) in enumerate(zip(series, row.values, strict=True)):
        running += value
        # Ends from the running total, rounded once: segments abut with no rounding drift.
        end = round(LABEL_WIDTH + (BAR_AREA * running / scale if scale else 0.0), 2)
        segments.append(
            Segment(
                series=label,
                value=value,
                value_text=format_int(value),
                x=_coordinate(start),
                width=_coordinate(round(end - start, 2)),
                color=PALETTE[index % len(PALETTE)],
            )
        )
        start = end
    total = sum(row.values)
    return Bar(
        label=row.label,
        link=row.link,
        total=total,
        total_text=format_int(total),
        note=row.note,
        y=_coordinate(top + (ROW_HEIGHT - BAR_HEIGHT) / 2),
        text_y=_coordinate(top + ROW_HEIGHT / 2 + 4),
        segments=tuple(s for s in segments if s.value > 0),
        values=tuple(format_int(v) for v in row.values),
    )


def _description(title: str, series: Sequence[str], rows: Sequence[ChartRow]) -> str:
    if not rows:
        return f"{title}: sem dados."
    parts = []
    for row in rows:
        if len(series) == 1:
            parts.append(f"{row.label}: {format_int(row.values[0])}")
        else:
            values = ", ".join(
                f"{label} {format_int(v)}" for label, v in zip(series, row.values, strict=True)
            )
            parts.append(f"{row.label}: {values}")
    return f"{title}. " + "; ".join(parts) + "."


def bar_chart(
    *,
    chart_id: str,
    title: str,
    series: Sequence[str],
    rows: Sequence[ChartRow],
    empty_text: str = "Sem dados.",
) -> BarChart:
    """A horizontal bar chart (stacked when ``series`` has more than one label).

    Every bar shares one scale (the largest row total), so bars compare across rows.
    ``rows[i].values`` has one non-negative integer per series.
    """
    if any(len(row.values) != len(series) for row in rows):
        raise ValueError("every row needs one value per series")
    if any(value < 0 for row in rows for value in row.values):
        raise ValueError("bar values cannot be negative")
    legend = _legend(series)
    top = LEGEND_HEIGHT if legend else 0
    scale = max((sum(row.values) for row in rows), default=0)
    bars = tuple(_bar(row, series, top + i * ROW_HEIGHT, scale) for i, row in enumerate(rows))
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=_description(title, series, rows),
        series=tuple(series),
        bars=bars,
        legend=legend,
        height=top + max(len(rows), 1) * ROW_HEIGHT + 4,
        empty_text=empty_text,
    )
