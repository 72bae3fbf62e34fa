"""The register file: round trips, recorded history, and writes that never lose work."""

from __future__ import annotations

import difflib
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import CONFIG, ROOT
from tracker.core.dates import PartialDate
from tracker.core.errors import FileChanged, RegisterLocked
from tracker.core.files import dump_yaml, load_yaml, locked
from tracker.register.edit import retrying, update
from tracker.register.model import Evidence
from tracker.register.parse import load_register

WHEN = "2026-11-22T07:00:00Z"


def evidence(n: int, url: str | None = None) -> Evidence:
    return Evidence(title=f"Item {n}", url=url or f"https://www.gov.uk/item-{n}", source="gov-uk-dhsc", first_seen=WHEN)


@pytest.mark.parametrize("path", [CONFIG / "register.yaml", ROOT / "tests/fixtures/register-small.yaml"])
def test_load_and_save_with_no_change_is_byte_identical(path):
    assert dump_yaml(load_yaml(path)) == path.read_text(encoding="utf-8")


def test_an_update_that_changes_nothing_does_not_touch_the_file(small_register):
    before = small_register.read_bytes()
    os.utime(small_register, (1_000_000, 1_000_000))
    with update(small_register):
        pass
    assert small_register.read_bytes() == before
    assert small_register.stat().st_mtime == 1_000_000


def test_comments_and_key_order_survive_an_automated_change(small_register):
    with update(small_register) as reg:
        assert reg.add_evidence("long-term-plan-2019", evidence(1))
        assert reg.set_field("social-care-green-paper", "status", "withdrawn", why="rule:green-paper", when=WHEN)
    text = small_register.read_text()
    for comment in (
        "# A small register for tests.",
        "# The promised ten-year plan.",
        '# "in the autumn", said the briefings',
        "# hand-set: repeatedly delayed",
    ):
        assert comment in text
    assert (
        text.index("id: long-term-plan-2019")
        < text.index("id: planning-guidance-2019-20")
        < text.index("id: social-care-green-paper")
    )
    assert re.search(r"status: withdrawn +# hand-set: repeatedly delayed", text)
    assert load_register(small_register).milestone("long-term-plan-2019").evidence[0].url == "https://www.gov.uk/item-1"


def test_the_diff_of_an_automated_change_is_only_the_new_lines(small_register):
    before = small_register.read_text().splitlines()
    with update(small_register) as reg:
        reg.add_evidence("planning-guidance-2019-20", evidence(7))
    after = small_register.read_text().splitlines()
    diff = [d for d in difflib.ndiff(before, after) if d[:2] in ("- ", "+ ")]
    assert diff == [
        "-     evidence: []",
        "+     evidence:",
        "+       - title: Item 7",
        "+         url: https://www.gov.uk/item-7",
        "+         source: gov-uk-dhsc",
        "+         first_seen: '2026-11-22T07:00:00Z'",
    ]


def test_a_change_is_recorded_in_history_with_why_and_evidence(small_register):
    with update(small_register) as reg:
        reg.set_field(
            "social-care-green-paper",
            "status",
            "published",
            why="rule:green-paper",
            when=WHEN,
            evidence="https://www.gov.uk/item-1",
        )
        reg.set_field(
            "social-care-green-paper",
            "published",
            PartialDate.parse("2026-11"),
            why="rule:green-paper",
            when=WHEN,
            evidence="https://www.gov.uk/item-1",
        )
    m = load_register(small_register).milestone("social-care-green-paper")
    assert m.status == "published" and str(m.published) == "2026-11"
    assert [(h.field, h.old, h.new, h.why, h.evidence) for h in m.history] == [
        ("status", "delayed", "published", "rule:green-paper", "https://www.gov.uk/item-1"),
        ("published", None, "2026-11", "rule:green-paper", "https://www.gov.uk/item-1"),
    ]
    text = small_register.read_text()
    # a field that was absent goes where the schema puts it, not at the end
    assert text.index("published: 2026-11") < text.index("summary: >-\n      A green paper")


def test_setting_a_field_to_its_current_value_records_nothing(small_register):
    with update(small_register) as reg:
        assert not reg.set_field(
            "long-term-plan-2019", "published", PartialDate.parse("2019-01-07"), why="x", when=WHEN
        )
        assert not reg.set_field("long-term-plan-2019", "status", "published", why="x", when=WHEN)
    assert load_register(small_register).milestone("long-term-plan-2019").history == ()


def test_evidence_is_deduplicated_by_link_and_by_guid(small_register):
    with update(small_register) as reg:
        assert reg.add_evidence(
            "long-term-plan-2019", Evidence("A", "https://a.example/1", "feed-a", WHEN, guid="tag:1")
        )
        assert not reg.add_evidence("long-term-plan-2019", Evidence("A again", "https://a.example/1", "feed-b", WHEN))
        assert not reg.add_evidence(
            "long-term-plan-2019", Evidence("A moved", "https://a.example/2", "feed-a", WHEN, guid="tag:1")
        )
    assert len(load_register(small_register).milestone("long-term-plan-2019").evidence) == 1


def test_a_new_milestone_is_appended_in_schema_order(small_register):
    with update(small_register) as reg:
        reg.add_milestone(
            {
                "summary": "S.",
                "id": "new-one",
                "title": "New",
                "category": "other",
                "status": "published",
                "published": "2026-11",
                "sources": [{"title": "T", "url": "https://x.example/t", "retrieved": "2026-11"}],
            }
        )
    m = load_register(small_register).milestone("new-one")
    assert m.title == "New" and m.evidence == () and str(m.published) == "2026-11"
    text = small_register.read_text()
    assert (
        text.index("id: new-one")
        < text.index("title: New", text.index("id: new-one"))
        < text.index("summary: S.", text.index("id: new-one"))
    )


def test_a_held_lock_is_a_clear_error(small_register):
    with (
        locked(small_register),
        pytest.raises(RegisterLocked, match="another tracker run is updating"),
        update(small_register, timeout=0.2),
    ):
        pass


WRITER = textwrap.dedent(
    """
    import sys
    from tracker.register.edit import update
    from tracker.register.model import Evidence
    path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for i in range(n):
        with update(path) as reg:
            reg.add_evidence("long-term-plan-2019", Evidence(f"{tag} {i}", f"https://x.example/{tag}/{i}", tag, "2026-11-22T07:00:00Z"))
    """
)


def _writer(path: Path, tag: str, n: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, str(n)], cwd=ROOT)


@pytest.mark.slow
def test_two_concurrent_writers_lose_nothing(small_register):
    a, b = _writer(small_register, "a", 40), _writer(small_register, "b", 40)
    assert a.wait(120) == 0 and b.wait(120) == 0
    urls = {e.url for e in load_register(small_register).milestone("long-term-plan-2019").evidence}
    assert urls == {f"https://x.example/{t}/{i}" for t in "ab" for i in range(40)}


@pytest.mark.slow
def test_a_writer_killed_mid_write_leaves_the_old_or_the_new_file(small_register):
    # Each write adds one item; whenever the writer dies, the file must parse and
    # hold a whole number of complete items, and never lose an earlier one.
    seen = 0
    for attempt in range(12):
        proc = _writer(small_register, f"k{attempt}", 10_000)
        time.sleep(0.4 + 0.05 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        evidence = load_register(small_register).milestone("long-term-plan-2019").evidence
        assert len(evidence) >= seen
        assert all(e.title and e.url.startswith("https://x.example/") for e in evidence)
        seen = len(evidence)
    assert seen > 12  # the writers really were writing when they were killed


# -- a person saves the file while an automated write is under way ----------------


def secretary_saves(path: Path, old: str, new: str) -> None:
    """The company secretary saves the file from an editor (a whole new file, renamed into place)."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    tmp = path.with_name(".editor-save.tmp")
    tmp.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.replace(tmp, path)


def test_a_save_made_while_an_update_runs_is_never_overwritten(small_register, monkeypatch):
    import tracker.core.files as edit

    real_dump = edit.dump_yaml
    calls = []

    def dump_while_the_secretary_saves(tree):
        calls.append(1)
        if len(calls) == 1:  # between reading the file and writing it back
            secretary_saves(small_register, "# A small register for tests.", "# A small register for tests. EDITED")
        return real_dump(tree)

    monkeypatch.setattr(edit, "dump_yaml", dump_while_the_secretary_saves)
    with pytest.raises(FileChanged, match="was changed while this update ran"), update(small_register) as reg:
        reg.add_evidence("long-term-plan-2019", evidence(1))
    text = small_register.read_text()
    assert "EDITED" in text and "https://www.gov.uk/item-1" not in text  # theirs kept, ours not forced over it
    assert not list(small_register.parent.glob(".register.yaml.*.tmp"))  # and no temporary file left behind


def test_retrying_a_transaction_applies_it_on_top_of_the_save(small_register, monkeypatch):
    import tracker.core.files as edit

    real_dump = edit.dump_yaml
    calls = []

    def dump_while_the_secretary_saves(tree):
        calls.append(1)
        if len(calls) == 1:
            secretary_saves(small_register, "# A small register for tests.", "# A small register for tests. EDITED")
        return real_dump(tree)

    monkeypatch.setattr(edit, "dump_yaml", dump_while_the_secretary_saves)

    def transaction():
        with update(small_register) as reg:
            reg.add_evidence("long-term-plan-2019", evidence(1))
        return reg

    reg = retrying(transaction)
    text = small_register.read_text()
    assert "EDITED" in text and "https://www.gov.uk/item-1" in text
    assert reg.written and reg.text == text and len(calls) == 2
