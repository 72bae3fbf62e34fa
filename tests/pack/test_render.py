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
