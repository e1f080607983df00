"""Charts for Word documents in the house style: PNG bytes from matplotlib's Agg backend (no display).

Every chart a document shows is made here, so they share one look (GOV.UK colours, Arial or the
nearest sans-serif installed, values written on the bars, no chart junk) and documents only pass
the numbers. Output is reproducible: the same numbers give the same bytes (no timestamp or software
stamp in the PNG), so a rebuilt document compares equal.

Charts are built in worker threads (document builds run off the event loop); matplotlib's pyplot
state machine is not thread-safe, so figures are made with the object API (``Figure``) only, and
one lock guards the rendering in case two documents build at once.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

__all__ = ["COLOURS", "bar_chart", "grouped_bar_chart"]

# GOV.UK design system colours: blue, dark blue, orange, turquoise, purple, green.
COLOURS = ("#1d70b8", "#003078", "#f47738", "#28a197", "#4c2c92", "#00703c")
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
DPI = 150
_LOCK = threading.Lock()


def _font_family() -> list[str]:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in ("Arial", "Liberation Sans", "Helvetica", "DejaVu Sans") if name in installed] or ["sans-serif"]


_RC = {
    "font.family": _font_family(),
    "font.size": 9,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "axes.edgecolor": GRID,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "svg.hashsalt": "workbench",
}


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight")
    return buffer.getvalue()


def _style(axes, horizontal: bool) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="x" if horizontal else "y", color=GRID, linewidth=0.5, alpha=0.7)
    axes.set_axisbelow(True)


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str = "", value_label: str = "",
              percent: bool = False, horizontal: bool = True, width_in: float = 6.3, colour: str = COLOURS[0]) -> bytes:
    """One series as bars (horizontal by default, so long category names stay readable), each bar
    labelled with its value."""
    if len(labels) != len(values):
        raise ValueError("a chart needs one value per label")
    with _LOCK, matplotlib.rc_context(_RC):
        height = max(1.6, 0.32 * len(labels) + 0.9) if horizontal else 3.2
        figure = Figure(figsize=(width_in, height))
        axes = figure.add_subplot()
        positions = range(len(labels))
        if horizontal:
            bars = axes.barh(list(positions), list(values), color=colour, height=0.6)
            axes.set_yticks(list(positions), [_wrap(label) for label in labels])
            axes.invert_yaxis()
            axes.set_xlabel(value_label)
            if percent:
                axes.set_xlim(0, 100)
        else:
            bars = axes.bar(list(positions), list(values), color=colour, width=0.6)
            axes.set_xticks(list(positions), [_wrap(label, 14) for label in labels])
            axes.set_ylabel(value_label)
            if percent:
                axes.set_ylim(0, 100)
        axes.bar_label(bars, labels=[_value_text(v, percent) for v in values], padding=2, fontsize=8)
        if not percent:
            _headroom(axes, values, horizontal)
        _style(axes, horizontal)
        if title:
            axes.set_title(title, loc="left", fontsize=10, fontweight="bold")
        return _png(figure)


def grouped_bar_chart(groups: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str = "",
                      value_label: str = "", percent: bool = False, width_in: float = 6.3) -> bytes:
    """Several series side by side for each group (e.g. upheld rate for councils and providers),
    with a legend."""
    for name, values in series:
        if len(values) != len(groups):
            raise ValueError(f"series {name!r} needs one value per group")
    with _LOCK, matplotlib.rc_context(_RC):
        figure = Figure(figsize=(width_in, 3.2))
        axes = figure.add_subplot()
        count = max(len(series), 1)
        width = 0.8 / count
        for i, (name, values) in enumerate(series):
            positions = [g + (i - (count - 1) / 2) * width for g in range(len(groups))]
            bars = axes.bar(positions, list(values), width=width * 0.95, label=name, color=COLOURS[i % len(COLOURS)])
            axes.bar_label(bars, labels=[_value_text(v, percent) for v in values], padding=2, fontsize=8)
        axes.set_xticks(list(range(len(groups))), [_wrap(g, 16) for g in groups])
        axes.set_ylabel(value_label)
        if percent:
            axes.set_ylim(0, 105)
        else:
            _headroom(axes, [v for _, values in series for v in values], False)
        axes.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        _style(axes, False)
        if title:
            axes.set_title(title, loc="left", fontsize=10, fontweight="bold")
        return _png(figure)


def _value_text(value: float, percent: bool) -> str:
    if percent:
        return f"{value:.0f}%"
    return f"{value:,.0f}"


def _headroom(axes, values: Sequence[float], horizontal: bool) -> None:
    """Room beyond the longest bar for its label."""
    top = max([float(v) for v in values] or [0.0]) or 1.0
    if horizontal:
        axes.set_xlim(0, top * 1.15)
    else:
        axes.set_ylim(0, top * 1.15)


def _wrap(text: str, width: int = 34) -> str:
    """Long labels over two lines at a word boundary (and shortened beyond that)."""
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    cut = cut if cut > 0 else width
    rest = text[cut:].strip()
    if len(rest) > width:
        rest = rest[: width - 1].rstrip() + "…"
    return text[:cut] + "\n" + rest
