"""Benchmark a tracking run: N feeds of M entries served over HTTP on 127.0.0.1.

Prints the first run's time, the time of a re-run where nothing changed (every feed
answers 304, and nothing may be written), and the ratio of the first run to plain
`feedparser.parse` over the same bytes. Targets on a 2-core machine for 200 x 50:
first run <= 1.5 x plain feedparser; re-run <= 10% of the first run.

    .venv/bin/python bench/track.py [--feeds 200] [--entries 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.config.profiles import FeedSource  # noqa: E402
from tracker.config.workspace import Workspace  # noqa: E402
from tracker.core.dates import FixedClock  # noqa: E402
from tracker.tracking.run import track  # noqa: E402

TITLES = [
    "Record number of patients treated in A&E in {month}",
    "Statistical press notice: NHS referral to treatment waiting times ({n})",
    "Flu vaccine: eligible adults urged to get jabbed (update {n})",
    "Winter planning 2026 to 2027: letter {n} to NHS trusts",
    "Cancer screening expanded as part of the NHS Long Term Plan ({n})",
    "Community diagnostic centre {n} opens",
    "Board meeting papers: {month} 2026 (item {n})",
    "NHS Long Term Workforce Plan: progress report {n}",
    "ICS inhaler prescribing: switching to low carbon inhalers ({n})",
    "Hospital waiting list falls for month {n}",
]
MATCHING = "2025/26 priorities and operational planning guidance"


def make_feed(feed: int, entries: int) -> bytes:
    base = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    items = []
    for i in range(entries):
        title = MATCHING if i == 0 and feed % 10 == 0 else TITLES[i % len(TITLES)].format(n=i, month="October")
        when = format_datetime(base - dt.timedelta(hours=feed + i))
        items.append(
            f"<item><title>{title.replace('&', '&amp;')}</title>"
            f"<link>https://www.england.nhs.uk/{feed}/{i}/</link>"
            f'<guid isPermaLink="false">https://www.england.nhs.uk/?p={feed * 1000 + i}</guid>'
            f"<pubDate>{when}</pubDate>"
            f"<description>&lt;p&gt;Item {i} of feed {feed}: a paragraph of news text about the NHS, "
            f"with &lt;a href='https://www.england.nhs.uk/'&gt;a link&lt;/a&gt; and some more words.&lt;/p&gt;</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Feed {feed}</title><link>https://www.england.nhs.uk/</link><description>Bench</description>"
        + "".join(items)
        + "</channel></rss>\n"
    ).encode()


# A lean static server in its own process (so it does not share our GIL): files held in
# memory, Last-Modified / If-Modified-Since answered with 304, keep-alive, and a listen
# backlog big enough for concurrent clients (http.server's default of 5 drops SYNs,
# which costs a 1 s retransmit: an artefact of the test server, not of the client).
SERVER = """
import sys
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
FILES = {"/" + p.name: p.read_bytes() for p in Path(sys.argv[2]).iterdir()}
STAMP = "Fri, 20 Nov 2026 09:00:00 GMT"
class Server(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        body = FILES.get(self.path)
        if body is None:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        if self.headers.get("If-Modified-Since") == STAMP:
            self.send_response(304); self.send_header("Last-Modified", STAMP); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Last-Modified", STAMP)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--entries", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3, help="measure each figure this many times; report the best")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-track-"))
    try:
        site = work / "site"
        site.mkdir()
        bodies = []
        for f in range(args.feeds):
            body = make_feed(f, args.entries)
            (site / f"feed{f}.xml").write_bytes(body)
            bodies.append(body)
        register = work / "register.yaml"
        shutil.copy(ROOT / "config" / "register.yaml", register)
        state = work / "state"

        # A separate process, so the server does not share our interpreter's GIL.
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port), str(site)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            sources = tuple(
                FeedSource(f"feed{f}", f"Feed {f}", f"http://127.0.0.1:{port}/feed{f}.xml", "Bench", 7)
                for f in range(args.feeds)
            )
            now = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)

            # The machine is shared (CI has 2 cores): measure plain feedparser and a first
            # run alternately, each from scratch, and compare the best of each.
            plains, firsts = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                for body in bodies:
                    feedparser.parse(body)
                plains.append(time.perf_counter() - start)
                shutil.rmtree(state, ignore_errors=True)
                shutil.copy(ROOT / "config" / "register.yaml", register)
                start = time.perf_counter()
                first = track(Workspace(register.parent, state.parent, clock=FixedClock(now)), sources)
                firsts.append(time.perf_counter() - start)
            plain, first_s = min(plains), min(firsts)
            before, mtime = register.read_bytes(), register.stat().st_mtime_ns

            reruns = []
            for i in range(args.repeat):
                start = time.perf_counter()
                later = FixedClock(now + dt.timedelta(hours=1, minutes=i))
                again = track(Workspace(register.parent, state.parent, clock=later), sources)
                reruns.append(time.perf_counter() - start)
            rerun_s = min(reruns)
        finally:
            server.terminate()
            server.wait()

        unchanged = register.read_bytes() == before and register.stat().st_mtime_ns == mtime
        outcomes = {o: sum(1 for s in again.sources if s.outcome == o) for o in ("read", "not modified", "failed")}
        entries = args.feeds * args.entries
        print(f"feeds x entries:          {args.feeds} x {args.entries} = {entries} entries")
        print(f"plain feedparser.parse:   {plain:.2f} s  best of {', '.join(f'{p:.2f}' for p in plains)}")
        print(
            f"first run:                {first_s:.2f} s  best of {', '.join(f'{f:.2f}' for f in firsts)}"
            f"  ({first_s / plain:.2f} x plain feedparser; target <= 1.5)"
            f"  evidence added: {len(first.evidence)}, failed sources: {len(first.failed)}"
        )
        print(
            f"re-run, nothing changed:  {rerun_s:.2f} s best of {', '.join(f'{r:.2f}' for r in reruns)}"
            f"  ({rerun_s / first_s:.1%} of the first run; target <= 10%)"
            f"  304s: {outcomes['not modified']}, read: {outcomes['read']}, failed: {outcomes['failed']}"
        )
        print(f"register untouched by the re-run: {'yes' if unchanged and not again.register_written else 'NO'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
