"""Mermaid `xychart-beta` line charts and their plain-table fallback (pure).

GitHub draws Mermaid blocks in issues, comments and job summaries; mail notifications and the API show the
source, so every chart comes with the same numbers as a table in a `<details>` block.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from watchdog.core.render.markdown import table

MAX_POINTS = 30
_LABEL_MAX = 24


def quoted(text: object) -> str:
    """A Mermaid string literal: one line, no double quote or backtick (neither can be escaped inside one)."""
    clean = " ".join(str(text).split()).replace('"', "'").replace("`", "'")
    return f'"{clean[:80]}"'


def number(value: float) -> str:
    """Two decimals, no thousands separator (Mermaid reads plain numbers)."""
    return f"{value:.2f}"


def axis_top(values: Sequence[float]) -> str:
    """A round upper bound for the y axis, a little above the largest value (1 when there is nothing)."""
    peak = max([0.0, *values])
    if peak < 0.005:  # nothing worth a cent at two decimals
        return "1"
    scale = 10 ** math.floor(math.log10(peak))
    top = next(step * scale for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12) if step * scale >= peak * 1.05)
    return f"{top:.2f}".rstrip("0").rstrip(".")


def point_labels(instants: Sequence[datetime]) -> list[str]:
    """Short x-axis labels: `11-23` when every run falls on its own day, else `23 02:17` (UTC)."""
    utc = [moment.astimezone(UTC) for moment in instants]
    days = [moment.strftime("%m-%d") for moment in utc]
    if len(set(days)) == len(days):
        return days
    return [moment.strftime("%d %H:%M") for moment in utc]


def line_chart(title: str, y_label: str, labels: Sequence[str], values: Sequence[float]) -> list[str]:
    """A fenced `mermaid` block with one line series; only the last MAX_POINTS points."""
    labels, values = list(labels)[-MAX_POINTS:], list(values)[-MAX_POINTS:]
    return [
        "```mermaid",
        "xychart-beta",
        f"    title {quoted(title)}",
        "    x-axis [" + ", ".join(quoted(str(label)[:_LABEL_MAX]) for label in labels) + "]",
        f"    y-axis {quoted(y_label)} 0 --> {axis_top(values)}",
        "    line [" + ", ".join(number(v) for v in values) + "]",
        "```",
    ]


def details_table(summary: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table folded into `<details>` (blank lines around it, or GitHub renders it as text)."""
    return [f"<details><summary>{summary}</summary>", "", *table(headers, rows), "", "</details>"]
