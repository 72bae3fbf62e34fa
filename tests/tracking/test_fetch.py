"""Fetching from a real local HTTP server: conditional GET, gzip, limits and every way a feed fails."""

from __future__ import annotations

import pytest

from tests.conftest import FEEDS
from tests.feedserver import Route
from tracker.tracking.fetch import USER_AGENT, fetch, new_client, read_feed, read_source

GOV = (FEEDS / "gov-uk-dhsc.atom").read_bytes()


@pytest.fixture
def client():
    with new_client(timeout=1.0, max_redirects=3) as c:
        yield c


def test_a_feed_is_fetched_with_our_user_agent_and_read_into_items(feed_server, client):
    url = feed_server.add("/feed", Route(GOV, etag='"v1"', last_modified="Fri, 20 Nov 2026 10:30:00 GMT"))
    result = fetch(client, url)
    assert result.status == 200 and result.error is None
    assert result.headers["etag"] == '"v1"'
    assert feed_server.requests[-1][1]["user-agent"] == USER_AGENT
    feed = read_feed("gov-uk", result.body, result.headers)
    assert feed.error is None
    assert [i.title for i in feed.items][0] == "NHS planning guidance 2027 to 2028"
    assert feed.newest == "2026-11-20T10:30:00Z"


def test_a_conditional_get_sends_the_validators_and_a_304_has_no_body(feed_server, client):
    url = feed_server.add("/feed", Route(GOV, etag='"v1"', last_modified="Fri, 20 Nov 2026 10:30:00 GMT"))
    result = fetch(client, url, etag='"v1"', last_modified="Fri, 20 Nov 2026 10:30:00 GMT")
    assert result.not_modified and result.body is None
    sent = feed_server.requests[-1][1]
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Fri, 20 Nov 2026 10:30:00 GMT"
    assert fetch(client, url, etag='"v0"').status == 200  # a stale ETag gets the new body


def test_last_modified_alone_is_enough_for_a_304(feed_server, client):
    url = feed_server.add("/feed", Route(GOV, last_modified="Fri, 20 Nov 2026 10:30:00 GMT"))
    assert fetch(client, url, last_modified="Fri, 20 Nov 2026 10:30:00 GMT").not_modified


def test_gzip_is_asked_for_and_decoded(feed_server, client):
    url = feed_server.add("/gz", Route(GOV, gzip=True))
    result = fetch(client, url)
    assert "gzip" in feed_server.requests[-1][1]["accept-encoding"]
    assert result.body == GOV


def test_a_bounded_number_of_redirects_is_followed(feed_server, client):
    feed_server.add("/feed", Route(GOV))
    feed_server.add("/moved", Route(status=301, location="/feed"))
    assert fetch(client, feed_server.url("/moved")).body == GOV
    for i in range(5):
        feed_server.add(f"/hop{i}", Route(status=302, location=f"/hop{i + 1}"))
    assert "too many redirects" in fetch(client, feed_server.url("/hop0")).error


def test_a_redirect_loop_is_one_sentence(feed_server, client):
    feed_server.add("/a", Route(status=302, location="/b"))
    feed_server.add("/b", Route(status=302, location="/a"))
    result = fetch(client, feed_server.url("/a"))
    assert result.error == "too many redirects (more than 3); the address may redirect in a loop."


@pytest.mark.parametrize(
    ("route", "error"),
    [
        (Route(b"gone", status=404), "the server answered 404 Not Found."),
        (Route(b"oops", status=500), "the server answered 500 Internal Server Error."),
        (Route(GOV, delay=1.5), "no answer within 1 s; the request timed out."),
        (Route(b"x" * 2_000), "the response is larger than the 1000 byte limit."),
        (Route(b"<rss>" + b" " * 50_000, gzip=True), "the response is larger than the 1000 byte limit."),
    ],
    ids=["404", "500", "timeout", "oversized", "gzip-bomb"],
)
def test_each_failure_is_one_sentence_not_an_exception(feed_server, client, route, error):
    url = feed_server.add("/bad", route)
    result = fetch(client, url, max_bytes=1_000) if "limit" in error else fetch(client, url)
    assert result.error == error
    assert result.body is None


def test_a_closed_port_is_a_connection_error(client):
    result = fetch(client, "http://127.0.0.1:9/feed")
    assert result.error.startswith("could not connect")


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("malformed.xml", "malformed XML at line 4: not well-formed (invalid token)."),
        ("not-a-feed.html", "not a feed: the address returned an HTML page."),
        ("billion-laughs.xml", "refused: the feed declares its own XML entities (a possible entity-expansion attack)."),
    ],
)
def test_bad_feeds_give_one_sentence_and_no_items(name, error):
    feed = read_feed(name, (FEEDS / name).read_bytes())
    assert feed.error == error
    assert feed.items == ()


def test_html_served_as_html_is_not_a_feed(feed_server, client):
    url = feed_server.add("/page", Route((FEEDS / "not-a-feed.html").read_bytes(), content_type="text/html"))
    feed, result = read_source(client, url)
    assert result.status == 200
    assert feed.error == "not a feed: the address returned an HTML page."


def test_a_wrongly_declared_encoding_is_still_read():
    feed = read_feed("x", (FEEDS / "wrong-encoding.xml").read_bytes())
    assert feed.error is None
    assert feed.items[0].title == "Café news: NHS Long Term Plan published"


def test_items_are_sanitised_and_unsafe_links_dropped():
    items = read_feed("nhse", (FEEDS / "nhs-england.xml").read_bytes()).items
    merger, *_, framework, untitled = items
    assert "<" not in merger.summary and "alert" not in merger.summary
    assert framework.link is None  # javascript: never reaches anything
    assert untitled.title == "" and untitled.published is None


def test_a_missing_file_is_one_sentence():
    feed, _ = read_source(None, str(FEEDS / "no-such-feed.xml"))
    assert feed.error == "cannot read the file (No such file or directory)."
