"""Rebuilding a pack that exists: hand edits are never overwritten, older versions move to superseded/."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from docx import Document

from tests.conftest import FIXTURES, run, workspace
from tests.pack.test_build import NOW, body_text, build
from tracker.config.loading import load_config
from tracker.core.files import sha256_file
from tracker.orchestration.schedule import PackJob, PackSkipped, run_pack_job
from tracker.pack.approve import approve
from tracker.pack.manifest import Manifest
from tracker.pack.revisions import HandEdited, what_changed

CHAIR = "Chair's note: the council will hold a development session on system working in January."
LATER = NOW + dt.timedelta(days=2)


def add_after(docx: Path, anchor_start: str, text: str) -> None:
    """What a secretary does in Word: a new paragraph after one that starts with `anchor_start`."""
    doc = Document(str(docx))
    anchor = next(p for p in doc.paragraphs if p.text.startswith(anchor_start))
    new = copy.deepcopy(anchor._p)
    for r in new.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}r")[1:]:
        new.remove(r)
    anchor._p.addnext(new)
    para = next(p for p in doc.paragraphs if p._p is new)
    para.runs[0].text = text
    para.runs[0].bold = False
    doc.save(str(docx))


def add_after_nth(docx: Path, text: str, addition: str, nth: int = 0, heading: bool = False) -> None:
    """A new paragraph after the nth paragraph reading `text` (a heading's, not its contents entry, if `heading`)."""
    doc = Document(str(docx))
    found = [p for p in doc.paragraphs if p.text == text and (not heading or p.style.name.startswith("Heading"))]
    new = copy.deepcopy(doc.paragraphs[-1]._p)
    for child in list(new):
        new.remove(child)
    found[nth]._p.addnext(new)
    next(p for p in doc.paragraphs if p._p is new).add_run(addition)
    doc.save(str(docx))


def before(docx: Path, text: str) -> tuple[str, str, str]:
    """The paragraph before the one reading `text`: its style, its text, and the heading above it."""
    paras = Document(str(docx)).paragraphs
    at = next(i for i, p in enumerate(paras) if p.text == text)
    above = next(p.text for p in reversed(paras[:at]) if p.style.name.startswith("Heading"))
    return paras[at - 1].style.name, paras[at - 1].text, above


@pytest.fixture
def register(tmp_path) -> Path:
    path = tmp_path / "register.yaml"
    shutil.copy(FIXTURES / "register-pack.yaml", path)
    return path


def publish_mergers(register: Path) -> None:
    text = register.read_text()
    at = text.index("    title: First ICB mergers")
    register.write_text(
        text[:at] + text[at:].replace("status: expected", "status: published\n    published: 2026-11-23", 1)
    )


def test_a_rebuild_refuses_to_overwrite_a_hand_edited_draft_and_says_what_changed_in_words(
    config_dir, tmp_path, register
):
    draft = build(config_dir, tmp_path, register=register)
    add_after(draft.docx, "Context:", CHAIR)
    edited = draft.docx.read_bytes()
    publish_mergers(register)
    result = run(
        "pack", "--config", config_dir, "--outputs", tmp_path, "--register", register, "--meeting", "2026-12-10"
    )
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "this draft was edited by hand after it was built on 22 November 2026, so it is not rebuilt over" in out
    assert "Since it was built: ‘First ICB mergers’ is now published; it was expected" in out
    assert "--keep-edits" in out and "--force" in out
    assert draft.docx.read_bytes() == edited  # not a byte touched


def test_force_starts_a_new_version_and_keeps_the_edited_draft_in_superseded(config_dir, tmp_path, register):
    draft = build(config_dir, tmp_path, register=register)
    add_after(draft.docx, "Context:", CHAIR)
    fresh = build(config_dir, tmp_path, register=register, now=LATER, force=True)
    assert (fresh.manifest.version, fresh.manifest.replaces) == (2, 1)
    assert not any(CHAIR in t for t in body_text(fresh.docx))
    kept = draft.docx.parent / "superseded" / "v1-draft-edited"
    assert any(CHAIR in t for t in body_text(kept / draft.docx.name))
    assert json.loads((kept / "manifest.json").read_text())["version"] == "1"
    assert (kept / f"{draft.docx.stem}.as-built.docx").is_file()  # the draft as built, to compare with


def test_keep_edits_carries_the_paragraphs_a_person_added_into_the_new_version(config_dir, tmp_path, register):
    draft = build(config_dir, tmp_path, register=register)
    add_after(draft.docx, "Question:", CHAIR)
    publish_mergers(register)
    result = build(config_dir, tmp_path, register=register, now=LATER, keep_edits=True)
    texts = [p.text for p in Document(str(result.docx)).paragraphs]
    assert texts[texts.index(CHAIR) - 1].startswith("Question:")  # after the same paragraph as before
    assert result.manifest.version == 2
    assert "Carried into the new draft: 1 paragraph or table added." in result.notes
    assert result.manifest.counts["published"] == draft.manifest.counts["published"] + 1  # and the new facts
    plain = build(config_dir, tmp_path / "plain", register=register, now=LATER)
    assert result.manifest.words == plain.manifest.words + len(CHAIR.split())  # the chair's note is read too


def test_a_paragraph_added_under_a_heading_goes_under_that_heading_never_after_its_contents_entry(
    config_dir, tmp_path, register
):
    draft = build(config_dir, tmp_path, register=register)
    hub = "Chair's note: governors visited the new community hub on 1 December."
    system = "The chair adds: the system's board met in public on 3 December."
    add_after_nth(draft.docx, "What has changed since the last meeting", hub, heading=True)
    add_after_nth(draft.docx, "Our system", system, heading=True)
    publish_mergers(register)
    result = build(config_dir, tmp_path, register=register, now=LATER, keep_edits=True)
    assert before(result.docx, hub)[:2] == ("Heading 1", "What has changed since the last meeting")
    assert before(result.docx, system)[:2] == ("Heading 1", "Our system")
    styles = [p.style.name for p in Document(str(result.docx)).paragraphs]
    contents = [i for i, s in enumerate(styles) if s == "TOC 1"]
    assert contents == list(range(contents[0], contents[-1] + 1))  # nothing put inside the contents
    assert not any("was put" in n for n in result.notes)


def test_a_paragraph_added_after_words_that_stand_in_several_places_goes_after_the_same_one(
    config_dir, tmp_path, register
):
    draft = build(config_dir, tmp_path, register=register)
    texts = [p.text for p in Document(str(draft.docx)).paragraphs]
    repeated = next(t for t in texts if t.startswith("Linked milestones") and texts.count(t) > 1)
    add_after_nth(draft.docx, repeated, CHAIR, nth=1)
    question = before(draft.docx, CHAIR)[2]
    publish_mergers(register)
    result = build(config_dir, tmp_path, register=register, now=LATER, keep_edits=True)
    assert before(result.docx, CHAIR) == ("Normal", repeated, question)


def test_an_added_paragraph_whose_neighbour_changed_goes_after_its_heading_and_says_so(config_dir, tmp_path, register):
    draft = build(config_dir, tmp_path, register=register)
    add_after(draft.docx, "Context:", CHAIR)  # the context paragraph counts the changes: it will read differently
    publish_mergers(register)
    result = build(config_dir, tmp_path, register=register, now=LATER, keep_edits=True)
    texts = [p.text for p in Document(str(result.docx)).paragraphs]
    assert texts[texts.index(CHAIR) - 1] == "Executive summary"
    assert any("was put after the heading “Executive summary”" in n for n in result.notes)


def test_keep_edits_says_which_changes_to_the_tools_own_text_it_could_not_carry(config_dir, tmp_path, register):
    draft = build(config_dir, tmp_path, register=register)
    doc = Document(str(draft.docx))
    duties = next(p for p in doc.paragraphs if p.text.startswith("Governors hold the non-executive"))
    duties.runs[0].text = duties.runs[0].text.replace("Governors hold", "Governors, as the law says, hold")
    doc.save(str(draft.docx))
    result = build(config_dir, tmp_path, register=register, now=LATER, keep_edits=True)
    assert "Carried into the new draft: 1 changed." in result.notes
    assert any("were not carried" in n for n in result.notes)
    assert (draft.docx.parent / "superseded" / "v1-draft-edited" / draft.docx.name).is_file()


def test_no_final_file_is_left_beside_a_draft_after_force(config_dir, tmp_path, register):
    draft = build(config_dir, tmp_path, register=register)
    folder = draft.docx.parent
    approve(draft.docx, "Alex Morgan", NOW)
    pdf = folder / f"{draft.docx.stem}.pdf"
    pdf.write_bytes(b"%PDF-1.4 a FINAL copy\n%%EOF\n")  # as `--pdf` or a send would leave it
    Manifest.read(folder).with_pdf(pdf).write()
    (folder / "notes-from-the-chair.txt").write_text("not ours: left alone")
    fresh = build(config_dir, tmp_path, register=register, now=LATER, force=True)
    assert (fresh.manifest.status, fresh.manifest.version) == ("DRAFT", 2)
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    assert files == [draft.docx.name, "manifest.json", "notes-from-the-chair.txt"]  # no PDF of the FINAL
    old = folder / "superseded" / "v1-final"
    assert sorted(p.name for p in old.iterdir()) == sorted(
        [draft.docx.name, pdf.name, "manifest.json", f"{draft.docx.stem}.as-built.docx"]
    )
    assert json.loads((old / "manifest.json").read_text())["status"] == "FINAL"
    assert any(t == "FINAL" for t in body_text(old / draft.docx.name))
    assert not any(t == "FINAL" for t in body_text(folder / draft.docx.name))


def test_force_always_gives_a_new_version_even_when_nothing_changed(config_dir, tmp_path):
    assert build(config_dir, tmp_path).manifest.version == 1
    assert build(config_dir, tmp_path, force=True).manifest.version == 2
    assert build(config_dir, tmp_path).manifest.version == 2  # without --force, the same draft keeps its number
    assert sorted(p.name for p in (tmp_path / "packs/2026-12-10/superseded").iterdir()) == ["v1-draft"]


def test_a_rebuild_of_the_same_draft_leaves_no_stale_pdf_behind(config_dir, tmp_path):
    draft = build(config_dir, tmp_path)
    stale = draft.docx.with_suffix(".pdf")
    stale.write_bytes(b"%PDF-1.4 of the earlier build\n%%EOF\n")
    again = build(config_dir, tmp_path, now=LATER)
    assert again.manifest.version == 1 and again.manifest.pdf is None
    assert not stale.exists()


def test_a_pack_with_no_manifest_is_moved_aside_not_overwritten(config_dir, tmp_path):
    draft = build(config_dir, tmp_path)
    draft.manifest_path.unlink()
    before = sha256_file(draft.docx)
    result = build(config_dir, tmp_path, now=LATER)
    moved = draft.docx.parent / "superseded" / "no-manifest" / draft.docx.name
    assert sha256_file(moved) == before
    assert any("had no readable manifest" in n for n in result.notes)


def test_a_scheduled_build_skips_a_hand_edited_draft_instead_of_failing_every_day(config_dir, tmp_path):
    ws = workspace(config_dir, tmp_path, NOW)
    run_pack_job(PackJob("fernbrook", ws))
    add_after(tmp_path / "packs/2026-12-10/fernbrook-governors-briefing-2026-12-10.docx", "Context:", CHAIR)
    due = NOW + dt.timedelta(days=10)  # within the 14 days before the meeting: a scheduled build is due
    skipped = run_pack_job(PackJob("fernbrook", workspace(config_dir, tmp_path, due)), when_due=True)
    assert isinstance(skipped, PackSkipped) and "edited by hand" in skipped.reason
    with pytest.raises(HandEdited):
        run_pack_job(PackJob("fernbrook", workspace(config_dir, tmp_path, due)))


def test_what_changed_names_statuses_dates_new_milestones_and_positions(config_dir, tmp_path, register):
    draft = build(config_dir, tmp_path, register=register)
    text = register.read_text()
    text = text.replace("    expected: 2027\n", "    expected: 2027-03\n", 1)
    register.write_text(text)
    publish_mergers(register)
    q = config_dir / "questions.yaml"
    q.write_text(
        q.read_text().replace(
            "      last_reviewed: 2026-10-15\n      reviewed_by: Finance",
            "      last_reviewed: 2026-11-20\n      reviewed_by: Finance",
        )
    )
    config = load_config(workspace(config_dir, tmp_path, NOW, register=register))
    said = what_changed(draft.manifest, config)
    assert "‘First ICB mergers’ is now published; it was expected" in said
    assert "‘Planning guidance for 2027/28’ is now dated March 2027; it was 2027" in said
    assert "question 6 has a new position, not started, reviewed 20 November 2026" in said
    assert (
        what_changed(
            Manifest.read(draft.docx.parent),
            load_config(workspace(config_dir, tmp_path, NOW, register=FIXTURES / "register-pack.yaml")),
        )
        != ""
    )


def test_an_approved_pack_edited_afterwards_is_not_rebuilt_over(config_dir, tmp_path, register):
    draft = build(config_dir, tmp_path, register=register)
    approve(draft.docx, "Alex Morgan", NOW)
    add_after(draft.docx, "Question:", CHAIR)
    with pytest.raises(HandEdited, match="approved as FINAL by Alex Morgan and has been edited by hand since"):
        build(config_dir, tmp_path, register=register, now=LATER)
    fresh = build(config_dir, tmp_path, register=register, now=LATER, keep_edits=True)
    assert fresh.manifest.status == "DRAFT" and CHAIR in body_text(fresh.docx)
    assert (draft.docx.parent / "superseded" / "v1-final-edited" / draft.docx.name).is_file()


def test_a_manifest_from_an_earlier_release_says_only_what_its_digest_can_tell(config_dir, tmp_path, register):
    from dataclasses import replace

    draft = build(config_dir, tmp_path, register=register)
    old = replace(draft.manifest, milestones={}, positions={})
    config = load_config(workspace(config_dir, tmp_path, NOW, register=register))
    assert what_changed(old, config) == "the register file has not changed"
    publish_mergers(register)
    config = load_config(workspace(config_dir, tmp_path, NOW, register=register))
    assert what_changed(old, config) == "the register file has changed (this pack's manifest is too old to say how)"


@pytest.mark.slow
def test_keep_edits_carries_a_paragraph_added_in_libreoffice(config_dir, tmp_path, register):
    from tests.pack.test_approve import through_libreoffice

    draft = build(config_dir, tmp_path, register=register)
    add_after(draft.docx, "Question:", CHAIR)
    hub = "Governors visited the new community hub on 1 December."
    add_after_nth(draft.docx, "Our system", hub, heading=True)
    through_libreoffice(draft.docx, tmp_path)  # which wraps the contents in a content control of fields
    publish_mergers(register)
    result = build(config_dir, tmp_path, register=register, now=LATER, keep_edits=True)
    assert "Carried into the new draft: 2 paragraphs or tables added." in result.notes  # nothing else seen as an edit
    texts = [p.text for p in Document(str(result.docx)).paragraphs]
    assert texts[texts.index(CHAIR) - 1].startswith("Question:")
    assert before(result.docx, hub)[:2] == ("Heading 1", "Our system")
