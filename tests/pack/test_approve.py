"""Approval of a draft the secretary edited: the edits stay, the marks change, the edit is recorded."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document

from tests.conftest import ROOT, run
from tests.mailhelpers import make_pack
from tests.pack.test_build import NOW, body_text, build, header_text
from tests.pack.test_revisions import CHAIR, add_after
from tracker.core.files import sha256_file
from tracker.pack.approve import approve
from tracker.pack.pdf import soffice

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def drop_bookmarks(docx: Path, prefix: str = "_Pack") -> None:
    """What an editor may do to our hidden bookmarks: lose them (here: every one named `prefix`...)."""
    with zipfile.ZipFile(docx) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name, data in parts.items():
        if name.startswith("word/") and name.endswith(".xml"):
            text = data.decode("utf-8")
            ids = re.findall(rf'<w:bookmarkStart w:id="(\d+)" w:name="{prefix}[^"]*"/>', text)
            text = re.sub(rf'<w:bookmarkStart w:id="\d+" w:name="{prefix}[^"]*"/>', "", text)
            for i in ids:
                text = text.replace(f'<w:bookmarkEnd w:id="{i}"/>', "")
            parts[name] = text.encode("utf-8")
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_an_edited_draft_is_approved_with_its_edits_and_the_edit_is_recorded(config_dir, tmp_path):
    draft = build(config_dir, tmp_path)
    add_after(draft.docx, "Question:", CHAIR)
    edited = sha(draft.docx)
    result = run("approve", draft.docx.parent, "--by", "Alex Morgan")
    assert result.exit_code == 0, result.output
    assert "Approved with the edits made by hand since it was built (1 paragraph or table added)" in result.output
    text = body_text(draft.docx)
    assert CHAIR in text and "FINAL" in text and "DRAFT" not in text
    assert "OFFICIAL – FINAL" in header_text(draft.docx)
    m = json.loads(draft.manifest_path.read_text())
    assert (m["status"], m["approved_by"], m["hand_edited"], m["edits"]) == (
        "FINAL", "Alex Morgan", True, "1 paragraph or table added",
    )  # fmt: skip
    assert m["draft_sha256"] == draft.manifest.sha256  # as built
    assert m["edited_sha256"] == edited  # as the secretary left it
    assert m["sha256"] == sha(draft.docx) not in (edited, draft.manifest.sha256)  # as approved
    assert m["words"] == draft.manifest.words + len(CHAIR.split())  # the reading time counts the chair's note


def test_an_unedited_draft_is_recorded_as_not_edited(config_dir, tmp_path):
    draft = build(config_dir, tmp_path)
    m = approve(draft.docx, "Alex Morgan", NOW).manifest
    assert not m.hand_edited and m.edited_sha256 is None and m.edits is None
    assert "edited_sha256" not in json.loads(draft.manifest_path.read_text())


def test_approval_finds_the_marks_by_their_words_when_the_bookmarks_are_gone(config_dir, tmp_path):
    draft = build(config_dir, tmp_path)
    drop_bookmarks(draft.docx)
    approve(draft.docx, "Alex Morgan", NOW)
    text = body_text(draft.docx)
    assert "FINAL" in text and "DRAFT" not in text
    assert any(t.startswith("Approved by Alex Morgan on ") for t in text)
    assert "OFFICIAL – FINAL" in header_text(draft.docx) and "DRAFT" not in header_text(draft.docx)


def test_a_draft_with_no_draft_marking_left_is_refused(config_dir, tmp_path):
    draft = build(config_dir, tmp_path)
    drop_bookmarks(draft.docx)
    doc = Document(str(draft.docx))
    for p in doc.paragraphs:
        if p.text == "DRAFT":
            p.runs[0].text = "Our paper"
    for p in doc.sections[0].header.paragraphs:
        for r in p.runs:
            r.text = r.text.replace("DRAFT", "")
    doc.save(str(draft.docx))
    result = run("approve", draft.docx, "--by", "Alex Morgan")
    assert result.exit_code == 2 and "no DRAFT marking found" in result.output
    assert json.loads(draft.manifest_path.read_text())["status"] == "DRAFT"


def test_a_file_that_is_not_a_word_document_is_refused_in_one_line(config_dir, tmp_path):
    draft = build(config_dir, tmp_path)
    draft.docx.write_bytes(b"not a zip at all")
    result = run("approve", draft.docx, "--by", "Alex Morgan")
    assert result.exit_code == 2 and "cannot be read as a Word document" in result.output


@pytest.mark.parametrize(("name", "what"), [("2099-01-01", "pack folder"), ("2099-01-01/pack.docx", "pack file")])
def test_approving_a_pack_that_does_not_exist_names_what_was_asked_for(tmp_path, name, what):
    (tmp_path / "packs").mkdir()
    result = run("approve", tmp_path / "packs" / name, "--by", "Alex Morgan")
    assert result.exit_code == 2
    assert (
        result.output
        == f"Error: {tmp_path / 'packs' / name}: no such {what}; build the pack with `.venv/bin/tracker pack`\n"
    )


# -- as LibreOffice writes it -----------------------------------------------------------------


def through_libreoffice(docx: Path, tmp: Path) -> None:
    """Open and save the .docx in LibreOffice, as a secretary without Word would."""
    out = tmp / "lo-out"
    subprocess.run(
        [soffice(), f"-env:UserInstallation=file://{tmp / 'lo-profile'}", "--headless", "--norestore",
         "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(docx)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    shutil.copy(out / docx.name, docx)


def pdf_pages(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return [re.sub(r"\s+", " ", page) for page in out.stdout.split("\f") if page.strip()]


@pytest.mark.slow
@pytest.mark.parametrize("lose_bookmarks", [False, True])
def test_a_draft_edited_in_libreoffice_is_approved_with_its_edits_and_its_pdf_remade(tmp_path, lose_bookmarks):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    draft = build(tmp_path / "config", tmp_path, pdf=True)
    add_after(draft.docx, "Question:", CHAIR)
    through_libreoffice(draft.docx, tmp_path)
    if lose_bookmarks:
        drop_bookmarks(draft.docx)
    edited = sha(draft.docx)
    result = approve(draft.docx.parent, "Alex Morgan", NOW)
    m = result.manifest
    assert (m.hand_edited, m.edited_sha256, m.draft_sha256) == (True, edited, draft.manifest.sha256)
    assert m.sha256 == sha(draft.docx) and m.pdf_sha256 == sha(draft.pdf)
    pages = pdf_pages(draft.pdf)
    text = " ".join(pages)
    assert CHAIR in text and "Approved by Alex Morgan" in text
    assert f"{m.words:,} words in the main body" in pages[0] and m.words == draft.manifest.words + len(CHAIR.split())
    assert "DRAFT" not in text
    assert all("OFFICIAL – FINAL" in page for page in pages)
    contents = pages[0].split("Contents", 1)[1]
    assert re.search(r"The eight questions\.{3,} ?\d+", contents)  # the contents carry page numbers


def test_a_bookmark_an_editor_widened_over_its_neighbours_changes_only_the_status_word(config_dir, tmp_path):
    draft = build(config_dir, tmp_path)
    doc = Document(str(draft.docx))
    header = doc.sections[0].header._element
    start = next(b for b in header.iter(f"{W}bookmarkStart") if b.get(f"{W}name", "").startswith("_PackStatus"))
    paragraph = start.getparent()
    paragraph.remove(start)
    paragraph.find(f"{W}r").addprevious(start)  # now it also covers "OFFICIAL – "
    doc.save(str(draft.docx))
    approve(draft.docx, "Alex Morgan", NOW)
    assert "OFFICIAL – FINAL" in header_text(draft.docx)


# -- damaged or odd files: one sentence, never a traceback -----------------------------


@pytest.fixture
def damaged_draft(tmp_path):
    return make_pack(tmp_path / "packs", status="DRAFT")


@pytest.mark.parametrize("content", ["[]", "null", "42", '"a string"', "{", "", "\xff\xfe"])
def test_a_manifest_that_is_not_a_json_object_is_one_sentence(damaged_draft, content):
    (damaged_draft / "manifest.json").write_bytes(content.encode("latin-1"))
    result = run("approve", damaged_draft, "--by", "Alex Morgan")
    assert result.exit_code == 2, result.output
    assert "manifest.json" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "malformed" in result.stderr or "cannot be read" in result.stderr  # it exists: never "not built"


def test_a_docx_that_is_not_a_word_document_is_one_sentence(damaged_draft):
    docx = next(damaged_draft.glob("*.docx"))
    docx.write_bytes(b"this is not a zip file at all")
    manifest = json.loads((damaged_draft / "manifest.json").read_text())
    manifest["sha256"] = sha256_file(docx)  # the manifest agrees, so only opening it can tell
    (damaged_draft / "manifest.json").write_text(json.dumps(manifest))
    result = run("approve", damaged_draft, "--by", "Alex Morgan")
    assert result.exit_code == 2, result.output
    assert f"{docx}: cannot be read as a Word document" in result.stderr and "Traceback" not in result.output
    assert docx.read_bytes() == b"this is not a zip file at all"  # nothing rewritten


def test_a_docx_that_links_outside_the_pack_folder_is_not_read_or_rewritten(damaged_draft, tmp_path):
    docx = next(damaged_draft.glob("*.docx"))
    outside = tmp_path / "elsewhere.docx"
    original = docx.read_bytes()
    outside.write_bytes(original)
    docx.unlink()
    docx.symlink_to(outside)
    result = run("approve", damaged_draft, "--by", "Alex Morgan")
    assert result.exit_code == 2 and "leads outside" in result.stderr, result.output
    assert outside.read_bytes() == original


def _approve_from_the_command_line(config_dir: Path, tmp_path: Path, setting: str, *extra: str):
    trust = config_dir / "trust.yaml"
    trust.write_text(trust.read_text().replace("pdf: false", f"pdf: {setting}"))
    draft = build(config_dir, tmp_path, pdf=False)  # a draft with no PDF copy
    folder = draft.docx.parent
    result = run("approve", folder, "--by", "Alex Morgan", "--config", config_dir, "--outputs", tmp_path, *extra)
    assert result.exit_code == 0, result.output
    return result, folder, json.loads((folder / "manifest.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize(("setting", "extra"), [("true", ()), ("false", ("--pdf",))])
def test_approval_makes_the_pdf_copy_when_the_trust_wants_pdfs_or_it_is_asked_for(config_dir, tmp_path, setting, extra):
    result, folder, manifest = _approve_from_the_command_line(config_dir, tmp_path, setting, *extra)
    pdf = folder / "fernbrook-governors-briefing-2026-12-10.pdf"
    assert manifest["pdf"] == pdf.name and manifest["pdf_sha256"] == sha(pdf)
    assert result.stdout.splitlines()[-1] == str(pdf)  # it says where
    assert manifest["sha256"] == sha(folder / manifest["pack"])  # the contents' page numbers are in the .docx
    assert "OFFICIAL – FINAL" in " ".join(pdf_pages(pdf))


def test_with_pack_pdf_false_approval_of_a_draft_without_a_pdf_makes_none(config_dir, tmp_path):
    result, folder, manifest = _approve_from_the_command_line(config_dir, tmp_path, "false")
    assert manifest["status"] == "FINAL" and manifest["pdf"] is None
    assert not list(folder.glob("*.pdf")) and "LibreOffice" not in result.output
