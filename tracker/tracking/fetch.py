"""Fetch a feed politely and read it safely. A failed feed is data, never an exception.

`fetch` sends If-None-Match / If-Modified-Since from the saved state, caps the body
size while streaming (after gzip decoding, so a small bomb cannot grow into a big
one), follows a bounded number of redirects, and reports any failure as one
sentence. `read_feed` turns the bytes into sanitised `Item`s with feedparser.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
import httpx

from tracker.core.dates import utc_stamp
from tracker.tracking.match import Item
from tracker.tracking.normalise import clean_text, safe_link

USER_AGENT = "nhs-governors-tracker/0.1 (+https://github.com/; policy milestone tracker for NHS trusts)"
MAX_BYTES = 5_000_000
TIMEOUT = 20.0
MAX_REDIRECTS = 5
# feedparser flags these but has read the feed correctly: a declared encoding that
# was wrong, or an XML feed served as text/plain.
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int | None = None
    body: bytes | None = None  # None on 304 Not Modified and on failure
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # one sentence
    seconds: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and self.error is None


@dataclass(frozen=True)
class Feed:
    items: tuple[Item, ...] = ()
    error: str | None = None
    newest: str | None = None  # newest item date, ISO


def new_client(timeout: float = TIMEOUT, max_redirects: int = MAX_REDIRECTS) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        max_redirects=max_redirects,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5",
        },
        limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
    )


def fetch(
    client: httpx.Client,
    url: str,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> FetchResult:
    """GET `url` conditionally; never raises for anything the network or server does."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    start = time.perf_counter()
    try:
        with client.stream("GET", url, headers=headers) as resp:
            got = {k.lower(): v for k, v in resp.headers.items()}
            if resp.status_code == 304:
                return FetchResult(url, 304, None, got, seconds=time.perf_counter() - start)
            if resp.status_code >= 400:
                reason = f" {resp.reason_phrase}" if resp.reason_phrase else ""
                return FetchResult(url, resp.status_code, None, got, f"the server answered {resp.status_code}{reason}.")
            declared = got.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes and "gzip" not in got.get("content-encoding", ""):
                return FetchResult(url, resp.status_code, None, got, _too_big(max_bytes))
            chunks, size = [], 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    return FetchResult(url, resp.status_code, None, got, _too_big(max_bytes))
                chunks.append(chunk)
            return FetchResult(url, resp.status_code, b"".join(chunks), got, seconds=time.perf_counter() - start)
    except httpx.TooManyRedirects:
        error = f"too many redirects (more than {client.max_redirects}); the address may redirect in a loop."
    except httpx.TimeoutException:
        error = f"no answer within {_seconds(client.timeout.read)}; the request timed out."
    except httpx.DecodingError:
        error = "the response could not be decompressed (bad gzip or deflate data)."
    except httpx.ConnectError as exc:
        error = f"could not connect ({_first_line(exc)})."
    except httpx.HTTPError as exc:  # protocol errors, bad redirect targets, ...
        error = f"the request failed ({type(exc).__name__}: {_first_line(exc)})."
    return FetchResult(url, None, None, {}, error, time.perf_counter() - start)


def read_feed(source: str, body: bytes, headers: dict[str, str] | None = None) -> Feed:
    """Parse feed bytes into sanitised items, or one sentence saying why not."""
    try:
        parsed = feedparser.parse(body, response_headers=headers or {"content-type": "application/xml"})
    except Exception as exc:  # feedparser is robust, but this input is hostile
        return Feed(error=f"the feed could not be read ({type(exc).__name__}: {_first_line(exc)}).")
    if not parsed.get("version") or not _acceptable(parsed, body):
        return Feed(error=_why_not_a_feed(parsed, body))
    items, newest = [], None
    for entry in parsed.entries:
        item = _item(source, entry)
        items.append(item)
        if item.published and (newest is None or item.published > newest):
            newest = item.published
    return Feed(tuple(items), None, newest)


def read_source(client: httpx.Client | None, source: str) -> tuple[Feed, FetchResult | None]:
    """A feed file or an http(s) address, read once without state (for `tracker match`)."""
    if source.startswith(("http://", "https://")):
        owned = client is None
        client = client or new_client()
        try:
            result = fetch(client, source)
        finally:
            if owned:
                client.close()
        if result.error:
            return Feed(error=result.error), result
        return read_feed(source, result.body or b"", result.headers), result
    try:
        return read_feed(source, Path(source).read_bytes()), None
    except OSError as exc:
        return Feed(error=f"cannot read the file ({exc.strerror or type(exc).__name__})."), None


def _item(source: str, entry: dict) -> Item:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = None
    if stamp:
        try:
            year, month, day, hour, minute, second = stamp[:6]
            published = utc_stamp(dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC))
        except (TypeError, ValueError):
            published = None
    link = safe_link(entry.get("link"))
    guid = clean_text(entry.get("id"), limit=500) or None
    return Item(
        source=source,
        title=clean_text(entry.get("title"), limit=500),
        summary=clean_text(entry.get("summary")),
        link=link,
        guid=guid,
        published=published,
    )


def _acceptable(parsed: dict, body: bytes) -> bool:
    """Clean, or flawed in a way feedparser has fully recovered from."""
    exc = parsed.get("bozo_exception")
    if not parsed.get("bozo") or isinstance(exc, _HARMLESS):
        return True
    # An HTML entity such as &nbsp; is not XML, but it is common and feedparser resolves it
    # itself; entities the feed declares are refused outright (entity-expansion attacks).
    get_message = getattr(exc, "getMessage", None)
    message = get_message() if get_message else ""
    return message == "undefined entity" and b"<!ENTITY" not in body


def _why_not_a_feed(parsed: dict, body: bytes) -> str:
    exc = parsed.get("bozo_exception")
    head = body[:512].lstrip().lower()
    if b"<!ENTITY" in body:
        return "refused: the feed declares its own XML entities (a possible entity-expansion attack)."
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "not a feed: the address returned an HTML page."
    if not body.strip():
        return "not a feed: the response was empty."
    if exc is not None and hasattr(exc, "getLineNumber"):
        return f"malformed XML at line {exc.getLineNumber()}: {exc.getMessage()}."
    if exc is not None:
        return f"not a readable feed ({_first_line(exc)})."
    return "not a feed: no RSS or Atom content was found."


def _too_big(limit: int) -> str:
    return (
        f"the response is larger than the {limit // 1_000_000 or limit} {'MB' if limit >= 1_000_000 else 'byte'} limit."
    )


def _seconds(value: float | None) -> str:
    return f"{value:g} s" if value else "the time limit"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return clean_text(text[0], limit=200) if text else type(exc).__name__
