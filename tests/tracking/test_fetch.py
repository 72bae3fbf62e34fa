"""Fetching from a real local HTTP server: conditional GET, gzip, limits and every way a feed fails."""

from __future__ import annotations

import datetime as dt
import gzip
import time
import tracemalloc

import pytest

from tests.conftest import FEEDS
from tests.feedserver import Route
from tracker.tracking.fetch import USER_AGENT, fetch, new_client, read_feed, read_source

GOV = (FEEDS / "gov-uk-dhsc.atom").read_bytes()
NOW = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)


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
    feed = read_feed("gov-uk", result.body, result.headers, now=NOW)
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
        (Route(GOV, delay=1.5), "no complete answer within 1 s; the request timed out."),
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
    feed = read_feed(name, (FEEDS / name).read_bytes(), now=NOW)
    assert feed.error == error
    assert feed.items == ()


def test_html_served_as_html_is_not_a_feed(feed_server, client):
    url = feed_server.add("/page", Route((FEEDS / "not-a-feed.html").read_bytes(), content_type="text/html"))
    feed, result = read_source(client, url, now=NOW)
    assert result.status == 200
    assert feed.error == "not a feed: the address returned an HTML page."


def test_a_wrongly_declared_encoding_is_still_read():
    feed = read_feed("x", (FEEDS / "wrong-encoding.xml").read_bytes(), now=NOW)
    assert feed.error is None
    assert feed.items[0].title == "Café news: NHS Long Term Plan published"


def test_items_are_sanitised_and_unsafe_links_dropped():
    items = read_feed("nhse", (FEEDS / "nhs-england.xml").read_bytes(), now=NOW).items
    merger, *_, framework, untitled = items
    assert "<" not in merger.summary and "alert" not in merger.summary
    assert framework.link is None  # javascript: never reaches anything
    assert untitled.title == "" and untitled.published is None


def test_a_missing_file_is_one_sentence():
    feed, _ = read_source(None, str(FEEDS / "no-such-feed.xml"), now=NOW)
    assert feed.error == "cannot read the file (No such file or directory)."


# -- hostile servers: each of these once stopped or swamped a whole run ---------------


@pytest.mark.parametrize("target", ["javascript:x", "mailto:someone@example.org", "data:text/plain,hi", "x:y"])
def test_a_redirect_to_something_that_is_not_a_web_address_is_a_failed_feed(feed_server, client, target):
    url = feed_server.add("/moved", Route(status=302, location=target))
    result = fetch(client, url)
    assert result.error == f"the server redirected to {target!r}, which is not an http(s) web address."
    assert result.body is None


@pytest.mark.parametrize(
    "route",
    [Route(GOV * 40, drip=0.05), Route(GOV * 40, drip=0.05, chunked=True), Route(drip_headers=0.05)],
    ids=["body", "chunked-body", "headers"],
)
def test_a_server_that_drips_its_answer_is_cut_off_at_one_total_deadline(feed_server, client, route):
    url = feed_server.add("/slow", route)
    start = time.monotonic()
    result = fetch(client, url)
    assert time.monotonic() - start < 1.8  # the client's 1 s, for the whole answer, not per read
    assert result.error == "no complete answer within 1 s; the request timed out."
    assert result.body is None


def test_a_slow_but_steady_chunked_feed_within_the_deadline_is_read(feed_server, client):
    url = feed_server.add("/chunked", Route(GOV, chunked=True))
    assert fetch(client, url).body == GOV


def _peak(call):
    tracemalloc.start()
    try:
        return call(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_response_compressed_twice_is_refused_without_being_expanded(feed_server, client):
    bomb = gzip.compress(gzip.compress(b"\0" * 50_000_000))
    url = feed_server.add("/bomb", Route(bomb, content_encoding="gzip, gzip"))
    result, peak = _peak(lambda: fetch(client, url))
    assert result.error == "refused: the response is compressed more than once (Content-Encoding: gzip, gzip)."
    assert peak < 5_000_000


def test_a_gzip_bomb_is_decompressed_only_up_to_the_cap(feed_server, client):
    bomb = gzip.compress(b"<rss>" + b" " * 60_000_000)
    url = feed_server.add("/bomb", Route(bomb, content_encoding="gzip"))
    result, peak = _peak(lambda: fetch(client, url, max_bytes=1_000_000))
    assert result.error == "the response is larger than the 1 MB limit."
    assert peak < 5_000_000  # the cap, not the bomb, bounds what is held


def test_a_compression_we_did_not_ask_for_is_one_sentence(feed_server, client):
    url = feed_server.add("/br", Route(b"\x1b\x00\x00", content_encoding="br"))
    result = fetch(client, url)
    assert result.error == "the response uses a compression this reader does not support (Content-Encoding: br)."
    assert "gzip" in feed_server.requests[-1][1]["accept-encoding"]
    assert "br" not in feed_server.requests[-1][1]["accept-encoding"]


def test_deflate_is_decoded_too(feed_server, client):
    import zlib

    url = feed_server.add("/deflate", Route(zlib.compress(GOV), content_encoding="deflate"))
    assert fetch(client, url).body == GOV


def test_a_304_to_a_request_without_validators_is_not_a_success(feed_server, client):
    url = feed_server.add("/always-304", Route(status=304))
    result = fetch(client, url)
    assert not result.not_modified
    assert result.error == (
        "the server answered 304 Not Modified to a request for the whole feed (it had no ETag or Last-Modified)."
    )


def test_a_redirect_without_a_location_is_a_failed_feed(feed_server, client):
    url = feed_server.add("/nowhere", Route(b"<rss/>", status=302))
    assert fetch(client, url).error == "the server answered 302 Found."


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_declared_entities_are_refused_in_any_encoding(encoding):
    text = (FEEDS / "billion-laughs.xml").read_text(encoding="utf-8")
    body = text.replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>').encode(encoding)
    feed = read_feed("laughs", body, now=NOW)
    assert feed.error == "refused: the feed declares its own XML entities (a possible entity-expansion attack)."
    assert feed.items == ()


def atom(*entries: tuple[str, str, str]) -> bytes:
    """A small Atom feed of (title, link, updated) entries."""
    body = "".join(
        f"<entry><id>{link}</id><title>{title}</title><link href='{link}'/><updated>{updated}</updated></entry>"
        for title, link, updated in entries
    )
    return f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>T</title>{body}</feed>".encode()


@pytest.mark.parametrize(
    "stamp", ["9999-12-31T00:00:00Z", "2999-06-01T00:00:00Z", "1900-01-01T00:00:00Z", "2027-01-15T00:00:00Z"]
)
def test_an_item_dated_outside_the_window_keeps_no_date(stamp):
    feed = read_feed("x", atom(("NHS planning guidance 2027 to 2028", "https://www.gov.uk/a", stamp)), now=NOW)
    (item,) = feed.items
    assert item.published is None and item.title == "NHS planning guidance 2027 to 2028"
    assert feed.newest is None  # nor can it make a silent source look fresh


def test_an_item_dated_today_or_in_the_past_keeps_its_date():
    feed = read_feed(
        "x",
        atom(
            ("A", "https://www.gov.uk/a", "2026-11-22T06:00:00Z"), ("B", "https://www.gov.uk/b", "1999-03-01T00:00:00Z")
        ),
        now=NOW,
    )
    assert [i.published for i in feed.items] == ["2026-11-22T06:00:00Z", "1999-03-01T00:00:00Z"]


def test_titles_lose_bidi_controls_and_unsafe_links_are_dropped():
    feed = read_feed(
        "x",
        atom(
            ("Plan \u202epublished\u202c \u061cnow\U000e0041", "https://user:pw@www.gov.uk/a", "2026-11-20T00:00:00Z"),
            ("B", "http://127.0.0.1:8080/admin", "2026-11-20T00:00:00Z"),
            ("C", "https://www.gov.uk/\u202egnp.exe", "2026-11-20T00:00:00Z"),
        ),
        now=NOW,
    )
    assert [i.title for i in feed.items] == ["Plan published now", "B", "C"]
    assert [i.link for i in feed.items] == [None, None, None]


@pytest.mark.parametrize("status", [404, 500, 503])
def test_a_refusal_by_status_keeps_the_status_so_a_flow_can_decide_to_retry(feed_server, client, status):
    result = fetch(client, feed_server.add("/x", Route(b"no", status=status)))
    assert result.status == status and result.error.startswith(f"the server answered {status}")
