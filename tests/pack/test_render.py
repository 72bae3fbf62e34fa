"""The pack as a governor reads it: rendered by LibreOffice, read back with poppler."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import run
from tests.pack.test_build import build, build_hostile, pack_args
from tracker.config.profiles import load_questions
from tracker.pack.approve import approve
from tracker.pack.briefing import SECTIONS
from tracker.pack.pdf import to_pdf

pytestmark = pytest.mark.slow


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", " ", out.stdout)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    import shutil

    from tests.conftest import ROOT

    tmp = tmp_path_factory.mktemp("rendered")
    shutil.copytree(ROOT / "config", tmp / "config")
    shutil.copytree(ROOT / "templates", tmp / "templates")
    result = build(tmp / "config", tmp)
    return tmp, result.docx, to_pdf(result.docx)


def test_the_eight_questions_are_there_word_for_word(rendered):
    tmp, _, pdf = rendered
    text = pdf_text(pdf)
    for q in load_questions(tmp / "config" / "questions.yaml").questions:
        assert q.text in text, q.text


def test_the_tracker_table_and_the_contents_entries_are_there(rendered):
    _, _, pdf = rendered
    text = pdf_text(pdf)
    assert "Milestone Status Date Source" in text
    assert "Social care green paper Delayed Was due November 2018" in text
    contents = text.split("Contents", 1)[1]
    assert " ".join(SECTIONS) in contents
    assert "No table of contents entries found" not in text and "Error!" not in text


def test_every_page_renders_and_none_is_blank(rendered, tmp_path):
    _, _, pdf = rendered
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 8
    for page in pages:
        low, high = Image.open(page).convert("L").getextrema()
        assert low < 128 < high, page.name


def test_page_x_of_y_and_the_marking_are_on_every_page(rendered):
    _, _, pdf = rendered
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = pdf_text(pdf)
    assert f"Page {pages} of {pages}" in text
    assert text.count("OFFICIAL – DRAFT") == pages


def test_hostile_feed_text_renders(config_dir, tmp_path):
    result = build_hostile(config_dir, tmp_path)
    text = pdf_text(to_pdf(result.docx))
    assert '<b>bold</b> & "quotes"' in text
    assert "Frimley <Health> & Care" in text


def test_pdf_copy_and_approval_regenerates_it_as_final(config_dir, tmp_path):
    result = run(*pack_args(config_dir, tmp_path, "--meeting", "2026-12-10", "--pdf", "--json"))
    assert result.exit_code == 0, result.output
    manifest_path = Path(json.loads(result.output)["manifest"])
    manifest = json.loads(manifest_path.read_text())
    pdf = manifest_path.parent / manifest["pdf"]
    assert manifest["pdf"] == "fernbrook-governors-briefing-2026-12-10.pdf" and pdf.is_file()
    assert "OFFICIAL – DRAFT" in pdf_text(pdf)
    approve(manifest_path.parent, "Alex Morgan", dt.datetime.now(dt.UTC))
    final = json.loads(manifest_path.read_text())
    assert final["pdf_sha256"] != manifest["pdf_sha256"]
    text = pdf_text(pdf)
    assert "OFFICIAL – FINAL" in text and "Approved by Alex Morgan" in text and "DRAFT" not in text


def test_make_pdf_says_where_the_pdf_is_as_well_as_the_docx(config_dir, tmp_path):
    result = run(*pack_args(config_dir, tmp_path, "--meeting", "2026-12-10", "--pdf"))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "packs" / "2026-12-10"
    stem = "fernbrook-governors-briefing-2026-12-10"
    assert result.stdout.splitlines() == [str(folder / f"{stem}.docx"), str(folder / f"{stem}.pdf")]
    assert (folder / f"{stem}.pdf").is_file()
    as_json = json.loads(run(*pack_args(config_dir, tmp_path, "--meeting", "2026-12-10", "--pdf", "--json")).stdout)
    assert as_json["pdf"] == str(folder / f"{stem}.pdf")


def test_pack_pdf_true_in_trust_yaml_writes_the_pdf(config_dir, tmp_path):
    t = config_dir / "trust.yaml"
    t.write_text(t.read_text().replace("pdf: false", "pdf: true"))
    result = run(*pack_args(config_dir, tmp_path, "--meeting", "2026-12-10", "--json"))
    assert result.exit_code == 0, result.output
    manifest = json.loads(Path(json.loads(result.output)["manifest"]).read_text())
    assert manifest["pdf"] == "fernbrook-governors-briefing-2026-12-10.pdf"
    assert (tmp_path / "packs/2026-12-10" / manifest["pdf"]).is_file()


def test_with_a_pdf_the_contents_carry_the_right_page_numbers(config_dir, tmp_path):
    result = build(config_dir, tmp_path, pdf=True)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(result.pdf), "-"], capture_output=True, text=True)
    pages = out.stdout.split("\f")
    contents = next(i for i, p in enumerate(pages) if "Contents" in p.splitlines())
    numbers = dict(
        (m.group(1), int(m.group(2))) for m in re.finditer(r"^(\S.*?)\.{3,}\s*(\d+)$", pages[contents], flags=re.M)
    )
    assert list(numbers) == list(SECTIONS)
    for title, page in numbers.items():
        assert title in [line.strip() for line in pages[page - 1].splitlines()], (title, page)
    assert numbers["Front sheet"] == 2
    assert list(numbers.values()) == sorted(numbers.values())


# -- a paper governors finish -------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped example with its PDF copy, as `make pdf` makes it (contents numbered)."""
    import shutil

    from tests.conftest import ROOT

    tmp = tmp_path_factory.mktemp("shipped")
    shutil.copytree(ROOT / "config", tmp / "config")
    shutil.copytree(ROOT / "templates", tmp / "templates")
    result = build(tmp / "config", tmp, register=tmp / "config" / "register.yaml", pdf=True)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(result.pdf), "-"], capture_output=True, text=True)
    pages = [page.splitlines() for page in out.stdout.split("\f")][: result.manifest.pages["total"]]
    return result, pages


def running_lines(manifest, total: int) -> set[str]:
    """The header and footer lines of every page, which are not part of the text read."""
    lines = {f"OFFICIAL – {manifest.status}", manifest.trust_name, "OFFICIAL"}
    return lines | {f"Council of Governors, 10 December 2026 · Page {n} of {total}" for n in range(1, total + 1)}


def test_the_main_body_is_at_most_12_pages_and_the_appendices_follow_it(shipped):
    from tests.conftest import report

    result, pages = shipped
    counts = result.manifest.pages
    assert counts["main_body"] <= 12, counts
    assert counts["main_body"] + counts["appendices"] + 1 == counts["total"]  # and the cover
    first_appendix = next(i for i, lines in enumerate(pages) if "Appendix A: Earlier milestones" in lines)
    assert first_appendix == counts["total"] - counts["appendices"]
    body = " ".join(" ".join(lines) for lines in pages[1:first_appendix])
    assert "Question 8" in body and "Appendix" not in body.replace("in Appendix A", "")
    headings = [line for lines in pages[first_appendix:] for line in lines if line.startswith("Appendix ")]
    assert headings == ["Appendix A: Earlier milestones", "Appendix B: The policy journey since 2014",
                        "Appendix C: Tracker health", "Appendix D: Glossary", "Appendix E: Sources"]  # fmt: skip
    report(
        f"pack pages (shipped example): main body {counts['main_body']}, appendices {counts['appendices']}, total {counts['total']}"
    )


def test_the_stated_reading_time_matches_the_words_of_the_main_body_as_printed(shipped):
    from tests.conftest import report

    result, pages = shipped
    m = result.manifest
    skip = running_lines(m, len(pages))
    front = next(i for i, lines in enumerate(pages) if "Front sheet" in lines and i > 0)
    end = front + m.pages["main_body"]
    printed = sum(len(line.split()) for lines in pages[front:end] for line in lines if line.strip() not in skip)
    assert abs(printed - m.words) <= 0.03 * m.words, (printed, m.words)
    cover = re.sub(r"\s+", " ", " ".join(pages[0]))
    stated = re.search(r"About (\d+) minutes?: ([\d,]+) words in the main body, read at (\d+) a minute", cover)
    assert stated, cover
    minutes, words, rate = int(stated.group(1)), int(stated.group(2).replace(",", "")), int(stated.group(3))
    assert words == m.words and rate == 200 and minutes == -(-words // rate) == m.reading_minutes
    report(
        f"reading time: {minutes} minutes for {words} words of main body at {rate} a minute ({printed} counted in the PDF)"
    )


def test_every_questions_heading_and_position_start_on_the_same_page(shipped):
    _, pages = shipped
    for n in range(1, 9):
        heading = next(i for i, lines in enumerate(pages) if f"Question {n}" in lines)
        position = next(
            i for i, lines in enumerate(pages) if i >= heading and any(x.startswith("Our position:") for x in lines)
        )
        assert heading == position, f"question {n}: heading on page {heading + 1}, position on page {position + 1}"


def test_a_changed_position_is_shown_with_what_it_was_at_the_last_meeting(shipped):
    _, pages = shipped
    text = re.sub(r"\s+", " ", " ".join(" ".join(lines) for lines in pages))
    assert "In progress (amber) since 15 October 2026, was not started (red) at the last meeting." in text
    assert "Next step from September 2026: done. The step: “Start the strategy refresh and engage staff on it”." in text
    assert "Not reviewed since the last meeting: last reviewed 17 September 2026." in text
    attribution = (
        "NHS Providers, “No trust is an island: a briefing for governors on working collaboratively in health and care "
        "systems”, May 2018"
    )
    assert text.count(attribution) == 1  # the questions' source, named once for all eight


def test_the_cover_and_front_sheet_say_what_a_board_paper_says(shipped):
    _, pages = shipped
    cover, front = (re.sub(r"\s+", " ", " ".join(p)) for p in pages[:2])
    assert "Thursday 10 December 2026 at 14:00, Boardroom, Trust Headquarters (fictional)" in cover
    assert "Part 1, held in public" in cover and "9; paper reference CoG/2026/12/09" in cover
    assert "Presented by Alex Morgan (fictional), Company Secretary" in front
    assert "Agenda item 9; paper reference CoG/2026/12/09" in front and "Part 1, held in public" in front


def test_the_front_sheet_lists_the_awaited_milestones_one_a_line_not_as_a_run_on_sentence(shipped):
    result, pages = shipped
    front = next(lines for i, lines in enumerate(pages) if i and "Front sheet" in lines)
    start = next(i for i, line in enumerate(front) if line.endswith("still awaited:"))
    end = front.index("What governors are asked to do")
    counts = result.manifest.counts
    awaited = counts["expected"] + counts["delayed"]
    assert sum(line.strip() in {"\uf0b7", "•"} for line in front[start:end]) == min(awaited, 6)
    assert "First advanced foundation trusts assessed, expected 2026" in front[start:end]  # a line of its own


def test_titles_have_no_iso_dates_or_nested_brackets_and_counts_agree_in_number(shipped):
    _, pages = shipped
    text = re.sub(r"\s+", " ", " ".join(" ".join(lines) for lines in pages))
    assert "Refreshing NHS Plans for 2018/19 – updated 9 February 2018" in text
    assert not re.search(r"\([^()]*\([^()]*\)[^()]*\)", text), re.search(r"\([^()]*\([^()]*\)[^()]*\)", text)
    assert not re.search(r"\b1 (are|questions|milestones)\b", text)


def test_a_part_2_pack_is_marked_confidential_on_every_page(config_dir, tmp_path):
    t = config_dir / "trust.yaml"
    t.write_text(t.read_text().replace("  session: part-1 ", "  session: part-2 "))
    result = build(config_dir, tmp_path, pdf=True)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(result.pdf), "-"], capture_output=True, text=True)
    pages = [p for p in out.stdout.split("\f") if p.strip()]
    assert len(pages) == result.manifest.pages["total"]
    assert all("OFFICIAL – CONFIDENTIAL, PART 2 – DRAFT" in page for page in pages)
    assert "Part 2, held in private: confidential" in pages[0]
    assert result.manifest.session == "part-2"
