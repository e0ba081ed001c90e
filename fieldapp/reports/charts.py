"""Charts drawn on the server as inline SVG: no JavaScript, no library, no network.

Each chart is an ``<svg role="img">`` with a title; the page always shows the
table behind it too, which is what screen readers and printouts rely on.

Labels are laid out from an estimate of their width (:func:`text_width`: a
character is at most 0.6 of the font size in the page's sans-serif faces),
so none overlaps another or leaves the viewBox, however many there are:
an axis shows every n-th label, n chosen from the room each label needs
against the room each column has; a long category label is wrapped onto up
to :data:`MAX_LINES` lines (the last shortened with an ellipsis if need be),
its full text kept in the bar's ``<title>`` and in the table beside the chart.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

# Colours that stay apart for the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: The width of a character as a share of the font size: generous for the sans-serif faces pages use.
CHAR_WIDTH = 0.6
#: The font size of the charts' text (the page's .chart rule) and of the weekly axis.
FONT_SIZE, AXIS_FONT_SIZE = 14, 12
#: A category label is wrapped at this many characters a line, onto at most this many lines.
LABEL_CHARS, MAX_LINES = 34, 3
LINE_HEIGHT = 17
#: The least space between two labels side by side, in viewBox units.
LABEL_GAP = 8
#: The narrowest viewBox: the page scales every chart to its width, so text keeps about one size.
MIN_WIDTH = 690


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """The most room ``text`` takes on one line at ``font_size`` (an estimate that errs wide)."""
    return len(text) * font_size * CHAR_WIDTH


def wrap(label: str, chars: int = LABEL_CHARS, lines: int = MAX_LINES) -> list[str]:
    """``label`` on lines of at most ``chars`` characters, at most ``lines`` of them (the last ends in '…'
    if the label is longer still: its full text is in the chart's ``<title>`` and table)."""
    wrapped = textwrap.wrap(label, chars, break_on_hyphens=False) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: chars - 1].rstrip() + "…"
    return wrapped


def _lines(x: float, y: float, lines: Sequence[str], anchor: str = "start", font_size: int = FONT_SIZE) -> str:
    """A ``<text>`` of one or more lines, the first one's baseline at ``y``."""
    spans = "".join(f'<tspan x="{x:g}" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}" font-size="{font_size}">{spans}</text>'


def _open(title: str, chart_id: str, width: float, height: float) -> str:
    """The chart's ``<svg>`` start tag and title."""
    return (f'<svg class="chart" viewBox="0 0 {math.ceil(width)} {math.ceil(height)}" width="100%" role="img" '
            f'aria-labelledby="{chart_id}-title"><title id="{chart_id}-title">{escape(title)}</title>')


def bar_chart(title: str, rows: Sequence[tuple[str, int]], chart_id: str) -> Markup:
    """Horizontal bars, one per ``(label, value)``, labelled (wrapped if long) and with their values."""
    labels = [wrap(label) for label, _ in rows]
    label_width = max((text_width(line) for lines in labels for line in lines), default=0) + 2 * LABEL_GAP
    value_width = max((text_width(str(value)) for _, value in rows), default=0) + 2 * LABEL_GAP
    bar_area, bar_height, gap = 300, 24, 8
    width = max(label_width + bar_area + value_width, MIN_WIDTH)  # charts side by side keep one scale
    top = max((value for _, value in rows), default=0) or 1
    heights = [max(bar_height, len(lines) * LINE_HEIGHT + 7) for lines in labels]
    height = sum(heights) + gap * (len(rows) + 1) if rows else bar_height + 2 * gap
    parts = [_open(title, chart_id, width, height)]
    if not rows:
        parts.append(f'<text x="8" y="{bar_height}">Nothing in this period.</text>')
    y = gap
    for (label, value), lines, row_height in zip(rows, labels, heights, strict=True):
        length = round(bar_area * value / top)
        bar_y = y + (row_height - bar_height) / 2
        first_line = y + (row_height - len(lines) * LINE_HEIGHT) / 2 + LINE_HEIGHT - 4
        parts.append(
            f'<g><title>{escape(label)}: {value}</title>'
            + _lines(label_width - LABEL_GAP, first_line, lines, "end")
            + f'<rect x="{label_width:g}" y="{bar_y:g}" width="{length}" height="{bar_height}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + length + 6:g}" y="{bar_y + bar_height - 7:g}">{value}</text></g>'
        )
        y += row_height + gap
    parts.append("</svg>")
    return Markup("".join(parts))


def axis_step(labels: Sequence[str], pitch: float, font_size: int = AXIS_FONT_SIZE) -> int:
    """Show every n-th of ``labels`` (columns ``pitch`` apart): the least n that keeps them apart."""
    widest = max((text_width(label, font_size) for label in labels), default=0)
    return max(1, math.ceil((widest + LABEL_GAP) / pitch))


def _axis_labels(columns: Sequence[str]) -> list[str]:
    """What the axis shows of each column (ISO dates): the month and day, or the whole date over years."""
    if columns and all(column[:4] == columns[0][:4] and len(column) == 10 for column in columns):
        return [column[5:] for column in columns]
    return list(columns)


def stacked_columns(title: str, columns: Sequence[str], series: Sequence[tuple[str, Sequence[int]]],
                    chart_id: str) -> Markup:
    """One column per period (``columns``), stacked by series, with a legend underneath."""
    plot_height, gap = 220, 6
    axis = _axis_labels(columns)
    totals = [sum(values[i] for _, values in series) for i in range(len(columns))]
    top = max(totals, default=0) or 1
    widest_axis = max((text_width(label, AXIS_FONT_SIZE) for label in axis), default=0)
    left = max(40, text_width(str(top)) + 2 * LABEL_GAP, widest_axis / 2 + LABEL_GAP)
    # Few weeks spread over the chart's width (up to a column of 58); many get 26 each and a wider chart.
    pitch = min(64, max(32, (MIN_WIDTH - left - gap - widest_axis / 2) / max(len(columns), 1)))
    column_width = pitch - gap
    step = axis_step(axis, pitch)
    plot_right = left + max(len(columns), 1) * pitch + gap
    # The legend: as many columns as its widest name allows; names wrapped like the bars' labels.
    names = [wrap(name) for name, _ in series]
    legend_item = 20 + max((text_width(line) for lines in names for line in lines), default=0) + 2 * LABEL_GAP
    width = max(plot_right + widest_axis / 2, MIN_WIDTH, legend_item)
    per_row = max(1, int(width // legend_item))
    legend_rows = [names[i:i + per_row] for i in range(0, len(names), per_row)]
    legend_heights = [max(len(lines) for lines in row) * LINE_HEIGHT + 8 for row in legend_rows]
    height = plot_height + 40 + sum(legend_heights)
    parts = [_open(title, chart_id, width, height),
             f'<text x="{left - 6:g}" y="14" text-anchor="end">{top}</text>',
             f'<text x="{left - 6:g}" y="{plot_height}" text-anchor="end">0</text>',
             f'<line x1="{left:g}" y1="{plot_height}" x2="{plot_right:g}" y2="{plot_height}" stroke="#666"/>']
    for i, column in enumerate(columns):
        x = left + gap + i * pitch
        y = plot_height
        for s, (name, values) in enumerate(series):
            if not values[i]:
                continue
            size = plot_height * values[i] / top
            y -= size
            parts.append(f'<rect x="{x:g}" y="{y:.1f}" width="{column_width}" height="{size:.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(column)}, {escape(name)}: '
                         f'{values[i]}</title></rect>')
        if i % step == 0:
            parts.append(f'<text class="axis-label" x="{x + column_width / 2:g}" y="{plot_height + 18}" '
                         f'text-anchor="middle" font-size="{AXIS_FONT_SIZE}">{escape(axis[i])}</text>')
    y = plot_height + 40
    for r, row in enumerate(legend_rows):
        for c, lines in enumerate(row):
            s = r * per_row + c
            x = c * legend_item + LABEL_GAP
            parts.append(f'<g><title>{escape(series[s][0])}</title>'
                         f'<rect x="{x:g}" y="{y - 12}" width="14" height="14" fill="{PALETTE[s % len(PALETTE)]}"/>'
                         + _lines(x + 20, y, lines) + "</g>")
        y += legend_heights[r]
    parts.append("</svg>")
    return Markup("".join(parts))
