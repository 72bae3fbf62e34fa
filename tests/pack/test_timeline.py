"""The policy journey picture: deterministic PNG, today marked, described for screen readers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from tracker.core.dates import PartialDate
from tracker.pack.timeline import PICTURE_CM, alt_text, draw, figure, year_fraction
from tracker.pack.views import Event

EVENTS = (
    Event(PartialDate(2014, 10), "Long-term and ten-year plans", "NHS Five Year Forward View", "published"),
    Event(PartialDate(2017, 6), "Our system", "Named in the first eight accountable care systems", "published"),
    Event(PartialDate(2022, 7, 1), "Our system", "Statutory integrated care board established", "published"),
    Event(PartialDate(2027), "Planning guidance", "Planning guidance for 2027/28", "expected"),
)
TODAY = dt.date(2026, 11, 22)


def test_the_picture_is_a_png_and_the_same_events_and_day_give_the_same_bytes():
    png = draw(EVENTS, TODAY)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert draw(EVENTS, TODAY) == png
    assert draw(EVENTS, TODAY + dt.timedelta(days=1)) != png  # today is drawn


def test_the_png_carries_no_date_or_software_stamp():
    png = draw(EVENTS, TODAY)
    for chunk in (b"tIME", b"Software", b"Creation Time", b"date:"):
        assert chunk not in png


def test_the_picture_is_not_blank():
    image = Image.open(io.BytesIO(draw(EVENTS, TODAY))).convert("L")
    low, high = image.getextrema()
    assert low < 100 and high > 200
    assert image.width >= 1000


def test_alt_text_describes_the_rows_the_markers_and_today():
    text = alt_text(EVENTS, TODAY)
    assert "4 national policy and system events from October 2014 to 22 November 2026" in text
    assert "Our system" in text and "Planning guidance" in text
    assert "hollow markers are expected or delayed" in text
    assert "the table after the picture lists every event" in text


def test_an_empty_register_still_draws():
    assert draw((), TODAY).startswith(b"\x89PNG")


def test_year_fraction_places_dates_within_their_year():
    assert year_fraction(dt.date(2020, 1, 1)) == 2020.0
    assert 2020.49 < year_fraction(dt.date(2020, 7, 1)) < 2020.51


# -- legible when printed ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_events():
    """The events of the shipped register and trust: 45 of them, crowded in 2019-2021."""
    from tests.conftest import CONFIG
    from tracker.config.profiles import load_trust
    from tracker.pack.briefing import journey
    from tracker.register.parse import load_register

    return journey(load_register(CONFIG / "register.yaml"), load_trust(CONFIG / "trust.yaml"))


def texts_and_boxes(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    (ax,) = fig.axes
    texts = [t for t in [*ax.texts, *ax.get_xticklabels(), *ax.get_yticklabels()] if t.get_text()]
    return ax, renderer, [(t, t.get_window_extent(renderer)) for t in texts]


def test_the_figure_is_drawn_at_the_size_the_pack_prints_it_so_points_are_points(shipped_events):
    fig = figure(shipped_events, TODAY)
    assert fig.get_figwidth() * 2.54 == pytest.approx(PICTURE_CM)


def test_every_label_is_at_least_8_pt_on_paper(shipped_events):
    _, _, boxes = texts_and_boxes(figure(shipped_events, TODAY))
    assert len(boxes) > 30
    assert min(t.get_fontsize() for t, _ in boxes) >= 8


def test_no_two_labels_overlap_and_none_crosses_the_today_line(shipped_events):
    fig = figure(shipped_events, TODAY)
    ax, renderer, boxes = texts_and_boxes(fig)
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            assert not box_a.overlaps(box_b), (a.get_text(), b.get_text())
    (line,) = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    x = ax.transData.transform((line.get_xdata()[0], 0))[0]
    for t, box in boxes:
        assert not box.x0 <= x <= box.x1, t.get_text()


def test_markers_in_a_lane_never_sit_on_each_other(shipped_events):
    fig = figure(shipped_events, TODAY)
    (ax,) = fig.axes
    points = [
        ax.transData.transform((ln.get_xdata()[0], ln.get_ydata()[0]))
        for ln in ax.get_lines()
        if ln.get_marker() not in (None, "None", "")
    ]
    assert len(points) == len(shipped_events)
    size = 6.5 * fig.dpi / 72
    for i, (xa, ya) in enumerate(points):
        for xb, yb in points[i + 1 :]:
            assert abs(xa - xb) >= size or abs(ya - yb) >= size


def test_crowded_markers_lose_their_number_before_anything_overlaps(shipped_events):
    """Fewer labels, never colliding ones: every number shown is a real event's, each at most once."""
    from tests.conftest import report

    _, _, boxes = texts_and_boxes(figure(shipped_events, TODAY))
    numbers = [t.get_text() for t, _ in boxes if t.get_text().isdigit() and len(t.get_text()) <= 2]
    numbers = [n for n in numbers if int(n) <= len(shipped_events)]
    assert len(numbers) == len(set(numbers))
    assert len(numbers) >= len(shipped_events) * 0.8  # most markers keep their number
    report(f"timeline: {len(numbers)} of {len(shipped_events)} markers numbered in the picture; the table lists all")
