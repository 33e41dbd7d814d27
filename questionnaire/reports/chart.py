"""The summary chart: section scores against the regional and global means, as inline SVG.

Drawn on the server so the browser page and the PDF show the same picture with
no script.  Every text is escaped.  In a right-to-left document the chart is
mirrored: labels on the right, bars growing leftwards.  The legend is HTML
(in the template), so it wraps, translates and reads like the rest of the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from .content import ScoreRow

WIDTH = 660
LABEL_WIDTH = 250
VALUE_WIDTH = 44
ROW_HEIGHT = 34
TOP = 8
AXIS_HEIGHT = 26
TICKS = (0, 25, 50, 75, 100)
COUNTRY_COLOUR = "#0b4f8a"
OVERALL_COLOUR = "#083a66"
REGIONAL_COLOUR = "#1b1f24"
GLOBAL_COLOUR = "#b3541e"
GRID_COLOUR = "#c9ced6"
LABEL_CHARS = 36


@dataclass(frozen=True)
class ChartText:
    """The chart's words, already translated."""

    title: str
    description: str
    not_scored: str


def _wrap(text: str, width: int = LABEL_CHARS) -> list[str]:
    """Split a label into at most two lines of about `width` characters."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
        if len(lines[1]) > width:
            lines[1] = lines[1][: width - 1].rstrip() + "…"
    return lines


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def section_chart(rows: Sequence[ScoreRow], text: ChartText, *, rtl: bool = False) -> Markup:
    """Return the SVG of a horizontal bar chart with mean markers (mirrored when `rtl`)."""
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 12
    height = TOP + ROW_HEIGHT * len(rows) + AXIS_HEIGHT

    def x(value: float) -> float:
        """Map 0–100 to the plot, which grows away from the labels."""
        offset = plot_width * max(0.0, min(100.0, value)) / 100
        return (WIDTH - LABEL_WIDTH - offset) if rtl else (LABEL_WIDTH + offset)

    zero = x(0)
    label_x = (WIDTH - LABEL_WIDTH + 8) if rtl else (LABEL_WIDTH - 8)
    label_anchor = "start" if rtl else "end"
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="chart-title chart-desc" '
        'font-family="DejaVu Sans, Noto Sans, Noto Sans Arabic, sans-serif" font-size="11">',
        f'<title id="chart-title">{escape(text.title)}</title>',
        f'<desc id="chart-desc">{escape(text.description)}</desc>',
    ]
    bottom = TOP + ROW_HEIGHT * len(rows)
    for tick in TICKS:
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{TOP}" x2="{tx:.1f}" y2="{bottom}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{tx:.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'fill="#4f5864">{tick}</text>'
        )
    for index, row in enumerate(rows):
        top = TOP + index * ROW_HEIGHT
        middle = top + ROW_HEIGHT / 2
        lines = _wrap(row.title)
        weight = ' font-weight="bold"' if index == 0 else ""
        first = middle + 4 - (6 if len(lines) > 1 else 0)
        for number, line in enumerate(lines):
            parts.append(
                f'<text x="{label_x}" y="{first + 12 * number:.1f}" text-anchor="{label_anchor}"'
                f'{weight} fill="#1b1f24">{escape(line)}</text>'
            )
        if row.score is None:
            parts.append(
                f'<text x="{zero + (-6 if rtl else 6):.1f}" y="{middle + 4:.1f}" '
                f'text-anchor="{"end" if rtl else "start"}" fill="#4f5864">'
                f"{escape(text.not_scored)}</text>"
            )
        else:
            end = x(row.score)
            colour = OVERALL_COLOUR if index == 0 else COUNTRY_COLOUR
            bar_x, bar_w = (end, zero - end) if rtl else (zero, end - zero)
            parts.append(
                f'<rect x="{bar_x:.1f}" y="{middle - 7:.1f}" width="{max(bar_w, 0.5):.1f}" '
                f'height="14" fill="{colour}"/>'
            )
            # The figures stand in their own column past 100, where no marker can hide them.
            value_x = x(100) + (-8 if rtl else 8)
            parts.append(
                f'<text x="{value_x:.1f}" y="{middle + 4:.1f}" '
                f'text-anchor="{"end" if rtl else "start"}" '
                f'font-weight="bold" fill="#1b1f24">{_fmt(row.score)}</text>'
            )
        if row.global_.value is not None:
            gx = x(row.global_.value)
            parts.append(
                f'<line x1="{gx:.1f}" y1="{top + 3}" x2="{gx:.1f}" y2="{top + ROW_HEIGHT - 3}" '
                f'stroke="{GLOBAL_COLOUR}" stroke-width="3"/>'
            )
        if row.regional.value is not None:
            rx = x(row.regional.value)
            parts.append(
                f'<path d="M{rx:.1f} {middle - 7:.1f} L{rx + 7:.1f} {middle:.1f} '
                f'L{rx:.1f} {middle + 7:.1f} L{rx - 7:.1f} {middle:.1f} Z" fill="#ffffff" '
                f'stroke="{REGIONAL_COLOUR}" stroke-width="2"/>'
            )
    parts.append(
        f'<line x1="{zero:.1f}" y1="{TOP}" x2="{zero:.1f}" y2="{bottom}" stroke="#1b1f24" '
        'stroke-width="1.5"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()
