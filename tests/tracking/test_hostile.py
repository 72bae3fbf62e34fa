"""Every attack a hostile feed server has made on a whole `track` run, one route each.

Each route is served by the real HTTP server in tests/feedserver.py beside the two good
fixture feeds, and the run happens in a process of its own (tests/tracking/hostile_run.py)
so its peak resident memory can be measured. For every route the run must finish
within a bound, apply the good feeds, record the hostile one as failed (with its one
sentence) or read it with everything unsafe dropped, and stay under a memory cap. A
route that fails leaves the register byte-identical to a run without it.

The table is the record of what was found (issue 15, failures 1, 2, 3, 5 and 11) and of
the attacks that were already refused (entity expansion, XXE, redirect loops).
"""

from __future__ import annotations

import functools
import gzip
import json
import shutil
import subprocess
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import CONFIG, FEEDS, ROOT, report, write_sources
from tests.feedserver import FeedServer, Route
from tracker.tracking.fetch import MAX_BYTES

pytestmark = pytest.mark.slow

NOW = "2026-11-22T07:00:00+00:00"
DEADLINE = 2.0  # seconds for each fetch's whole answer in these runs (20 s in use)
BOUND = 15.0  # seconds for the whole run: the deadline, the good feeds and the register, with room
# Peak resident memory of the run's process may exceed that of a run of the good feeds
# alone (about 50 MB) by this much: room for the 5 MB body cap and its parse. A bomb decompressed whole would add 1,000 MB or more.
HEADROOM_MB = 100
GOV = (FEEDS / "gov-uk-dhsc.atom").read_bytes()
NHSE = (FEEDS / "nhs-england.xml").read_bytes()
LAUGHS = (FEEDS / "billion-laughs.xml").read_bytes()


@functools.cache
def bomb(megabytes: int, wrapper: str = "gzip") -> bytes:
    """`megabytes` MiB of zeros as one gzip (or zlib) stream of about 1 KB per MiB, built
    block by block: compressing a gigabyte takes seconds and holds it; repeating a
    flushed block does neither."""
    zeros = b"\0" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)  # ends on a byte, the window reset
    body = block * megabytes + c.flush()
    check = zlib.crc32(b"") if wrapper == "gzip" else zlib.adler32(b"")
    for _ in range(megabytes):
        check = zlib.crc32(zeros, check) if wrapper == "gzip" else zlib.adler32(zeros, check)
    if wrapper == "zlib":
        return b"\x78\xda" + body + check.to_bytes(4, "big")
    size = (megabytes << 20) & 0xFFFFFFFF
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + check.to_bytes(4, "little") + size.to_bytes(4, "little")


def atom(title: str, link: str, updated: str, encoding: str = "utf-8", declaration: str = "") -> bytes:
    """A one-entry Atom feed; `declaration` goes between the XML declaration and the feed."""
    return (
        f"<?xml version='1.0' encoding='{encoding}'?>{declaration}<feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Hostile</title><entry><id>{link}</id><title>{title}</title><link href='{link}'/>"
        f"<updated>{updated}</updated></entry></feed>"
    ).encode(encoding)


# A headline that matches the register (a new edition of the planning guidance), so an
# unsafe date or link on it would reach a proposal if it were believed.
HEADLINE = "NHS planning guidance 2028 to 2029"
DOC = "https://www.gov.uk/government/publications/nhs-planning-guidance-2028-to-2029"
XXE = "<!DOCTYPE feed [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
LAUGH_DECL = "<!DOCTYPE feed [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"


@dataclass
class Attack:
    """A route, and what the run must make of it: `error` (a substring of the one sentence)
    for a feed that fails, or None for one read with the unsafe parts dropped; `absent`
    is text that must never reach the register."""

    route: (
        Route | dict[str, Route] | Callable[[], Route]
    )  # several: the first is the feed's; a bomb is made when served
    error: str | None
    absent: tuple[str, ...] = ()
    bomb: bool = False  # measure and report its peak memory
    extra: dict = field(default_factory=dict)


def attacks() -> dict[str, Attack]:
    gz = functools.partial(bomb, 1024)  # 1 GiB of zeros in about 1 MB
    too_big = b"<rss>" + b" " * MAX_BYTES + b"</rss>"
    timed_out = "timed out"
    not_web = "which is not an http(s) web address"
    entities = "declares its own XML entities"
    return {
        # 2. a slow feed: one total deadline, however the bytes drip
        "drip-body": Attack(Route(GOV * 40, drip=0.05), timed_out),
        "drip-chunked-body": Attack(Route(GOV * 40, drip=0.05, chunked=True), timed_out),
        "drip-headers": Attack(Route(drip_headers=0.05), timed_out),
        "silent-before-answering": Attack(Route(GOV, delay=DEADLINE + 3), timed_out),
        # 5. bombs and huge bodies: one decompression cap
        "gzip-bomb": Attack(lambda: Route(gz(), content_encoding="gzip"), "larger than the 5 MB limit", bomb=True),
        "nested-gzip-bomb": Attack(lambda: Route(gzip.compress(gz()), content_encoding="gzip, gzip"), "compressed more than once", bomb=True),
        "gzip-bomb-chunked": Attack(
            lambda: Route(gz(), content_encoding="x-gzip", chunked=True), "larger than the 5 MB limit", bomb=True
        ),
        "deflate-bomb": Attack(
            lambda: Route(bomb(1024, "zlib"), content_encoding="deflate"), "larger than the 5 MB limit", bomb=True
        ),
        "huge-body": Attack(Route(too_big), "larger than the 5 MB limit"),
        "huge-body-chunked": Attack(Route(too_big, chunked=True), "larger than the 5 MB limit"),
        "brotli-unasked": Attack(Route(b"\x1b\x00\x00", content_encoding="br"), "does not support"),
        # 1. redirects: bounded, and only ever to a web address
        "redirect-loop": Attack({"/loop-a": Route(status=302, location="/loop-b"),
                                 "/loop-b": Route(status=302, location="/loop-a")}, "too many redirects"),  # fmt: skip
        "redirect-chain": Attack(
            {f"/hop{i}": Route(status=301, location=f"/hop{i + 1}") for i in range(12)}, "too many redirects"
        ),
        "redirect-javascript": Attack(Route(status=302, location="javascript:x"), not_web),
        "redirect-mailto": Attack(Route(status=302, location="mailto:someone@example.org"), not_web),
        "redirect-data": Attack(Route(status=302, location="data:text/xml,<rss/>"), not_web),
        "redirect-no-slashes": Attack(Route(status=302, location="x:y"), not_web),
        "redirect-file": Attack(Route(status=307, location="file:///etc/passwd"), not_web),
        "redirect-without-location": Attack(Route(b"<rss/>", status=302), "answered 302"),
        # entities and encodings
        "billion-laughs": Attack(Route(LAUGHS), entities),
        "billion-laughs-utf-16": Attack(Route(atom(HEADLINE, DOC, "2026-11-21T00:00:00Z", "utf-16", LAUGH_DECL)), entities),
        "billion-laughs-utf-16-as-utf-8": Attack(
            Route(atom(HEADLINE, DOC, "2026-11-21T00:00:00Z", "utf-16", LAUGH_DECL),
                  content_type="application/xml; charset=utf-8"), entities,
        ),  # fmt: skip
        "external-entity": Attack(Route(atom("&xxe;", DOC, "2026-11-21T00:00:00Z", declaration=XXE)), entities, ("root:",)),
        "utf-32-entities": Attack(Route(atom(HEADLINE, DOC, "2026-11-21T00:00:00Z", "utf-32", LAUGH_DECL)), entities),
        "invalid-utf-8": Attack(Route(atom(HEADLINE, DOC, "2026-11-21T00:00:00Z").replace(b"2028", b"\xff\xfe28")), None, ("\ufffd",)),
        "html-page": Attack(Route((FEEDS / "not-a-feed.html").read_bytes(), content_type="text/html"), "HTML page"),
        "malformed-xml": Attack(Route((FEEDS / "malformed.xml").read_bytes()), "malformed XML"),
        "empty-body": Attack(Route(b""), "empty"),
        # 3. dates: one window for every feed date
        "date-9999": Attack(Route(atom(HEADLINE, DOC, "9999-12-31T00:00:00Z")), None, ("9999",)),
        "date-2999": Attack(Route(atom(HEADLINE, DOC, "2999-06-01T00:00:00Z")), None, ("2999",)),
        "date-1900": Attack(Route(atom(HEADLINE, DOC, "1900-01-01T00:00:00Z")), None, ("1900-01",)),
        "date-next-year": Attack(Route(atom(HEADLINE, DOC, "2027-11-22T00:00:00Z")), None, ("2027-11-22",)),
        # 11. links and text: http(s) public links only, no controls
        "javascript-link": Attack(Route(atom(HEADLINE, "javascript:alert(1)", "2026-11-21T00:00:00Z")), None, ("javascript:",)),
        "credentials-link": Attack(Route(atom(HEADLINE, "https://www.gov.uk@evil.example/x", "2026-11-21T00:00:00Z")), None, ("evil.example",)),
        "loopback-link": Attack(Route(atom(HEADLINE, "http://127.0.0.1:8080/admin", "2026-11-21T00:00:00Z")), None, ("127.0.0.1:8080",)),
        "bidi-link": Attack(Route(atom(HEADLINE, "https://www.gov.uk/\u202egnp.exe", "2026-11-21T00:00:00Z")), None, ("\u202e", "gnp.exe")),
        "control-characters": Attack(
            Route(atom(f"{HEADLINE} \u202edetacilbup\u202c\u200b\x85\u2028\U000e0041", DOC, "2026-11-21T00:00:00Z")),
            None, ("\u202e", "\u200b", "\x85", "\u2028", "\U000e0041"),
        ),  # fmt: skip
        "escape-character": Attack(Route(atom(f"{HEADLINE} &#27;[31m", DOC, "2026-11-21T00:00:00Z")), "malformed XML"),
        # status codes: a failure, recorded, with no waiting on the server's say-so
        "304-without-validators": Attack(Route(status=304), "304 Not Modified"),
        "404": Attack(Route(b"gone", status=404), "answered 404"),
        "410": Attack(Route(b"gone", status=410), "answered 410"),
        "429-retry-after-an-hour": Attack(Route(b"slow down", status=429, headers={"Retry-After": "3600"}), "answered 429"),
        "500": Attack(Route(b"oops", status=500), "answered 500"),
        "503-always": Attack(Route(b"busy", status=503, headers={"Retry-After": "120"}), "answered 503"),
    }  # fmt: skip


ATTACKS = attacks()


@pytest.fixture(scope="module")
def server():
    with FeedServer() as s:
        s.add("/gov.atom", Route(GOV, content_type="application/atom+xml"))
        s.add("/nhse.xml", Route(NHSE))
        for name, attack in ATTACKS.items():
            route = attack.route() if callable(attack.route) else attack.route
            routes = route if isinstance(route, dict) else {f"/{name}": route}
            for path, route in routes.items():
                s.add(path, route)
        yield s


def address(server: FeedServer, name: str) -> str:
    attack = ATTACKS[name]
    return server.url(next(iter(attack.route)) if isinstance(attack.route, dict) else f"/{name}")


def track_in_a_process(config: Path, outputs: Path, sources: dict[str, str]) -> dict:
    write_sources(config / "sources.yaml", sources)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.tracking.hostile_run", str(config), str(outputs), NOW, str(DEADLINE)],
        cwd=ROOT, capture_output=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr.decode()[-2000:]
    return json.loads(proc.stdout)


def fresh_config(folder: Path) -> Path:
    shutil.copytree(CONFIG, folder, ignore=shutil.ignore_patterns("governors.yaml", ".*.lock"))
    return folder


GOOD = {"gov-uk-dhsc": "/gov.atom", "nhs-england-news": "/nhse.xml"}


@pytest.fixture(scope="module")
def baseline(server, tmp_path_factory) -> tuple[bytes, dict]:
    """The register after a run of the two good feeds alone, and that run's summary."""
    config = fresh_config(tmp_path_factory.mktemp("baseline") / "config")
    summary = track_in_a_process(config, config.parent / "outputs", {k: server.url(v) for k, v in GOOD.items()})
    assert summary["register_written"] and not summary["failed"]
    report(f"hostile feeds: a run of the good feeds alone peaks at {summary['peak_rss_mb']:.0f} MB")
    return (config / "register.yaml").read_bytes(), summary


@pytest.mark.parametrize("name", ATTACKS)
def test_a_hostile_feed_fails_or_is_defused_alone_and_the_run_finishes(server, baseline, tmp_path, name):
    attack = ATTACKS[name]
    expected_register, good_run = baseline
    config = fresh_config(tmp_path / "config")
    sources = {k: server.url(v) for k, v in GOOD.items()} | {"hostile": address(server, name)}
    summary = track_in_a_process(config, tmp_path / "outputs", sources)

    assert summary["seconds"] < BOUND, f"{name}: the run took {summary['seconds']:.1f} s"
    cap = good_run["peak_rss_mb"] + HEADROOM_MB
    assert summary["peak_rss_mb"] < cap, f"{name}: {summary['peak_rss_mb']:.0f} MB, over the {cap:.0f} MB cap"
    if attack.bomb:
        report(
            f"hostile feeds: {name} peaks at {summary['peak_rss_mb']:.0f} MB"
            f" (the good feeds alone {good_run['peak_rss_mb']:.0f} MB, cap {cap:.0f} MB)"
        )
    outcomes = {s["name"]: s["outcome"] for s in summary["sources"]}
    assert outcomes["gov-uk-dhsc"] == outcomes["nhs-england-news"] == "read", outcomes  # the good feeds are applied
    assert {p["milestone"] for p in good_run["proposals"]} <= {p["milestone"] for p in summary["proposals"]}
    register = (config / "register.yaml").read_bytes()
    failed = {f["source"]: f["error"] for f in summary["failed"]}
    if attack.error is not None:
        assert attack.error in failed.get("hostile", ""), f"{name}: {failed}"
        assert "\n" not in failed["hostile"] and len(failed["hostile"]) < 300
        assert register == expected_register  # a failed feed changes nothing
    else:
        assert "hostile" not in failed and outcomes["hostile"] == "read", f"{name}: {failed}"
    text = register.decode("utf-8")
    for unsafe in attack.absent:
        assert unsafe not in text, f"{name}: {unsafe!r} reached the register"
    state = json.loads((tmp_path / "outputs" / "state" / "hostile.json").read_text(encoding="utf-8"))
    assert (state["consecutive_failures"] == 1) == (attack.error is not None), state


@pytest.mark.parametrize("wrapper", ["gzip", "zlib"])
def test_the_bombs_really_expand_to_a_gigabyte(wrapper):
    """The bomb routes are honest: their bodies are valid streams of 1 GiB (checked a piece at a time)."""
    body = bomb(1024, wrapper)
    decoder = zlib.decompressobj(zlib.MAX_WBITS | (16 if wrapper == "gzip" else 0))
    size, data = 0, body
    while data and not decoder.eof:
        piece = decoder.decompress(data, 1 << 24)
        assert not piece.strip(b"\0")
        size += len(piece)
        data = decoder.unconsumed_tail
    assert decoder.eof and size == 1 << 30 and len(body) < 1_100_000
