"""The policy journey picture: deterministic PNG, today marked, described for screen readers."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from tracker.core.dates import PartialDate
from tracker.pack.timeline import alt_text, draw, year_fraction
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
    assert "table after the picture" in text


def test_an_empty_register_still_draws():
    assert draw((), TODAY).startswith(b"\x89PNG")


def test_year_fraction_places_dates_within_their_year():
    assert year_fraction(dt.date(2020, 1, 1)) == 2020.0
    assert 2020.49 < year_fraction(dt.date(2020, 7, 1)) < 2020.51
