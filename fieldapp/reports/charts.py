"""Charts drawn on the server as inline SVG: no JavaScript, no library, no network.

Each chart is an ``<svg role="img">`` with a title; the page always shows the
table behind it too, which is what screen readers and printouts rely on.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

# Colours that stay apart for the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
LABEL_CHARS = 42


def _short(label: str) -> str:
    """A label cut to fit beside the bars (the table has it whole)."""
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(title: str, rows: Sequence[tuple[str, int]], chart_id: str) -> Markup:
    """Horizontal bars, one per ``(label, value)``, labelled with their values."""
    label_width, bar_area, bar_height, gap = 330, 300, 24, 8
    height = max(len(rows), 1) * (bar_height + gap) + gap
    width = label_width + bar_area + 60
    top = max((value for _, value in rows), default=0) or 1
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-labelledby="{chart_id}-title"><title id="{chart_id}-title">{escape(title)}</title>']
    if not rows:
        parts.append(f'<text x="8" y="{bar_height}">Nothing in this period.</text>')
    for index, (label, value) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        length = round(bar_area * value / top)
        parts.append(
            f'<g><title>{escape(label)}: {value}</title>'
            f'<text x="{label_width - 8}" y="{y + bar_height - 7}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + length + 6}" y="{y + bar_height - 7}">{value}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_columns(title: str, columns: Sequence[str], series: Sequence[tuple[str, Sequence[int]]],
                    chart_id: str) -> Markup:
    """One column per period (``columns``), stacked by series, with a legend underneath."""
    plot_height, column_width, gap, left = 220, 26, 6, 40
    width = left + max(len(columns), 1) * (column_width + gap) + gap
    totals = [sum(values[i] for _, values in series) for i in range(len(columns))]
    top = max(totals, default=0) or 1
    legend_rows = (len(series) + 2) // 3
    height = plot_height + 40 + legend_rows * 24
    parts = [f'<svg class="chart" viewBox="0 0 {max(width, 600)} {height}" width="100%" role="img" '
             f'aria-labelledby="{chart_id}-title"><title id="{chart_id}-title">{escape(title)}</title>',
             f'<text x="{left - 6}" y="14" text-anchor="end">{top}</text>',
             f'<text x="{left - 6}" y="{plot_height}" text-anchor="end">0</text>',
             f'<line x1="{left}" y1="{plot_height}" x2="{width}" y2="{plot_height}" stroke="#666"/>']
    for i, column in enumerate(columns):
        x = left + gap + i * (column_width + gap)
        y = plot_height
        for s, (name, values) in enumerate(series):
            if not values[i]:
                continue
            size = plot_height * values[i] / top
            y -= size
            parts.append(f'<rect x="{x}" y="{y:.1f}" width="{column_width}" height="{size:.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(column)}, {escape(name)}: '
                         f'{values[i]}</title></rect>')
        if i % max(1, len(columns) // 8) == 0:  # a label every few columns, so they never overlap
            parts.append(f'<text x="{x}" y="{plot_height + 18}" font-size="12">{escape(column[5:])}</text>')
    for s, (name, _) in enumerate(series):
        x = left + (s % 3) * 190
        y = plot_height + 40 + (s // 3) * 24
        parts.append(f'<rect x="{x}" y="{y - 12}" width="14" height="14" fill="{PALETTE[s % len(PALETTE)]}"/>'
                     f'<text x="{x + 20}" y="{y}" font-size="14">{escape(_short(name))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
