"""Building the briefing pack: the command, the manifest, the Word file's structure, approval, bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from docx import Document
from docx.oxml.ns import qn

from tests.conftest import FIXTURES, ROOT, run, workspace
from tracker.config.loading import load_config
from tracker.config.profiles import load_questions
from tracker.core.errors import TrackerError
from tracker.core.files import dump_yaml, load_yaml
from tracker.pack.approve import approve
from tracker.pack.briefing import SECTIONS
from tracker.pack.build import build_pack
from tracker.pack.render import MILESTONE_COLOURS, RAG_COLOURS
from tracker.pack.word import header_colours, open_template

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
MANIFEST_KEYS = {
    "trust", "trust_name", "meeting", "previous_meeting", "pack", "pdf", "generated_at", "sha256", "pdf_sha256",
    "register_digest", "content_digest", "counts", "status", "version", "approved_by", "approved_at",
    "reading_minutes", "changes", "stale_sources", "hand_edited", "words", "pages", "session", "marking",
    "unscheduled", "replaces", "milestones", "positions",
}  # fmt: skip


def pack_args(config: Path, tmp: Path, *extra: str) -> list[str]:
    return ["pack", "--config", config, "--outputs", tmp, *extra]


def build(config: Path, out: Path, register: Path | None = None, now: dt.datetime = NOW, **kw):
    ws = workspace(config, out, now, register=register or FIXTURES / "register-pack.yaml")
    return build_pack(load_config(ws), ws, **kw)


def body_text(path: Path) -> list[str]:
    doc = Document(str(path))
    paras = [p.text for p in doc.paragraphs]
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return paras + cells


def header_text(path: Path) -> str:
    doc = Document(str(path))
    return " ".join(p.text for p in doc.sections[0].header.paragraphs)


def contrast(a: str, b: str) -> float:
    def lum(hex_: str) -> float:
        chans = [int(hex_[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in chans]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# -- the command --------------------------------------------------------------


def test_tracker_pack_prints_the_path_and_writes_the_pack_and_manifest(config_dir, tmp_path):
    result = run(*pack_args(config_dir, tmp_path, "--meeting", "2026-12-10"))
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path == tmp_path / "packs" / "2026-12-10" / "fernbrook-governors-briefing-2026-12-10.docx"
    assert path.is_file() and (path.parent / "manifest.json").is_file()


def test_tracker_pack_json_prints_pack_and_manifest(config_dir, tmp_path):
    result = run(*pack_args(config_dir, tmp_path, "--meeting", "2026-12-10", "--json"))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out == {
        "pack": str(tmp_path / "packs/2026-12-10/fernbrook-governors-briefing-2026-12-10.docx"),
        "manifest": str(tmp_path / "packs/2026-12-10/manifest.json"),
        "pdf": None,  # no PDF copy asked for
    }


def test_the_manifest_describes_the_pack_exactly(config_dir, tmp_path):
    result = build(config_dir, tmp_path)
    m = json.loads(result.manifest_path.read_text())
    assert set(m) == MANIFEST_KEYS
    assert m["trust"] == "fernbrook" and m["meeting"] == "2026-12-10" and m["previous_meeting"] == "2026-09-17"
    assert m["pack"] == "fernbrook-governors-briefing-2026-12-10.docx" and m["pdf"] is None
    assert m["generated_at"] == "2026-11-22T09:00:00Z"
    assert m["sha256"] == hashlib.sha256(result.docx.read_bytes()).hexdigest()
    assert m["register_digest"] == hashlib.sha256((FIXTURES / "register-pack.yaml").read_bytes()).hexdigest()
    assert m["counts"] == {"expected": 2, "delayed": 1, "published": 6, "superseded": 0, "withdrawn": 0}
    assert (m["status"], m["version"], m["approved_by"], m["approved_at"]) == ("DRAFT", "1", None, None)
    assert isinstance(m["reading_minutes"], int) and m["reading_minutes"] > 0
    assert m["changes"][1] == {
        "date": "2026-10-20",
        "text": "Planning guidance for 2027/28 is now expected in 2027 (it was delayed).",
        "url": "https://example.org/test/planning-guidance-date",
    }
    sources = load_yaml(config_dir / "sources.yaml")["sources"]
    assert m["stale_sources"] == [s["title"] for s in sources]  # no feed read yet: every one is stale


def test_the_shipped_config_builds_for_the_next_meeting(config_dir, tmp_path):
    result = build(config_dir, tmp_path, register=config_dir / "register.yaml")
    assert result.manifest.meeting == dt.date(2026, 12, 10)
    assert sum(result.manifest.counts.values()) > 20


# -- the Word file --------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("built")
    shutil.copytree(ROOT / "config", tmp / "config")
    shutil.copytree(ROOT / "templates", tmp / "templates")
    return build(tmp / "config", tmp).docx


def test_headings_use_built_in_styles_in_the_issues_order(built):
    doc = Document(str(built))
    level1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert level1 == list(SECTIONS)
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 2"][:3] == [
        "Executive summary", "What governors are asked to do", "How this relates to governors' statutory duties",
    ]  # fmt: skip


def test_contents_lists_every_heading_with_no_empty_field_or_update_prompt(built):
    doc = Document(str(built))
    entries = [p for p in doc.paragraphs if p.style.name == "TOC 1"]
    assert ["".join(t.text for t in p._p.iter(qn("w:t"))) for p in entries] == list(SECTIONS)
    instructions = [t.text for p in entries for t in p._p.iter(qn("w:instrText"))]
    assert instructions == [' TOC \\o "1-1" \\h \\z \\u ']  # a real TOC field, its result filled in
    anchors = [h.get(qn("w:anchor")) for p in entries for h in p._p.iter(qn("w:hyperlink"))]
    names = {b.get(qn("w:name")) for b in doc.element.body.iter(qn("w:bookmarkStart"))}
    assert anchors and set(anchors) <= names
    with zipfile.ZipFile(built) as z:
        assert b"updateFields" not in z.read("word/settings.xml")


def test_cover_and_header_say_draft_and_the_footer_counts_pages(built):
    text = body_text(built)
    assert "Council of Governors, Thursday 10 December 2026" in text and "DRAFT" in text
    assert "OFFICIAL – DRAFT" in header_text(built)
    assert "Fernbrook NHS Foundation Trust (fictional example)" in header_text(built)
    footer = Document(str(built)).sections[0].footer._element
    instructions = [t.text.strip() for t in footer.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert "{" not in header_text(built)


def test_every_table_has_a_repeating_header_row(built):
    doc = Document(str(built))
    assert len(doc.tables) > 10
    for t in doc.tables:
        trpr = t.rows[0]._tr.trPr
        assert trpr is not None and trpr.find(qn("w:tblHeader")) is not None


def test_every_picture_has_alt_text(built):
    doc = Document(str(built))
    pictures = list(doc.element.body.iter(qn("wp:docPr")))
    assert len(pictures) == 1
    assert all(p.get("descr", "").startswith("Timeline of ") for p in pictures)


def test_document_properties_and_proofing_language_are_set(built):
    doc = Document(str(built))
    p = doc.core_properties
    assert p.title.startswith("Working together in health and care systems")
    assert p.subject == "Council of Governors briefing pack"
    assert p.author == "Company Secretary, Fernbrook NHS Foundation Trust (fictional example)"
    assert p.language == "en-GB"
    assert p.created == p.modified == NOW
    lang = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "en-GB"


def test_status_is_a_word_in_a_coloured_cell_never_colour_alone(built):
    doc = Document(str(built))
    tracker_tables = [t for t in doc.tables if t.rows[0].cells[1].text == "Status"]
    assert tracker_tables
    for t in tracker_tables:
        for row in t.rows[1:]:
            cell = row.cells[1]
            assert cell.text.lower() in MILESTONE_COLOURS
            shd = cell._tc.tcPr.find(qn("w:shd"))
            assert shd.get(qn("w:fill")) == MILESTONE_COLOURS[cell.text.lower()][0]


def test_status_colours_and_the_templates_header_row_meet_wcag_aa_contrast():
    header = header_colours(open_template(ROOT / "templates" / "governors-briefing.docx"))
    assert None not in header, "the template's Pack Table style sets no header-row fill or text colour"
    for fill, ink in [*MILESTONE_COLOURS.values(), *RAG_COLOURS.values(), header]:
        assert contrast(fill, ink) >= 4.5, (fill, ink)


def test_the_contents_lists_every_section_heading_in_the_order_the_document_has_them(built):
    doc = Document(str(built))
    styles = {p.style.name for p in doc.paragraphs}
    assert {"Heading 1", "TOC 1"} <= styles
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    contents = [p.text.split("\t")[0] for p in doc.paragraphs if p.style.name == "TOC 1"]
    assert contents == headings and len(headings) >= 8


def test_the_eight_questions_are_in_the_document_word_for_word(built):
    text = "\n".join(body_text(built))
    for q in load_questions(ROOT / "config/questions.yaml").questions:
        assert q.text in text


# -- determinism and versions ------------------------------------------------------


def test_same_inputs_and_clock_give_the_same_document(config_dir, tmp_path):
    a = build(config_dir, tmp_path / "a")
    b = build(config_dir, tmp_path / "b")
    assert body_text(a.docx) == body_text(b.docx)
    assert a.manifest.sha256 == b.manifest.sha256


def test_rebuilding_keeps_the_version_until_the_content_changes(config_dir, tmp_path):
    assert build(config_dir, tmp_path).manifest.version == 1
    later = NOW + dt.timedelta(hours=3)
    assert build(config_dir, tmp_path, now=later).manifest.version == 1
    q = config_dir / "questions.yaml"
    q.write_text(
        q.read_text().replace("review the key partners with the board", "review every key partner with the board")
    )
    assert build(config_dir, tmp_path, now=later).manifest.version == 2


# -- approval -------------------------------------------------------------------------


def test_approval_stamps_final_and_changes_nothing_else(config_dir, tmp_path):
    draft = build(config_dir, tmp_path)
    before = body_text(draft.docx)
    result = run("approve", draft.docx.parent, "--by", "Alex Morgan")
    assert result.exit_code == 0, result.output
    assert "approved as FINAL by Alex Morgan" in result.output
    after = body_text(draft.docx)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed[0] == ("DRAFT", "FINAL")
    assert changed[1][0] == "Draft for review: not yet approved by the company secretary."
    assert changed[1][1].startswith("Approved by Alex Morgan on ")
    assert len(changed) == 2
    assert "OFFICIAL – FINAL" in header_text(draft.docx)
    assert Document(str(draft.docx)).core_properties.content_status == "Final"
    m = json.loads(draft.manifest_path.read_text())
    assert (m["status"], m["approved_by"]) == ("FINAL", "Alex Morgan")
    assert m["approved_at"].endswith("Z")
    assert m["draft_sha256"] == draft.manifest.sha256
    assert m["sha256"] == hashlib.sha256(draft.docx.read_bytes()).hexdigest() != m["draft_sha256"]


def test_approval_for_a_trust_finds_its_pack_and_refuses_another_trusts(config_dir, tmp_path):
    from tests.conftest import add_trust

    add_trust(config_dir, "alder")
    add_trust(config_dir, "birch")
    assert run(*pack_args(config_dir, tmp_path, "--all-trusts", "--meeting", "2026-12-10")).exit_code == 0
    alder = tmp_path / "trusts/alder/packs/2026-12-10"
    refused = run("approve", alder, "--trust", "birch", "--by", "B", "--config", config_dir, "--outputs", tmp_path)
    assert refused.exit_code == 2 and "this is Alder NHS Trust's pack ('alder'), not 'birch''s" in refused.stderr
    assert json.loads((alder / "manifest.json").read_text())["status"] == "DRAFT"
    ok = run("approve", "--trust", "alder", "--meeting", "2026-12-10", "--by", "A", "--config", config_dir,
             "--outputs", tmp_path)  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert json.loads((alder / "manifest.json").read_text())["approved_by"] == "A"
    birch = json.loads((tmp_path / "trusts/birch/packs/2026-12-10/manifest.json").read_text())
    assert birch["status"] == "DRAFT"


def test_approval_ignores_later_register_changes(config_dir, tmp_path):
    register = tmp_path / "register.yaml"
    shutil.copy(FIXTURES / "register-pack.yaml", register)
    draft = build(config_dir, tmp_path, register=register)
    register.write_text(register.read_text().replace("First ICB mergers", "Renamed after review"))
    approve(draft.docx, "Alex Morgan", NOW)
    assert any("First ICB mergers" in t for t in body_text(draft.docx))


def test_approval_twice_and_rebuilding_a_final_pack_are_refused(config_dir, tmp_path):
    draft = build(config_dir, tmp_path)
    approve(draft.docx, "Alex Morgan", NOW)
    with pytest.raises(TrackerError, match="already approved by Alex Morgan"):
        approve(draft.docx, "Someone Else", NOW)
    again = build(config_dir, tmp_path)  # nothing changed: the approved pack stands
    assert again.manifest.status == "FINAL"
    q = config_dir / "questions.yaml"
    q.write_text(q.read_text().replace("review the key partners", "review each key partner"))
    with pytest.raises(TrackerError, match="approved as FINAL by Alex Morgan .* rebuild with --force") as refused:
        build(config_dir, tmp_path)
    # a reworded position moves no status or date, but it is not "nothing has changed"
    assert "nothing in the register or the positions has changed" not in str(refused.value)
    assert "what the pack says has: a position's wording" in str(refused.value)
    assert f"on {NOW.day} {NOW:%B %Y} and" in str(refused.value)  # the day in words, not an ISO date
    fresh = build(config_dir, tmp_path, force=True)
    assert (fresh.manifest.status, fresh.manifest.version) == ("DRAFT", 2)


# -- robust text -------------------------------------------------------------------------


def build_hostile(config: Path, out: Path):
    """The pack of a register of hostile text (which holds none of the questions' linked milestones)."""
    questions = load_yaml(config / "questions.yaml")
    for q in questions["questions"]:
        q["position"]["milestones"] = []
    (config / "questions.yaml").write_text(dump_yaml(questions))
    return build(config, out, register=FIXTURES / "register-hostile.yaml")


def test_hostile_feed_text_never_breaks_the_file(config_dir, tmp_path):
    result = build_hostile(config_dir, tmp_path)
    with zipfile.ZipFile(result.docx) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "\x07" not in xml and "\x1b" not in xml and "\x00" not in xml
    text = "\n".join(body_text(result.docx))
    assert '<b>bold</b> & "quotes" 🏥🚑' in text
    assert "تحديث الخطة الصحية" in text and "שלום" in text
    assert "Frimley <Health> & Care 🏥" in text


# -- bad input ----------------------------------------------------------------------------


def test_a_missing_trust_file_is_named(config_dir, tmp_path):
    (config_dir / "trust.yaml").unlink()
    result = run(*pack_args(config_dir, tmp_path))
    assert result.exit_code == 2
    assert f"{config_dir}/trust.yaml: file not found" in result.output


def test_a_missing_questions_file_is_named(config_dir, tmp_path):
    (config_dir / "questions.yaml").unlink()
    result = run(*pack_args(config_dir, tmp_path))
    assert result.exit_code == 2
    assert f"{config_dir}/questions.yaml: file not found" in result.output


def test_an_invalid_trust_field_gives_file_line_and_field(config_dir, tmp_path):
    t = config_dir / "trust.yaml"
    t.write_text(t.read_text().replace("    - 2026-09-17\n", "    - 2026-13-17\n"))
    result = run(*pack_args(config_dir, tmp_path))
    assert result.exit_code == 2
    assert f"{t}:51: council_of_governors.meetings[2]: '2026-13-17' is not a real date" in result.output
    assert "Traceback" not in result.output


def test_an_invalid_questions_file_gives_file_line_and_field(config_dir, tmp_path):
    q = config_dir / "questions.yaml"
    q.write_text(
        q.read_text().replace("    position:\n      status: not started", "    position:\n      status: maybe")
    )
    result = run(*pack_args(config_dir, tmp_path))
    assert result.exit_code == 2
    assert f"{q}:" in result.output and "questions[5].position.status: 'maybe' is not one of" in result.output


def test_a_missing_template_is_named(config_dir, tmp_path):
    template = config_dir.parent / "templates" / "governors-briefing.docx"
    template.unlink()
    result = run(*pack_args(config_dir, tmp_path, "--meeting", "2026-12-10"))
    assert result.exit_code == 2
    assert "trust.yaml:" in result.output  # found by the config check, with file and line
    assert f"pack.template: the Word template {template} does not exist" in result.output


def test_a_template_without_a_needed_style_names_the_style(config_dir, tmp_path):
    template = config_dir.parent / "templates" / "governors-briefing.docx"
    doc = Document(str(template))
    doc.styles["Pack Table"].element.getparent().remove(doc.styles["Pack Table"].element)
    doc.save(str(template))
    result = run(*pack_args(config_dir, tmp_path, "--meeting", "2026-12-10"))
    assert result.exit_code == 2
    assert "the template has no style named 'Pack Table'" in result.output


def test_another_template_named_in_config_is_used(config_dir, tmp_path):
    other = config_dir.parent / "templates" / "rebranded.docx"
    doc = Document(str(config_dir.parent / "templates" / "governors-briefing.docx"))
    doc.styles["Heading 1"].font.name = "Georgia"
    doc.save(str(other))
    t = config_dir / "trust.yaml"
    t.write_text(t.read_text().replace("../templates/governors-briefing.docx", "../templates/rebranded.docx"))
    result = build(config_dir, tmp_path)
    assert Document(str(result.docx)).styles["Heading 1"].font.name == "Georgia"


def test_no_future_meeting_says_how_to_pass_one(config_dir, tmp_path):
    late = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)  # after the last meeting in the shipped trust.yaml
    with pytest.raises(
        TrackerError, match="no council of governors meeting on or after 2030-01-01.*--meeting YYYY-MM-DD"
    ):
        build(config_dir, tmp_path, now=late)


def test_pdf_without_libreoffice_still_builds_the_docx_and_says_why(config_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = run(*pack_args(config_dir, tmp_path, "--meeting", "2026-12-10", "--pdf"))
    assert result.exit_code == 0, result.output
    assert "LibreOffice is not installed, so no PDF copy was made" in result.output
    manifest = json.loads((tmp_path / "packs/2026-12-10/manifest.json").read_text())
    assert manifest["pdf"] is None and (tmp_path / "packs/2026-12-10" / manifest["pack"]).is_file()


def test_hostile_text_in_the_trust_profile_is_printed_literally(config_dir, tmp_path):
    t = config_dir / "trust.yaml"
    name = 'name: "Trust <A&B> {status} \\x07 שלום 🏥"'
    t.write_text(t.read_text().replace("name: Fernbrook NHS Foundation Trust (fictional example)", name))
    result = build(config_dir, tmp_path)
    header = header_text(result.docx)
    assert "Trust <A&B> {status} שלום 🏥" in header and "\x07" not in header
    assert header.count("DRAFT") == 1  # the name's "{status}" is text, not a second mark


def test_placeholders_split_over_runs_by_an_edit_in_word_are_still_filled(config_dir, tmp_path):
    template = config_dir.parent / "templates" / "governors-briefing.docx"
    doc = Document(str(template))
    para = next(p for p in doc.sections[0].header.paragraphs if "{trust_name}" in p.text)
    para.runs[0].text = "{trust_"
    para.add_run("name}")
    doc.save(str(template))
    result = build(config_dir, tmp_path)
    assert "Fernbrook NHS Foundation Trust (fictional example)" in header_text(result.docx)
    assert "{" not in header_text(result.docx)


def test_failing_feeds_are_reported_in_the_pack_and_the_manifest(config_dir, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "nhs-england-news.json").write_text(
        json.dumps({
            "name": "nhs-england-news", "last_attempt": "2026-11-22T07:00:00Z",
            "last_success": "2026-10-01T07:00:00Z", "last_error": "HTTP 503 from www.england.nhs.uk",
            "consecutive_failures": 4,
        })
    )  # fmt: skip
    (state / "gov-uk-dhsc.json").write_text(
        json.dumps({"name": "gov-uk-dhsc", "last_attempt": "2026-11-22T07:00:00Z",
                    "last_success": "2026-11-22T07:00:00Z", "newest_item": "2026-11-21T10:00:00Z"})
    )  # fmt: skip
    result = build(config_dir, tmp_path)
    assert "NHS England news" in result.manifest.stale_sources  # its title: the email quotes it
    assert "GOV.UK: Department of Health and Social Care news and communications" not in result.manifest.stale_sources
    rows = {r.cells[0].text: [c.text for c in r.cells] for t in Document(str(result.docx)).tables for r in t.rows}
    nhse = rows["NHS England news"]
    assert nhse[1:4] == ["1 October 2026", "Never", "Failing"]
    assert "failed 4 runs in a row; last error: HTTP 503" in nhse[4]
    assert rows["GOV.UK: Department of Health and Social Care news and communications"][3] == "OK"


def test_a_source_never_read_is_told_plainly_to_governors_and_listed_as_stale_for_the_secretary(config_dir, tmp_path):
    result = build(config_dir, tmp_path)  # no feed state at all: nothing has been read yet
    sources = load_yaml(config_dir / "sources.yaml")["sources"]
    assert list(result.manifest.stale_sources) == [s["title"] for s in sources]  # the email and digest name them
    text = body_text(result.docx)
    rows = {r.cells[0].text: [c.text for c in r.cells] for t in Document(str(result.docx)).tables for r in t.rows}
    first = rows[sources[0]["title"]]
    assert first[3:5] == ["Not read yet", "Not read yet by the tracker."]
    assert any(f"{len(sources)} sources not read yet" in t for t in text)
    assert not any(".venv/bin/tracker" in t for t in text)  # a command is the secretary's business, not the pack's


def test_a_failing_libreoffice_costs_the_pdf_not_the_pack(config_dir, tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'soffice: cannot open display' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    result = build(config_dir, tmp_path, pdf=True)
    assert result.pdf is None and result.manifest.pdf is None
    assert result.notes[0].startswith("No PDF copy was made: ")
    assert "LibreOffice did not write a PDF" in result.notes[0]
    assert result.manifest.sha256 == hashlib.sha256(result.docx.read_bytes()).hexdigest()


def test_approval_refuses_a_manifest_that_points_outside_its_folder(config_dir, tmp_path):
    result = build(config_dir, tmp_path)
    outside = tmp_path / "elsewhere.docx"
    shutil.copy(result.docx, outside)
    manifest = json.loads(result.manifest_path.read_text())
    manifest["pack"] = "../../elsewhere.docx"
    result.manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(
        TrackerError,
        match=r"manifest\.json: the pack manifest is malformed \('\.\./\.\./elsewhere\.docx' is not a file name\)",
    ):
        approve(result.docx.parent, "Alex Morgan", NOW)
    assert json.loads(result.manifest_path.read_text())["status"] == "DRAFT"


def test_every_systems_timeline_picture_stays_cached_across_the_trusts_of_a_run(tmp_path, monkeypatch):
    # 30 systems' pictures, then the same 30 again (the next 30 trusts): each is drawn once.
    from tracker.pack import build as build_module
    from tracker.pack import timeline

    drawn: list[object] = []
    monkeypatch.setattr(timeline, "draw", lambda events, today: drawn.append(events) or f"png {events}".encode())
    day, cache = dt.date(2026, 11, 22), tmp_path / ".timeline-cache"
    briefings = [SimpleNamespace(events=(f"system-{i}",)) for i in range(30)]
    first = [build_module.timeline_png(b, day, cache) for b in briefings]  # type: ignore[arg-type]
    again = [build_module.timeline_png(b, day, cache) for b in briefings]  # type: ignore[arg-type]
    assert len(drawn) == 30 and again == first


def test_the_timeline_cache_keeps_only_the_newest_pictures(tmp_path, monkeypatch):
    from tracker.pack import build as build_module
    from tracker.pack import timeline

    monkeypatch.setattr(timeline, "draw", lambda events, today: f"png {events}".encode())
    kept, cache = build_module.TIMELINE_PICTURES_KEPT, tmp_path / ".timeline-cache"
    for i in range(kept + 20):
        build_module.timeline_png(SimpleNamespace(events=(i,)), dt.date(2026, 11, 22), cache)  # type: ignore[arg-type]
    assert len(list(cache.glob("*.png"))) == kept
