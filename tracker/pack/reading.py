"""How long the main body takes to read, counted from the document itself.

The main body is the front sheet to the end of the eight questions; the appendices
are for reference. Its words are counted in the .docx as it stands (so paragraphs a
secretary adds count too, and approval counts again), and the cover prints the count,
the rate and the minutes, so the reader can check the sum.
"""

from __future__ import annotations

import math
import re

from docx.document import Document as DocumentObject
from docx.oxml.ns import qn

from tracker.pack import marking
from tracker.pack.briefing import APPENDICES, MAIN_SECTIONS, READING_WPM
from tracker.pack.edits import blocks

PENDING = "Counted when the pack is written"
_STAMPED = re.compile(r"About \d+ minutes?: [\d,]+ words in the main body, read at \d+ a minute")
_START = "_Toc0001"  # the bookmark on the front sheet's heading
_END = f"_Toc{len(MAIN_SECTIONS) + 1:04d}"  # and on the first appendix's


def minutes(words: int) -> int:
    return max(1, math.ceil(words / READING_WPM))


def reading_text(words: int) -> str:
    n = minutes(words)
    return f"About {n} minute{'s' if n != 1 else ''}: {words:,} words in the main body, read at {READING_WPM} a minute"


def _paragraph_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


def _marked(el, name: str) -> bool:
    return any(b.get(qn("w:name")) == name for b in el.iter(qn("w:bookmarkStart")))


def _is_heading(el, title: str) -> bool:
    return el.tag == qn("w:p") and _paragraph_text(el).strip() == title


def main_body(body) -> list:
    """The body's paragraphs and tables from the front sheet's heading up to the first appendix.

    Found by the headings' bookmarks, or, if an editor has lost those, by the headings' words.
    """
    children = blocks(body)
    start = next((i for i, el in enumerate(children) if _marked(el, _START)), None)
    if start is None:  # the last paragraph with the heading's words (the contents has them first)
        start = max((i for i, el in enumerate(children) if _is_heading(el, MAIN_SECTIONS[0])), default=0)
    end = next((i for i, el in enumerate(children) if i > start and _marked(el, _END)), None)
    if end is None:
        end = next((i for i, el in enumerate(children) if i > start and _is_heading(el, APPENDICES[0])), len(children))
    return children[start:end]


def main_body_words(doc: DocumentObject) -> int:
    return sum(len(_paragraph_text(p).split()) for el in main_body(doc.element.body) for p in el.iter(qn("w:p")))


def tag_cell(cell) -> None:
    """Mark the reading time's cell on the cover, so `stamp` (at build and approval) can fill it in."""
    runs = cell._tc.findall(f"{qn('w:p')}/{qn('w:r')}")
    marking.tag_run(runs[0], marking.READING_TAG, 903)


def stamp(doc: DocumentObject) -> int:
    """Count the main body's words and write the reading time on the cover; returns the count.

    The cover's cell is found by its bookmark or, if an editor has dropped that, by its words.
    """
    words = main_body_words(doc)
    text = reading_text(words)
    found = False
    for runs in marking.tagged_runs(doc.element.body, marking.READING_TAG):
        nodes = marking.text_nodes(runs)
        if nodes:
            nodes[0].text = text
            for t in nodes[1:]:
                t.text = ""
            found = True
    if not found:
        for p in doc.element.body.iter(qn("w:p")):
            old = _paragraph_text(p).strip()
            if _STAMPED.fullmatch(old):
                marking.replace_words(marking.text_nodes(p.iter(qn("w:r"))), old, text)
                break
    return words
