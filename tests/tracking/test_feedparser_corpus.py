"""feedparser's own 2,100 test feeds (hostile, ill-formed, mis-encoded) all go through `tracker match`."""

from __future__ import annotations

import json

from tests.conftest import CONFIG, ROOT, run

CORPUS = ROOT.parent / "shared" / "corpus" / "feedparser"


def test_every_feed_in_feedparsers_corpus_goes_through_match_without_a_crash():
    assert CORPUS.is_dir(), f"{CORPUS} is missing: clone the repository with shared/ beside it"
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".rdf", ".atom", ".rss"))
    assert len(files) >= 2000, f"expected feedparser's 2,100 test feeds in {CORPUS}, found {len(files)}"
    result = run("match", "--register", CONFIG / "register.yaml", "--json", *files)
    assert result.exit_code == 2, result.output[-2000:]  # some files are refused: each said, then status 2
    data = json.loads(result.output)
    entries, errors = data["entries"], data["errors"]
    read = {e["source"] for e in entries} | {e["source"] for e in errors}
    print(f"\nfeedparser corpus: {len(files)} files, {len(entries)} entries, {len(errors)} files refused")
    assert len({e["source"] for e in errors}) == len(errors)  # one sentence per failing feed
    assert all(e["error"].endswith(".") and "\n" not in e["error"] for e in errors)
    assert all(e["link"] is None or e["link"].lower().startswith(("http://", "https://")) for e in entries)
    assert all("<script" not in (e["title"] or "").lower() for e in entries)
    assert read <= {str(f) for f in files}  # every result names a file it was given, once
    readable = {e["source"] for e in entries}
    assert len(readable) > len(files) // 2  # most of the corpus is ordinary, readable feeds
