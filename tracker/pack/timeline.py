"""The picture of the policy journey since 2014, with today marked, legible when printed.

The figure is drawn at the size it is printed (PICTURE_CM wide), so a font size here is
the size on paper: every label is at least 8 pt. Each marker's number is placed where
it overlaps no other label, marker, axis label or the today line, trying above and
below the marker; where markers crowd and no place is free, the number is left out
and the table after the picture carries it. Markers that would sit on top of each
other in a lane are staggered up and down.

matplotlib is imported only when a picture is drawn (it costs a few tenths of a
second), always with the Agg backend, and the PNG carries no date or software stamp,
so the same events and the same day give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from tracker.core.dates import day_month_year
from tracker.pack.views import Event

START_YEAR = 2014
PICTURE_CM = 16.6  # the width the pack prints the picture at
MIN_PT = 8.0  # no text in the picture is smaller than this on paper
LABEL_PT = 8.0
AXIS_PT = 8.5
MARKER_PT = 6.5
LANE_INCHES = 0.62
LANES = (
    "Our system",
    "Integrated care systems",
    "Legislation",
    "Long-term and ten-year plans",
    "Planning guidance",
    "Other milestones",
)
# NHS identity colours; each lane also has its own marker shape, so colour is never the only cue.
STYLE = {
    "Our system": ("#003087", "D"),
    "Integrated care systems": ("#005EB8", "o"),
    "Legislation": ("#330072", "s"),
    "Long-term and ten-year plans": ("#007F3B", "^"),
    "Planning guidance": ("#425563", "v"),
    "Other milestones": ("#7C2855", "P"),
}
TODAY_COLOUR = "#DA291C"


def year_fraction(d: dt.date) -> float:
    start = dt.date(d.year, 1, 1)
    return d.year + (d - start).days / (dt.date(d.year + 1, 1, 1) - start).days


def numbered(events: Sequence[Event]) -> list[tuple[int, Event]]:
    return list(enumerate(events, start=1))


def alt_text(events: Sequence[Event], today: dt.date) -> str:
    lanes = [lane for lane in LANES if any(e.lane == lane for e in events)]
    first = events[0].date.human() if events else str(START_YEAR)
    return (
        f"Timeline of {len(events)} national policy and system events from {first} to {day_month_year(today)}, "
        f"in {len(lanes)} rows: {', '.join(lanes)}. Filled markers are published, hollow markers are expected "
        f"or delayed. A vertical line marks today, {day_month_year(today)}. Markers are numbered where there is "
        f"room; the table after the picture lists every event by number."
    )


def draw(events: Sequence[Event], today: dt.date) -> bytes:
    """PNG bytes of the timeline; deterministic for the same events and day."""
    fig = figure(events, today)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def figure(events: Sequence[Event], today: dt.date) -> Any:
    """The matplotlib Figure, laid out: `draw` saves it, and the tests measure its labels."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

    lanes = [lane for lane in LANES if any(e.lane == lane for e in events)] or ["Our system"]
    width = PICTURE_CM / 2.54
    height = LANE_INCHES * len(lanes) + 0.75
    fig = Figure(figsize=(width, height), dpi=200)
    # Fixed margins rather than tight_layout(), which draws the figure twice.
    fig.subplots_adjust(left=1.95 / width, right=1 - 0.12 / width, bottom=0.32 / height, top=1 - 0.3 / height)
    ax = fig.add_subplot()
    y_of = {lane: len(lanes) - i for i, lane in enumerate(lanes)}
    end = max([today.year + 1.0] + [year_fraction(e.date.first_day()) + 0.5 for e in events])
    ax.set_xlim(START_YEAR - 0.3, end)
    ax.set_ylim(0.5, len(lanes) + 0.5)
    ax.set_yticks([y_of[lane] for lane in lanes], labels=lanes, fontsize=AXIS_PT)
    ticks = list(range(START_YEAR, int(end) + 1, 2))
    ax.set_xticks(ticks, labels=[str(y) for y in ticks], fontsize=AXIS_PT)
    ax.grid(axis="x", color="#E8EDEE", linewidth=0.8)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)

    t = year_fraction(today)
    ax.axvline(t, color=TODAY_COLOUR, linewidth=1.2, linestyle="--", zorder=2)
    # "Today" sits above the lanes, in the band no number uses, ending just left of the line.
    ax.annotate(
        f"Today, {day_month_year(today)}", (t, 1.0), xycoords=("data", "axes fraction"), xytext=(-4, 3),
        textcoords="offset points", ha="right", va="bottom", fontsize=AXIS_PT, color="#212B32",
    )  # fmt: skip

    renderer = FigureCanvasAgg(fig).get_renderer()
    to_px = ax.transData.transform
    pt = fig.dpi / 72  # pixels per point
    markers = _place_markers(events, y_of, to_px, pt)
    for (_, e), (x, y) in zip(numbered(events), markers, strict=True):
        colour, marker = STYLE.get(e.lane, ("#425563", "o"))
        done = e.status in ("published", "superseded")
        ax.plot(
            [x], [y], marker=marker, markersize=MARKER_PT, linestyle="none", markeredgewidth=1.1,
            markeredgecolor=colour, markerfacecolor=colour if done else "white", zorder=3,
        )  # fmt: skip

    # What a number must not touch: the markers, the today line, the axis labels and each other.
    half = MARKER_PT * pt / 2 + 1
    taken = [Bbox.from_extents(px - half, py - half, px + half, py + half) for px, py in map(to_px, markers)]
    line_x = to_px((t, 0))[0]
    plot = ax.get_window_extent(renderer)
    taken.append(Bbox.from_extents(line_x - 2 * pt, plot.y0, line_x + 2 * pt, plot.y1 + 40 * pt))
    taken += [label.get_window_extent(renderer) for label in ax.get_yticklabels() + ax.get_xticklabels()]
    taken += [text.get_window_extent(renderer) for text in ax.texts]
    gap = MARKER_PT / 2 + 1.5
    offsets = [(0, gap), (0, -gap), (gap, 0), (-gap, 0), (0, gap + 9), (0, -gap - 9)]
    for (n, _), (x, y) in zip(numbered(events), markers, strict=True):
        for dx, dy in offsets:
            ha = "center" if dx == 0 else ("left" if dx > 0 else "right")
            va = "center" if dy == 0 else ("bottom" if dy > 0 else "top")
            label = ax.annotate(
                str(n), (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                fontsize=LABEL_PT, color="#212B32", zorder=4,
            )  # fmt: skip
            box = label.get_window_extent(renderer).expanded(1.0, 1.0).padded(0.5 * pt)
            inside = plot.x0 - 1 <= box.x0 and box.x1 <= plot.x1 + 1 and plot.y0 <= box.y0 and box.y1 <= plot.y1
            if inside and not any(box.overlaps(other) for other in taken):
                taken.append(box)
                break
            label.remove()
    return fig


def _place_markers(events: Sequence[Event], y_of: dict[str, int], to_px, pt: float) -> list[tuple[float, float]]:
    """Each event's (x, y) in data units; a marker that would cover another in its lane moves up or down."""
    placed: list[tuple[float, float]] = []
    size = MARKER_PT * pt + 2
    for _, e in numbered(events):
        x, base = year_fraction(e.date.first_day()), float(y_of.get(e.lane, 1))
        for shift in (0.0, 0.24, -0.24, 0.42, -0.42):
            px, py = to_px((x, base + shift))
            clear = all(
                abs(px - qx) >= size or abs(py - qy) >= size for qx, qy in map(to_px, placed)
            )  # fmt: skip
            if clear:
                break
        placed.append((x, base + shift))
    return placed
