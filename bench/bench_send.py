"""Send a pack to many governors through a local aiosmtpd server and PRINT the time and peak memory.

    .venv/bin/python bench/bench_send.py [--governors 200] [--pack-mb 5]

The pack's .docx is padded with random bytes (which do not compress) so its size is
realistic. Peak RSS includes the in-process SMTP server, so it over-states the sender.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from tests.mailhelpers import MEETING, clock, free_port, make_pack  # noqa: E402
from tracker.config.workspace import Workspace  # noqa: E402
from tracker.distribution.send import send_pack  # noqa: E402


class Counter:
    def __init__(self):
        self.count, self.bytes = 0, 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        self.bytes += len(envelope.original_content)
        await asyncio.sleep(0)
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--governors", type=int, default=200)
    parser.add_argument("--pack-mb", type=float, default=5.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-send-"))
    try:
        shutil.copytree(ROOT / "config", work / "config", ignore=shutil.ignore_patterns("governors.yaml"))
        folder = make_pack(work / "outputs" / "packs")
        docx = next(folder.glob("*.docx"))
        from docx import Document

        document = Document(docx)
        pad = work / "pad.bin"
        pad.write_bytes(os.urandom(int(args.pack_mb * 1024 * 1024)))
        # Random bytes as an extra part of the package: a realistic size that zip cannot shrink.
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        document.part.relate_to(
            Part(PackURI("/word/padding.bin"), "application/octet-stream", pad.read_bytes(), document.part.package),
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package",
        )
        document.save(docx)
        _rewrite_manifest(folder, docx)

        governors = work / "governors.yaml"
        governors.write_text(
            "governors:\n"
            + "".join(
                f"  - name: Governor {i}\n    email: governor{i}@example.org\n    type: public\n"
                for i in range(args.governors)
            )
        )
        handler = Counter()
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), data_size_limit=0)
        controller.start()
        env = {
            "TRACKER_SMTP_HOST": "127.0.0.1",
            "TRACKER_SMTP_PORT": str(controller.port),
            "TRACKER_SMTP_SECURITY": "none",
        }
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        ws = Workspace(work / "config", work / "outputs", env=env, clock=clock).with_overrides(governors=governors)
        report = send_pack(ws, meeting=MEETING)
        elapsed = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        controller.stop()
        size = docx.stat().st_size / 1024 / 1024
        print(f"governors:        {args.governors}")
        print(f"pack size:        {size:.1f} MB")
        print(f"sent:             {report.count('sent')} (server received {handler.count})")
        print(f"total time:       {elapsed:.2f} s ({elapsed / max(1, handler.count) * 1000:.0f} ms per governor)")
        print(
            f"peak RSS:         {rss_after / 1024:.0f} MB (before sending {rss_before / 1024:.0f} MB; the SMTP server runs in this process too)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _rewrite_manifest(folder: Path, docx: Path) -> None:
    import hashlib
    import json

    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["sha256"] = hashlib.sha256(docx.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


if __name__ == "__main__":
    main()
