"""Telling a person's edits from the tool's text: what they added, changed and removed."""

from __future__ import annotations

import copy

import pytest
from docx import Document

from tracker.pack.edits import blocks, carry, compare, key


def draft(*paragraphs: str):
    doc = Document()
    body = doc.element.body
    for child in list(body):
        if not child.tag.endswith("sectPr"):
            body.remove(child)
    for text in paragraphs:
        doc.add_paragraph(text)
    return doc


BUILT = (
    "Front sheet",
    "Context: four changes.",
    "Question: is the trust playing its part?",
    "Conclusion: two assured.",
)


def test_an_added_paragraph_is_found_with_the_text_before_it():
    edits = compare(draft(*BUILT), draft(*BUILT[:3], "Chair's note: thanks to the team.", BUILT[3]))
    assert [(edits.anchors[place.after], key(block)) for place, block in edits.added] == [
        ("Question: is the trust playing its part?", "Chair's note: thanks to the team.")
    ]
    assert edits.changed == [] and edits.removed == []
    assert edits.summary() == "1 paragraph or table added"


def test_a_reworded_paragraph_is_a_change_and_a_deleted_one_a_removal_never_an_addition():
    edited = draft(BUILT[0], "Context: four changes, all checked.", BUILT[3])
    edits = compare(draft(*BUILT), edited)
    assert edits.added == []
    assert edits.changed == ["Context: four changes, all checked."]
    assert edits.removed == ["Question: is the trust playing its part?"]
    assert edits.summary() == "1 changed, 1 removed"


def test_contents_page_numbers_are_not_edits():
    built, edited = draft("Front sheet"), draft("Front sheet")
    edited.paragraphs[0].add_run().add_tab()
    edited.paragraphs[0].add_run("2")
    assert compare(built, edited).summary() == "formatting or layout only"


def test_carrying_puts_each_addition_after_the_same_text_in_order():
    edited = draft(*BUILT[:2], "Note one.", "Note two.", *BUILT[2:])
    edits = compare(draft(*BUILT), edited)
    rebuilt = draft(BUILT[0], BUILT[1], "Question: is the trust playing its part?", "Conclusion: three assured.")
    assert carry(rebuilt, edits, edited) == []
    assert [key(b) for b in blocks(rebuilt.element.body)] == [
        "Front sheet", "Context: four changes.", "Note one.", "Note two.",
        "Question: is the trust playing its part?", "Conclusion: three assured.",
    ]  # fmt: skip


def field_draft(wrap_in_content_control: bool):
    """A contents list with no links, only a field's result (as another editor may write it), then the headings."""
    from docx.oxml import parse_xml

    doc = draft("Contents")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    first = (
        f'<w:p {w}><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Front sheet</w:t></w:r></w:p>'
    )
    last = f'<w:p {w}><w:r><w:t>Our system</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    entries = [parse_xml(first), parse_xml(last)]
    if wrap_in_content_control:
        sdt = parse_xml(
            f'<w:sdt {w}><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/></w:docPartObj>'
            "</w:sdtPr><w:sdtContent/></w:sdt>"
        )
        for e in entries:
            sdt[1].append(e)
        entries = [sdt]
    for e in reversed(entries):
        doc.paragraphs[0]._p.addnext(e)
    for text in ("Front sheet", "Context: four changes.", "Our system", "Our integrated care system: Frimley."):
        doc.add_paragraph(text)
    return doc


@pytest.mark.parametrize("wrap_in_content_control", [False, True])
def test_a_fields_result_is_never_an_anchor_even_when_it_reads_like_a_heading(wrap_in_content_control):
    built = field_draft(wrap_in_content_control)
    edited = field_draft(wrap_in_content_control)
    heading = [p for p in edited.paragraphs if p.text == "Our system"][-1]
    heading._p.addnext(copy.deepcopy(heading._p))
    [p for p in edited.paragraphs if p.text == "Our system"][-1].runs[0].text = "Chair's note."
    edits = compare(built, edited)
    assert "Front sheet" in edits.anchors and edits.anchors.count("Our system") == 1
    rebuilt = field_draft(wrap_in_content_control)
    assert carry(rebuilt, edits, edited) == []
    assert [key(b) for b in blocks(rebuilt.element.body)] == [
        "Contents", "Front sheet", "Our system",  # the field's result
        "Front sheet", "Context: four changes.", "Our system", "Chair's note.", "Our integrated care system: Frimley.",
    ]  # fmt: skip
