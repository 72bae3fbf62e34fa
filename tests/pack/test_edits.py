"""Telling a person's edits from the tool's text: what they added, changed and removed."""

from __future__ import annotations

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
    assert [(anchor, key(block)) for anchor, _, block in edits.added] == [
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
