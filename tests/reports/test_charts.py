"""Charts' labels (issue 12): none overlaps another or leaves the chart, however many weeks or however long.

Text boxes are estimated as the charts do, generously: a character is 0.6 of the font size wide.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from fieldapp.reports.charts import bar_chart, stacked_columns
from tests.factories import stop_search

CHAR = 0.6
VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')
AXIS_LABEL = re.compile(r'<text class="axis-label" x="([\d.]+)" y="[\d.]+" text-anchor="middle" '
                        r'font-size="(\d+)">([^<]*)</text>')
LINES = re.compile(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(start|end)" font-size="(\d+)">(.*?)</text>')
SPAN = re.compile(r"<tspan[^>]*>([^<]*)</tspan>")


def weeks(count: int, first: date = date(2025, 1, 6)) -> list[str]:
    return [(first + timedelta(weeks=n)).isoformat() for n in range(count)]


def axis_boxes(svg: str) -> list[tuple[float, float]]:
    """The left and right edge of each x-axis label shown."""
    return [(float(x) - len(text) * float(size) * CHAR / 2, float(x) + len(text) * float(size) * CHAR / 2)
            for x, size, text in AXIS_LABEL.findall(svg)]


@pytest.mark.parametrize("count", [1, 5, 12, 13, 26, 52, 104, 262])
@pytest.mark.parametrize("first", [date(2025, 1, 6), date(2024, 12, 2)])  # within one year, and across two
def test_weekly_axis_labels_never_overlap_nor_leave_the_chart(count, first):
    columns = weeks(count, first)
    svg = str(stacked_columns("Weekly", columns, [("Stop and search", [1] * count)], "w"))
    width = float(VIEWBOX.search(svg).group(1))
    boxes = axis_boxes(svg)
    assert boxes, "no axis labels"
    assert boxes[0][0] >= 0 and boxes[-1][1] <= width
    for (_, right), (left, _) in zip(boxes, boxes[1:]):
        assert right < left, boxes
    assert len(boxes) >= min(count, 6)  # thinned, not emptied
    if count <= 13 and columns[0][:4] == columns[-1][:4]:
        assert len(boxes) == count  # a quarter's weeks spread over the chart, each labelled (month-day)
    # Every week's column keeps its whole date in its tooltip, as the table beside the chart does.
    assert all(f"<title>{week}, Stop and search: 1</title>" in svg for week in columns)


def _visible_lines(svg: str) -> list[tuple[float, str, float, list[str]]]:
    """Each multi-line label: its x, anchor, font size and lines."""
    return [(float(x), anchor, float(size), [html.unescape(line) for line in SPAN.findall(body)])
            for x, anchor, size, body in LINES.findall(svg)]


def test_a_long_category_label_is_wrapped_whole_inside_the_chart():
    label = "Mixed/Multiple ethnic groups - any other"  # 40 characters
    assert len(label) == 40
    long_one = "Black/African/Caribbean/Black British - any other Black background"
    svg = str(bar_chart("By ethnicity", [(label, 3), ("White - Irish", 12), (long_one, 1)], "e"))
    width = float(VIEWBOX.search(svg).group(1))
    labels = _visible_lines(svg)
    assert [" ".join(lines) for _, _, _, lines in labels] == [label, "White - Irish", long_one]
    for x, anchor, size, lines in labels:
        for line in lines:
            extent = len(line) * size * CHAR
            left, right = (x - extent, x) if anchor == "end" else (x, x + extent)
            assert 0 <= left and right <= width, (line, left, right, width)
    assert f"<title>{html.escape(label)}: 3</title>" in svg


def test_a_label_too_long_for_three_lines_is_shortened_and_kept_whole_in_its_title():
    label = "A category whose name goes on and on " * 4
    svg = str(bar_chart("Long", [(label.strip(), 2)], "l"))
    [(_, _, _, lines)] = _visible_lines(svg)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert f"<title>{label.strip()}: 2</title>" in svg


def test_legend_names_never_overlap():
    names = [f"Series number {n} with a long descriptive name" for n in range(7)]
    svg = str(stacked_columns("Weekly", weeks(12), [(name, [1] * 12) for name in names], "s"))
    width = float(VIEWBOX.search(svg).group(1))
    legend = [(x, list(lines)) for x, anchor, size, lines in _visible_lines(svg) if anchor == "start"]
    assert [" ".join(lines) for _, lines in legend] == names
    xs = sorted({x for x, _ in legend})
    widest = max(len(line) for _, lines in legend for line in lines) * 14 * CHAR
    assert all(b - a > widest for a, b in zip(xs, xs[1:])) and xs[-1] + widest <= width


def test_the_dashboard_shows_a_long_ethnicity_whole(officer, supervisor, client):
    label = "Black/African/Caribbean/Black British - Caribbean"
    officer.push(stop_search(occurred_at="2025-06-03T10:00:00+00:00", self_defined_ethnicity=label))
    page = html.unescape(client.get("/reports?from=2025-06-02&to=2025-06-15").get_data(as_text=True))
    chart = page[page.index('aria-labelledby="ethnicity-title"'):]
    chart = chart[:chart.index("</svg>")]
    assert f"<title>{label}: 1</title>" in chart
    assert "…" not in chart
    assert f'<th scope="row">{label}</th>' in page  # and in the table beside it
