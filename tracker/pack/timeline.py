"""The picture of the policy journey since 2014, with today marked.

matplotlib is imported only when a picture is drawn (it costs a few tenths of a
second), always with the Agg backend, and the PNG carries no date or software
stamp, so the same events and the same day give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from tracker.core.dates import day_month_year
from tracker.pack.views import Event

START_YEAR = 2014
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
        f"or delayed. A vertical line marks today, {day_month_year(today)}. Each marker is numbered; the table after "
        f"the picture lists every event by number."
    )


def draw(events: Sequence[Event], today: dt.date) -> bytes:
    """PNG bytes of the timeline; deterministic for the same events and day."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    lanes = [lane for lane in LANES if any(e.lane == lane for e in events)] or ["Our system"]
    height = 0.55 * len(lanes) + 1.3
    fig = Figure(figsize=(7.2, height), dpi=170)
    # Fixed margins rather than tight_layout(), which draws the figure twice.
    fig.subplots_adjust(left=0.27, right=0.98, bottom=0.5 / height, top=1 - 0.1 / height)
    ax = fig.add_subplot()
    y_of = {lane: len(lanes) - i for i, lane in enumerate(lanes)}
    end = max([today.year + 1.0] + [year_fraction(e.date.first_day()) + 0.6 for e in events])
    stagger: dict[str, int] = {}
    for n, e in numbered(events):
        colour, marker = STYLE.get(e.lane, ("#425563", "o"))
        x, y = year_fraction(e.date.first_day()), y_of.get(e.lane, 1)
        done = e.status in ("published", "superseded")
        ax.plot(
            [x], [y], marker=marker, markersize=6, linestyle="none", markeredgewidth=1.2,
            markeredgecolor=colour, markerfacecolor=colour if done else "white", zorder=3,
        )  # fmt: skip
        k = stagger.get(e.lane, 0)
        stagger[e.lane] = k + 1
        ax.annotate(
            str(n), (x, y), xytext=(0, 7 if k % 2 == 0 else -12), textcoords="offset points",
            ha="center", fontsize=5.5, color="#212B32",
        )  # fmt: skip
    t = year_fraction(today)
    ax.axvline(t, color="#DA291C", linewidth=1.2, linestyle="--", zorder=2)
    ax.text(
        t - 0.08,
        len(lanes) + 0.75,
        f"Today, {day_month_year(today)}",
        color="#212B32",
        fontsize=6.5,
        ha="right",
        va="top",
    )
    ax.set_yticks([y_of[lane] for lane in lanes], labels=lanes, fontsize=7)
    ticks = list(range(START_YEAR, int(end) + 1, 2))
    ax.set_xticks(ticks, labels=[str(y) for y in ticks], fontsize=7)
    ax.set_xlim(START_YEAR - 0.3, end)
    ax.set_ylim(0.4, len(lanes) + 0.8)
    ax.grid(axis="x", color="#E8EDEE", linewidth=0.8)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
