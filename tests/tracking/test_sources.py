"""Every shipped feed source has a fixture in its real format, read over real HTTP and matched."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import CONFIG, FEEDS
from tests.feedserver import Route
from tests.tracking import corpus
from tracker.config.profiles import parse_sources
from tracker.core.schema import load_checked
from tracker.tracking.fetch import fetch, new_client, read_feed

# source name -> (fixture, content type, {title: (milestone, event)} for the items that must match)
FIXTURES = {
    "gov-uk-dhsc": (
        "gov-uk-dhsc.atom",
        "application/atom+xml",
        {
            "NHS planning guidance 2027 to 2028": ("planning-guidance-2027-28", "update"),
            "First integrated care board mergers take effect": ("icb-mergers-2026", "established"),
        },
    ),
    "nhs-england-news": (
        "nhs-england.xml",
        "application/rss+xml",
        {
            "NHS Frimley and NHS Surrey Heartlands ICBs to merge": ("icb-merger-frimley-surrey-heartlands", "merged"),
            "2025/26 priorities and operational planning guidance": ("planning-guidance-2025-26", "update"),
            "Medium term planning framework – delivering change together 2026/27 to 2028/29": (
                "planning-framework-2026-27-to-2028-29",
                "update",
            ),
        },
    ),
    "gov-uk-dhsc-policy": (
        "gov-uk-dhsc-retimestamped.atom",
        "application/atom+xml",
        {
            "NHS planning guidance 2027 to 2028": ("planning-guidance-2027-28", "update"),
            "First integrated care board mergers take effect": ("icb-mergers-2026", "established"),
        },
    ),
    "gov-uk-dhsc-organisation": (
        "gov-uk-dhsc-organisation.atom",
        "application/atom+xml",
        {
            "Health Bill passes second reading": ("health-bill-2026-27", "second-reading"),
            "Integrated care boards: boundary changes from April 2027": ("icb-mergers-2026", "established"),
        },
    ),
    "gov-uk-nhs-england": (
        "gov-uk-nhs-england.atom",
        "application/atom+xml",
        {
            "Medium term planning framework: refresh for 2027 to 2028": (
                "planning-framework-2026-27-to-2028-29",
                "update",
            ),
            "10 Year Health Plan delivery plan delayed to spring": ("ten-year-health-plan-2025", "delayed"),
        },
    ),
    "legislation-new-acts": (
        "legislation-new-acts.feed",
        "application/atom+xml",
        {"Health Act 2027": ("health-bill-2026-27", "royal-assent")},
    ),
}


def test_every_shipped_source_has_a_fixture_feed():
    shipped = {s.name for s in load_checked(CONFIG / "sources.yaml", parse_sources)}
    assert shipped == set(FIXTURES)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_source_fixture_is_read_over_http_and_matches_only_what_it_should(name, feed_server):
    fixture, content_type, expected = FIXTURES[name]
    url = feed_server.add(f"/{fixture}", Route((FEEDS / fixture).read_bytes(), content_type=content_type))
    with new_client(timeout=2.0) as client:
        result = fetch(client, url)
    feed = read_feed(name, result.body, result.headers, now=dt.datetime(2027, 4, 30, tzinfo=dt.UTC))
    assert feed.error is None and feed.items
    matcher = corpus.matcher()
    got = {i.title: [(m.milestone, str(m.event)) for m in matcher.match(i)] for i in feed.items}
    for title, want in expected.items():
        assert got[title] == [want], (title, got[title])
    assert all(not v for t, v in got.items() if t not in expected), got  # everything else is a near miss
