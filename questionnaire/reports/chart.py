"""The summary chart: each area's score against the regional and global means, as inline SVG.

The chart is a table: each row has the area's name and figures as HTML and a
small SVG bar drawn on the server, and the table's foot holds the 0–100 axis.
Names stay out of the SVG because WeasyPrint lays SVG text out letter by
letter, which breaks Arabic (unjoined letters in reverse order); HTML text is
shaped properly in every language.  In a right-to-left report the bars grow
leftwards.  Every SVG carries a <title>, its text alternative in the tagged PDF.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from .content import ScoreRow

WIDTH = 300
HEIGHT = 26
PAD = 8  # room for a marker at 0 or 100
AXIS_HEIGHT = 22
TICKS = (0, 25, 50, 75, 100)
COUNTRY_COLOUR = "#0b4f8a"
OVERALL_COLOUR = "#083a66"
REGIONAL_COLOUR = "#1b1f24"
GLOBAL_COLOUR = "#b3541e"
GRID_COLOUR = "#c9ced6"


def _x(value: float, rtl: bool) -> float:
    """Map 0–100 onto the plot, growing away from the start side."""
    offset = (WIDTH - 2 * PAD) * max(0.0, min(100.0, value)) / 100
    return (WIDTH - PAD - offset) if rtl else (PAD + offset)


def _open(height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" focusable="false">'
        f"<title>{escape(title)}</title>"
    )


def _grid(height: int, rtl: bool) -> list[str]:
    return [
        f'<line x1="{_x(t, rtl):.1f}" y1="0" x2="{_x(t, rtl):.1f}" y2="{height}" '
        f'stroke="{GRID_COLOUR}" stroke-width="{1.5 if t == 0 else 1}"/>'
        for t in TICKS
    ]


def bar(row: ScoreRow, title: str, *, rtl: bool = False, overall: bool = False) -> Markup:
    """Return one row's SVG: the score as a bar, the regional mean a diamond, the global a line."""
    parts = [_open(HEIGHT, title)]
    middle = HEIGHT / 2
    zero = _x(0, rtl)
    if row.score is not None:
        end = _x(row.score, rtl)
        left, width = (end, zero - end) if rtl else (zero, end - zero)
        colour = OVERALL_COLOUR if overall else COUNTRY_COLOUR
        parts.append(
            f'<rect x="{left:.1f}" y="{middle - 6:.1f}" width="{max(width, 0.5):.1f}" height="12" fill="{colour}"/>'
        )
    if row.global_.value is not None:
        gx = _x(row.global_.value, rtl)
        parts.append(
            f'<line x1="{gx:.1f}" y1="2" x2="{gx:.1f}" y2="{HEIGHT - 2}" stroke="{GLOBAL_COLOUR}" stroke-width="3"/>'
        )
    if row.regional.value is not None:
        rx = _x(row.regional.value, rtl)
        parts.append(
            f'<path d="M{rx:.1f} {middle - 7:.1f} L{rx + 7:.1f} {middle:.1f} '
            f'L{rx:.1f} {middle + 7:.1f} L{rx - 7:.1f} {middle:.1f} Z" fill="#ffffff" '
            f'stroke="{REGIONAL_COLOUR}" stroke-width="2"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - numbers and an escaped title only


def axis(title: str, *, rtl: bool = False) -> Markup:
    """Return the 0–100 scale under the bars (digits only: safe for per-letter SVG text)."""
    parts = [_open(AXIS_HEIGHT, title), *_grid(5, rtl)]
    for tick in TICKS:
        anchor = "middle"
        if tick == 0:
            anchor = "end" if rtl else "start"
        elif tick == 100:
            anchor = "start" if rtl else "end"
        parts.append(
            f'<text x="{_x(tick, rtl):.1f}" y="{AXIS_HEIGHT - 3}" text-anchor="{anchor}" '
            f'direction="ltr" font-family="DejaVu Sans, sans-serif" font-size="13" '
            f'fill="#4f5864">{tick}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - digits only


def bars(rows: tuple[ScoreRow, ...], describe: Callable[[ScoreRow], str], *, rtl: bool) -> list[Markup]:
    """Return each row's bar, the first (the overall score) drawn darker."""
    return [bar(row, describe(row), rtl=rtl, overall=index == 0) for index, row in enumerate(rows)]
