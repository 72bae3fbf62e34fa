"""The Manifest: the one record of a built pack, and the checks that keep a changed file from being sent."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.mailhelpers import MEETING, NOW, make_pack
from tracker.core.errors import TrackerError
from tracker.pack.manifest import Manifest, PackNotBuilt, PackStatus


def test_a_manifest_reads_back_exactly_as_it_was_written(tmp_path):
    folder = make_pack(tmp_path / "packs", status="DRAFT", with_pdf=True)
    first = Manifest.read(folder)
    first.write()
    assert Manifest.read(folder) == first
    assert first.docx_path.is_file() and first.pdf_path is not None and first.pdf_path.is_file()
    assert json.loads(first.path.read_text())["version"] == "1"  # the file keeps its format


def test_approval_stamps_final_and_keeps_the_drafts_checksum(tmp_path):
    draft = Manifest.read(make_pack(tmp_path / "packs", status="DRAFT"))
    final = draft.approved("Alex Morgan", dt.datetime(2026, 11, 28, 16, 0, tzinfo=dt.UTC), "f" * 64, None)
    assert (final.status, final.approved_by, final.approved_at) == (
        PackStatus.FINAL,
        "Alex Morgan",
        "2026-11-28T16:00:00Z",
    )
    assert (final.draft_sha256, final.sha256) == (draft.sha256, "f" * 64)


def test_the_version_moves_on_only_when_what_the_pack_says_changes(tmp_path):
    m = Manifest.read(make_pack(tmp_path / "packs", version=3))
    m = Manifest(**{**m.__dict__, "content_digest": "abc"})
    assert (m.next_version("abc"), m.next_version("xyz")) == (3, 4)
    assert m.next_version("abc", new=True) == 4  # --force, or a hand-edited or approved pack


def test_an_approved_manifest_keeps_the_built_and_edited_checksums_and_what_changed(tmp_path):
    draft = Manifest.read(make_pack(tmp_path / "packs", status="DRAFT"))
    final = draft.approved("Alex Morgan", NOW, "f" * 64, edited_sha256="e" * 64, edits="1 paragraph or table added")
    final.write()
    again = Manifest.read(final.folder)
    assert (again.draft_sha256, again.edited_sha256, again.sha256) == (draft.sha256, "e" * 64, "f" * 64)
    assert again.hand_edited and again.edits == "1 paragraph or table added"


def test_no_manifest_says_to_build_the_pack_first(tmp_path):
    with pytest.raises(PackNotBuilt, match="no pack has been built for the meeting on 10 December 2026"):
        Manifest.for_meeting(tmp_path / "packs", MEETING)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: m.update(pack="../../elsewhere.docx"), "is not a file name"),
        (lambda m: m.pop("sha256"), "has no 'sha256' field"),
        (lambda m: m.update(meeting="tenth of December"), "malformed"),
    ],
)
def test_a_damaged_manifest_is_one_sentence_naming_the_file(tmp_path, change, message):
    folder = make_pack(tmp_path / "packs")
    data = json.loads((folder / "manifest.json").read_text())
    change(data)
    (folder / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(TrackerError, match=message) as caught:
        Manifest.read(folder)
    assert str(folder / "manifest.json") in str(caught.value) and "\n" not in str(caught.value)


def test_a_file_changed_after_approval_is_refused(tmp_path):
    m = Manifest.read(make_pack(tmp_path / "packs"))
    m.check_sendable(allow_draft=False)
    m.docx_path.write_bytes(m.docx_path.read_bytes() + b"edited")
    with pytest.raises(TrackerError, match="has changed since the pack was built or approved"):
        m.check_sendable(allow_draft=False)


def test_a_draft_is_sendable_only_when_drafts_are_allowed(tmp_path):
    m = Manifest.read(make_pack(tmp_path / "packs", status="DRAFT"))
    with pytest.raises(TrackerError, match="DRAFT that nobody has approved"):
        m.check_sendable(allow_draft=False)
    m.check_sendable(allow_draft=True)
