"""Fetch a feed politely and read it safely. A failed feed is data, never an exception.

`fetch` sends If-None-Match / If-Modified-Since from the saved state and holds a
hostile server to three bounds: one total deadline for the whole answer (connecting,
headers, every redirect and every byte of the body, so a server that drips one byte a
second cannot hold a run), one size cap on the decompressed body (decoded here, a
bounded piece at a time; a body compressed twice is refused unread), and at most a few
redirects, each to an http(s) address. Any failure is one sentence. `read_feed` turns
the bytes into sanitised `Item`s with feedparser, refusing feeds that declare XML
entities in any encoding, and keeping only dates a publication can have.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser
import httpcore
import httpx
from feedparser.encodings import convert_to_utf8
from feedparser.util import FeedParserDict

from tracker.core.dates import feed_date_ok, utc_stamp
from tracker.core.schema import is_web_url
from tracker.core.text import safe_link
from tracker.tracking.match import Item
from tracker.tracking.normalise import clean_text

USER_AGENT = "nhs-governors-tracker/0.1 (+https://github.com/; policy milestone tracker for NHS trusts)"
MAX_BYTES = 5_000_000
TIMEOUT = 20.0  # seconds for the whole answer to one feed, redirects included
MAX_REDIRECTS = 5
# Only what we can decode a bounded piece at a time (zlib); never br or zstd.
ACCEPT_ENCODING = "gzip, deflate"
# feedparser flags these but has read the feed correctly: a declared encoding that
# was wrong, or an XML feed served as text/plain.
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
_REDIRECTS = (301, 302, 303, 307, 308)
_XML = {"content-type": "application/xml"}
_PIECE = 1 << 16  # decompressed bytes asked of zlib at a time


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


# -- one deadline for everything a fetch does on the network -------------------------
#
# httpx's timeouts bound each read, so a server sending a byte just inside each one
# never times out. Every socket operation of a fetch goes through `_DeadlineStream`,
# which gives it at most the time left before the fetch's deadline (kept per thread,
# so concurrent fetches on one client each keep their own).

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("fetch_deadline", default=None)


def _left(timeout: float | None, expired: type[Exception]) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the time allowed for the whole answer has run out")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream):
        self.stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        tls = self.stream.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend):
        self.backend = backend

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None) -> httpcore.NetworkStream:
        stream = self.backend.connect_tcp(
            host, port, _left(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path, timeout=None, socket_options=None) -> httpcore.NetworkStream:
        stream = self.backend.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self.backend.sleep(seconds)


class _CheckedRedirects(httpx.BaseTransport):
    """Refuses a redirect to anything but an http(s) address before httpx tries to follow it.

    httpx raises InvalidURL (not an HTTPError) for `Location: javascript:x` while building
    the next request; here it becomes one sentence instead.
    """

    def __init__(self, transport: httpx.BaseTransport):
        self.transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.transport.handle_request(request)
        location = response.headers.get("location")
        bad = location is not None and not is_web_url(urljoin(str(request.url), location.strip()))
        if response.status_code in _REDIRECTS and bad:
            response.close()
            raise _Refused(f"the server redirected to {_short(location or '')!r}, which is not an http(s) web address.")
        return response

    def close(self) -> None:
        self.transport.close()


def new_client(timeout: float = TIMEOUT, max_redirects: int = MAX_REDIRECTS) -> httpx.Client:
    """A client for fetching feeds: `timeout` is the total time allowed for each fetch."""
    transport = httpx.HTTPTransport(limits=httpx.Limits(max_connections=16, max_keepalive_connections=16))
    # httpx has no public way to give its connection pool a network backend; the pinned
    # httpx and httpcore keep it here, and the slow-drip tests fail if that changes.
    pool = transport._pool
    pool._network_backend = _DeadlineBackend(pool._network_backend)
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        max_redirects=max_redirects,
        transport=_CheckedRedirects(transport),
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
    )


class _Refused(Exception):
    """A response we will not read; the message is the sentence for the summary."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status, when that is the reason (a 5xx may be worth retrying)


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
    limit = client.timeout.read or TIMEOUT
    status = None
    start = time.monotonic()
    token = _DEADLINE.set(start + limit)
    try:
        with client.stream("GET", url, headers=headers) as resp:
            got = {k.lower(): v for k, v in resp.headers.items()}
            body = _answer(resp, got, bool(headers), max_bytes)
        return FetchResult(url, resp.status_code, body, got, seconds=time.monotonic() - start)
    except _Refused as exc:
        error, status = str(exc), exc.status
    except httpx.TooManyRedirects:
        error = f"too many redirects (more than {client.max_redirects}); the address may redirect in a loop."
    except httpx.TimeoutException:
        error = f"no complete answer within {limit:g} s; the request timed out."
    except httpx.ConnectError as exc:
        error = f"could not connect ({_first_line(exc)})."
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:  # protocol errors, odd addresses, ...
        error = f"the request failed ({type(exc).__name__}: {_first_line(exc)})."
    except Exception as exc:  # whatever else a hostile server provokes: one failed feed, not a failed run
        error = f"the request failed unexpectedly ({type(exc).__name__}: {_first_line(exc)})."
    finally:
        _DEADLINE.reset(token)
    return FetchResult(url, status, None, {}, error, time.monotonic() - start)


def _answer(resp: httpx.Response, headers: dict[str, str], conditional: bool, max_bytes: int) -> bytes | None:
    """The body of a 2xx answer; None for a 304 to a conditional request; anything else is refused."""
    if resp.status_code == 304:
        if not conditional:  # nothing was asked conditionally, so nothing can be "not modified"
            raise _Refused(
                "the server answered 304 Not Modified to a request for the whole feed (it had no ETag or Last-Modified).",
                304,
            )
        return None
    if not 200 <= resp.status_code < 300:
        reason = f" {resp.reason_phrase}" if resp.reason_phrase else ""
        raise _Refused(f"the server answered {resp.status_code}{reason}.", resp.status_code)
    return _body(resp, headers, max_bytes)


def _body(resp: httpx.Response, headers: dict[str, str], max_bytes: int) -> bytes:
    """The body, decompressed a bounded piece at a time: never more than `max_bytes` is held."""
    coding = _coding(headers.get("content-encoding", ""))
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Refused(_too_big(max_bytes))
    chunks: list[bytes] = []
    size = 0
    try:
        for piece in _decoded(resp.iter_raw(), coding, max_bytes):
            size += len(piece)
            if size > max_bytes:
                raise _Refused(_too_big(max_bytes))
            chunks.append(piece)
    except zlib.error:
        raise _Refused("the response could not be decompressed (bad gzip or deflate data).") from None
    return b"".join(chunks)


def _coding(content_encoding: str) -> str | None:
    """The one compression layer to undo ("gzip" or "deflate"), or None for none."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip().lower() not in ("", "identity")]
    if len(codings) > 1:
        raise _Refused(
            f"refused: the response is compressed more than once (Content-Encoding: {_short(content_encoding)})."
        )
    if not codings:
        return None
    if codings[0] in ("gzip", "x-gzip", "deflate"):
        return "deflate" if codings[0] == "deflate" else "gzip"
    raise _Refused(
        f"the response uses a compression this reader does not support (Content-Encoding: {_short(content_encoding)})."
    )


def _decoded(raw: Iterator[bytes], coding: str | None, max_bytes: int) -> Iterator[bytes]:
    """Each raw piece decompressed, never asking zlib for more than a small piece at a time."""
    received = 0
    decoder = None
    for data in raw:
        received += len(data)
        if received > max_bytes:  # compressed bytes count too
            raise _Refused(_too_big(max_bytes))
        if coding is None:
            yield data
            continue
        if decoder is None:
            decoder = zlib.decompressobj(_wbits(coding, data))
        while data and not decoder.eof:
            yield decoder.decompress(data, _PIECE)
            data = decoder.unconsumed_tail
    if decoder is not None:
        yield decoder.flush()


def _wbits(coding: str, first: bytes) -> int:
    if coding == "gzip":
        return zlib.MAX_WBITS | 16
    # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate: the
    # zlib header's first two bytes are a multiple of 31 (as httpx and browsers check).
    zlib_header = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
    return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS


def read_feed(source: str, body: bytes, headers: dict[str, str] | None = None, *, now: dt.datetime) -> Feed:
    """Parse feed bytes into sanitised items, or one sentence saying why not.

    `now` bounds the dates believed (see tracker.core.dates.feed_date_ok).
    """
    if declares_entities(body, headers):
        return Feed(error="refused: the feed declares its own XML entities (a possible entity-expansion attack).")
    try:
        parsed = feedparser.parse(body, response_headers=headers or _XML)
    except Exception as exc:  # feedparser is robust, but this input is hostile
        return Feed(error=f"the feed could not be read ({type(exc).__name__}: {_first_line(exc)}).")
    if not parsed.get("version") or not _acceptable(parsed):
        return Feed(error=_why_not_a_feed(parsed, body))
    items, newest = [], None
    for entry in parsed.entries:
        item = _item(source, entry, now)
        items.append(item)
        if item.published and (newest is None or item.published > newest):
            newest = item.published
    return Feed(tuple(items), None, newest)


def declares_entities(body: bytes, headers: dict[str, str] | None = None) -> bool:
    """Whether the document declares XML entities, in whatever encoding it is written.

    A UTF-16 or UTF-32 feed spells `<!ENTITY` with zero bytes between the letters, and
    UTF-7 or EBCDIC with other bytes altogether, so look for it in the text exactly as
    feedparser will decode it, as well as in the bytes.
    """
    if b"<!ENTITY" in body or b"<!ENTITY" in body.replace(b"\0", b""):
        return True
    try:
        text = convert_to_utf8(dict(headers or _XML), body, FeedParserDict())
    except Exception:  # feedparser will fail on it the same way, and say so
        return False
    return b"<!ENTITY" in text


def read_source(client: httpx.Client | None, source: str, *, now: dt.datetime) -> tuple[Feed, FetchResult | None]:
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
        return read_feed(source, result.body or b"", result.headers, now=now), result
    try:
        return read_feed(source, Path(source).read_bytes(), now=now), None
    except OSError as exc:
        return Feed(error=f"cannot read the file ({exc.strerror or type(exc).__name__})."), None


def _item(source: str, entry: dict, now: dt.datetime) -> Item:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = None
    if stamp:
        try:
            year, month, day, hour, minute, second = stamp[:6]
            moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
            published = utc_stamp(moment) if feed_date_ok(moment, now) else None
        except (TypeError, ValueError, OverflowError):
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


def _acceptable(parsed: dict) -> bool:
    """Clean, or flawed in a way feedparser has fully recovered from."""
    exc = parsed.get("bozo_exception")
    if not parsed.get("bozo") or isinstance(exc, _HARMLESS):
        return True
    # An HTML entity such as &nbsp; is not XML, but it is common and feedparser resolves it
    # itself (entities the feed declares never get this far: see `declares_entities`).
    get_message = getattr(exc, "getMessage", None)
    return (get_message() if get_message else "") == "undefined entity"


def _why_not_a_feed(parsed: dict, body: bytes) -> str:
    exc = parsed.get("bozo_exception")
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "not a feed: the address returned an HTML page."
    if not body.strip():
        return "not a feed: the response was empty."
    if exc is not None and hasattr(exc, "getLineNumber"):
        return f"malformed XML at line {exc.getLineNumber()}: {clean_text(exc.getMessage(), limit=200)}."
    if exc is not None:
        return f"not a readable feed ({_first_line(exc)})."
    return "not a feed: no RSS or Atom content was found."


def _too_big(limit: int) -> str:
    return (
        f"the response is larger than the {limit // 1_000_000 or limit} {'MB' if limit >= 1_000_000 else 'byte'} limit."
    )


def _short(text: str, limit: int = 80) -> str:
    return clean_text(text, limit=limit)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return clean_text(text[0], limit=200) if text else type(exc).__name__
