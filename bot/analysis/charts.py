"""Inline SVG charts for the report, drawn in Python so the report needs no script and no network.

Two kinds cover every figure: a dot-and-interval chart (one row per item, one coloured dot per group,
with the interval as a line) and 100% stacked bars (a distribution per row). Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from bot.analysis.model import Interval

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#999933")
WIDTH = 760
LABEL_WIDTH = 230
RIGHT = 30
ROW = 26
TOP = 34
LEGEND_ROW = 20
MAX_LABEL = 34


@dataclass(frozen=True)
class Dot:
    """One estimate to draw: `row` names the item, `series` the group (one colour per series)."""

    row: str
    series: str
    value: Interval


@dataclass(frozen=True)
class Bar:
    """One 100% stacked bar: the parts in order, with their counts or shares."""

    row: str
    parts: Sequence[tuple[str, float]]


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "\u2026"


def _label(x: float, y: float, text: str, anchor: str = "end", size: int = 12) -> str:
    """An escaped text label; a shortened one keeps the full text as its tooltip."""
    tip = f"<title>{escape(text)}</title>" if _short(text) != text else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}">'
        f"{tip}{escape(_short(text))}</text>"
    )


def _row_label(y: float, text: str, note: str = "") -> str:
    """A row's name right-aligned before the plot, on two lines when it is long; `note` adds to its tooltip."""
    x = LABEL_WIDTH - 6
    tip = f"<title>{escape(text + (': ' + note if note else ''))}</title>"
    if len(text) <= MAX_LABEL:
        return f'<text x="{x}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{tip}{escape(text)}</text>'
    cut = text.rfind(" ", 0, MAX_LABEL + 1)
    cut = cut if cut > 0 else MAX_LABEL
    first, rest = text[:cut], text[cut:].strip()
    return (
        f'<text x="{x}" y="{y - 2:.1f}" text-anchor="end" font-size="11">{tip}'
        f'<tspan x="{x}">{escape(first)}</tspan><tspan x="{x}" dy="12">{escape(_short(rest))}</tspan></text>'
    )


def _open(height: float, title: str) -> list[str]:
    return [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" '
        f'height="{height:.0f}" font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<text x="10" y="18" font-size="13" font-weight="600">{escape(title)}</text>',
    ]


def _legend(names: Sequence[str], colours: Sequence[str], y: float) -> list[str]:
    """Swatches in rows under the plot."""
    out, x = [], LABEL_WIDTH
    for name, colour in zip(names, colours, strict=True):
        step = 24 + 7 * len(_short(name))
        if x + step > WIDTH - RIGHT and x > LABEL_WIDTH:
            x, y = LABEL_WIDTH, y + LEGEND_ROW
        out.append(f'<rect x="{x}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>')
        out.append(_label(x + 16, y, name, anchor="start", size=11))
        x += step
    return out


def _legend_height(names: Sequence[str]) -> float:
    rows, x = 1, LABEL_WIDTH
    for name in names:
        step = 24 + 7 * len(_short(name))
        if x + step > WIDTH - RIGHT and x > LABEL_WIDTH:
            rows, x = rows + 1, LABEL_WIDTH
        x += step
    return rows * LEGEND_ROW


def _axis(
    y: float, low: float, high: float, ticks: Sequence[float], fmt: Callable[[float], str]
) -> list[str]:
    """Vertical grid lines with tick labels under the plot."""
    out = []
    for t in ticks:
        x = _x(t, low, high)
        out.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(_label(x, y + 14, fmt(t), anchor="middle", size=11))
    return out


def _x(value: float, low: float, high: float) -> float:
    span = (high - low) or 1.0
    clipped = min(high, max(low, value))
    return LABEL_WIDTH + 10 + (clipped - low) / span * (WIDTH - LABEL_WIDTH - 10 - RIGHT)


def dot_interval(
    dots: Sequence[Dot],
    title: str,
    *,
    low: float = 0.0,
    high: float = 1.0,
    ticks: Sequence[float] = (0, 0.25, 0.5, 0.75, 1.0),
    fmt: Callable[[float], str] = lambda v: f"{v * 100:.0f}%",
    notes: Mapping[str, str] | None = None,
) -> str:
    """Rows of estimates with interval lines; groups are offset within a row and coloured.

    `notes` maps a row to a longer text (a code's definition) shown as the row label's tooltip.
    """
    rows = list(dict.fromkeys(d.row for d in dots))
    series = list(dict.fromkeys(d.series for d in dots))
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    band = ROW + 8 * max(0, len(series) - 1)
    plot_bottom = TOP + band * len(rows)
    height = plot_bottom + 24 + _legend_height(series) + 6
    out = _open(height, title)
    out += _axis(plot_bottom, low, high, ticks, fmt)
    for r, row in enumerate(rows):
        top = TOP + r * band
        out.append(_row_label(top + band / 2, row, (notes or {}).get(row, "")))
        for d in (d for d in dots if d.row == row):
            s = series.index(d.series)
            y = top + (band - 8 * (len(series) - 1)) / 2 + 8 * s
            colour = colours[s]
            x0, x1, xm = (_x(v, low, high) for v in (d.value.low, d.value.high, d.value.estimate))
            tip = escape(f"{d.series}: {fmt(d.value.estimate)} ({fmt(d.value.low)}-{fmt(d.value.high)})")
            out.append(
                f'<g><title>{tip}</title><line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}" '
                f'stroke="{colour}" stroke-width="2"/>'
                f'<circle cx="{xm:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/></g>'
            )
    out += _legend(series, colours, plot_bottom + 40)
    out.append("</svg>")
    return "\n".join(out)


def stacked_bars(bars: Sequence[Bar], title: str, colours: Sequence[str] | None = None) -> str:
    """100% stacked horizontal bars with each part's share written inside when it fits."""
    parts = list(dict.fromkeys(name for b in bars for name, _ in b.parts))
    colours = list(colours or [PALETTE[i % len(PALETTE)] for i in range(len(parts))])
    plot_bottom = TOP + ROW * len(bars)
    height = plot_bottom + 24 + _legend_height(parts) + 6
    out = _open(height, title)
    out += _axis(plot_bottom, 0, 1, (0, 0.5, 1.0), lambda v: f"{v * 100:.0f}%")
    for r, bar in enumerate(bars):
        y = TOP + r * ROW
        out.append(_row_label(y + ROW / 2, bar.row))
        total = sum(v for _, v in bar.parts) or 1.0
        start = 0.0
        for name, value in bar.parts:
            share = value / total
            x0, x1 = _x(start, 0, 1), _x(start + share, 0, 1)
            colour = colours[parts.index(name)]
            tip = escape(f"{bar.row} - {name}: {share * 100:.0f}%")
            out.append(
                f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(0.0, x1 - x0):.1f}" height="{ROW - 8}" '
                f'fill="{colour}"><title>{tip}</title></rect>'
            )
            if x1 - x0 > 30:
                ink = _ink(colour)
                out.append(
                    f'<text x="{(x0 + x1) / 2:.1f}" y="{y + ROW / 2 + 4:.1f}" text-anchor="middle" '
                    f'font-size="11" fill="{ink}">{share * 100:.0f}%</text>'
                )
            start += share
    out += _legend(parts, colours, plot_bottom + 40)
    out.append("</svg>")
    return "\n".join(out)


def _ink(colour: str) -> str:
    """White text on dark fills, black on light ones (relative luminance)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#fff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else "#000"


def diverging(n: int) -> list[str]:
    """Colours for an n-point scale: orange at the low end, grey in the middle, blue at the high end."""
    ends = ((0xD5, 0x5E, 0x00), (0xDD, 0xDD, 0xDD), (0x00, 0x72, 0xB2))
    out = []
    for i in range(n):
        t = i / (n - 1) if n > 1 else 1.0
        a, b, f = (ends[0], ends[1], t * 2) if t <= 0.5 else (ends[1], ends[2], t * 2 - 1)
        out.append("#" + "".join(f"{round(x + (y - x) * f):02X}" for x, y in zip(a, b, strict=True)))
    return out
