import datetime as dt

import pytest

from tracker.core.dates import PartialDate


@pytest.mark.parametrize(
    ("value", "text", "precision"),
    [
        (2018, "2018", "year"),
        ("2018-11", "2018-11", "month"),
        (dt.date(2018, 11, 14), "2018-11-14", "day"),
        ("2018-11-14", "2018-11-14", "day"),
    ],
)
def test_a_date_keeps_exactly_the_precision_its_source_gives(value, text, precision):
    d = PartialDate.parse(value)
    assert str(d) == text
    assert d.precision == precision


@pytest.mark.parametrize("bad", ["18-11", "November 2018", "2018/11", True, 3.5, None])
def test_anything_else_is_refused_with_a_sentence(bad):
    with pytest.raises(ValueError, match="2018-11"):
        PartialDate.parse(bad)


def test_human_form_never_adds_a_day():
    assert PartialDate.parse("2018-11").human() == "November 2018"
    assert PartialDate.parse(2018).human() == "2018"
    assert PartialDate.parse("2019-01-07").human() == "7 January 2019"


def test_a_month_spans_its_whole_month_for_comparisons():
    d = PartialDate.parse("2024-02")
    assert d.first_day() == dt.date(2024, 2, 1)
    assert d.last_day() == dt.date(2024, 2, 29)


def test_yaml_form_writes_back_as_the_same_unquoted_value():
    assert PartialDate.parse("2019-01-07").to_yaml() == dt.date(2019, 1, 7)
    assert PartialDate.parse("2018-11").to_yaml() == "2018-11"
    assert PartialDate.parse(2018).to_yaml() == 2018


@pytest.mark.parametrize("bad", ["2018-13", "2018-02-30"])
def test_an_impossible_date_is_named_as_such(bad):
    with pytest.raises(ValueError, match="is not a real date"):
        PartialDate.parse(bad)


# -- moments: one way to write them, one way to read them back ------------------------


def test_a_moment_is_written_in_utc_to_the_second_with_a_z():
    from tracker.core.dates import utc_stamp

    london = dt.timezone(dt.timedelta(hours=1))
    assert utc_stamp(dt.datetime(2026, 6, 1, 8, 30, 15, 999, tzinfo=london)) == "2026-06-01T07:30:15Z"


def test_a_naive_moment_is_refused_rather_than_guessed():
    from tracker.core.dates import utc_stamp

    with pytest.raises(ValueError, match="timezone-aware"):
        utc_stamp(dt.datetime(2026, 6, 1, 8, 30))


def test_stamps_read_back_in_every_spelling_the_files_hold_and_junk_reads_as_none():
    from tracker.core.dates import parse_stamp

    moment = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
    assert parse_stamp("2026-11-22T07:00:00Z") == moment
    assert parse_stamp("2026-11-22T07:00:00+00:00") == moment
    assert parse_stamp("2026-11-22T07:00:00") == moment  # naive means UTC
    assert [parse_stamp(x) for x in (None, "", "yesterday", "2026-13-01")] == [None] * 4


def test_the_day_of_a_stamp_is_written_for_a_reader_and_missing_says_so():
    from tracker.core.dates import stamp_day

    assert stamp_day("2026-11-22T07:00:00Z") == "22 November 2026"
    assert stamp_day(None, never="Never") == "Never"
    assert stamp_day("not a date") == "not a date"


def test_a_fixed_clock_always_gives_its_moment():
    from tracker.core.dates import FixedClock

    moment = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
    clock = FixedClock(moment)
    assert clock() == clock() == moment
