"""The DRAFT/FINAL marks and the header and footer placeholders.

The build writes each mark as a run inside a hidden bookmark named after its tag;
approval finds those bookmarks and changes only their words.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterator

from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from tracker.core.text import display

STATUS_TAG = "PackStatus"
APPROVAL_TAG = "PackApproval"
READING_TAG = "PackReading"
DRAFT_NOTE = "Draft for review: not yet approved by the company secretary."


def tagged(
    paragraph: Paragraph, tag: str, value: str, ident: int, bold: bool = False, size_pt: float | None = None, rpr=None
):
    """A run inside a hidden bookmark named after `tag`: approval finds it and replaces the words.

    (A bookmark rather than a content control: LibreOffice drops the formatting of runs
    inside inline content controls.)
    """
    run = paragraph.add_run(display(value))
    if rpr is not None:
        run._r.insert(0, copy.deepcopy(rpr))
    else:
        run.bold = bold or None
        if size_pt:
            from docx.shared import Pt

            run.font.size = Pt(size_pt)
    return tag_run(run._r, tag, ident)


def tag_run(r, tag: str, ident: int):
    """Wrap an existing run in the hidden bookmark `_<tag>_<ident>`."""
    key = str(ident)
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), key)
    start.set(qn("w:name"), f"_{tag}_{key}")
    end.set(qn("w:id"), key)
    r.addprevious(start)
    r.addnext(end)
    return start, r, end


def tagged_runs(root, tag: str):
    """The runs inside every bookmark made by `tagged` for `tag` under an XML root."""
    for start in root.iter(qn("w:bookmarkStart")):
        if not start.get(qn("w:name"), "").startswith(f"_{tag}_"):
            continue
        runs, el = [], start.getnext()
        while el is not None and not (el.tag == qn("w:bookmarkEnd") and el.get(qn("w:id")) == start.get(qn("w:id"))):
            if el.tag == qn("w:r"):
                runs.append(el)
            el = el.getnext()
        yield runs


def text_nodes(runs) -> list:
    return [t for r in runs for t in r.iter(qn("w:t"))]


def replace_words(nodes: list, old: str, new: str) -> bool:
    """Replace the first whole-word `old` in the text of these w:t nodes, even split over several.

    The replacement goes where the match starts; everything around it stays, so a mark
    whose bookmark an editor has widened or moved keeps its neighbours' words.
    """
    texts = [t.text or "" for t in nodes]
    joined = "".join(texts)
    m = re.search(rf"(?<!\w){re.escape(old)}(?!\w)", joined)
    if m is None:
        return False
    start, end = m.span()
    pos, first = 0, True
    for t, text in zip(nodes, texts, strict=True):
        a, b = pos, pos + len(text)
        pos = b
        if b <= start or a >= end:
            continue
        before, after = text[: max(0, start - a)], text[max(0, end - a) :]
        t.text = before + (display(new) if first else "") + after
        t.set(qn("xml:space"), "preserve")
        first = False
    return True


def marked_parts(doc: DocumentObject) -> list:
    """The XML roots that carry marks: the body, then every header and footer with its own content."""
    roots, seen = [doc.element.body], set()
    for s in doc.sections:
        for hf in (
            s.header,
            s.footer,
            s.first_page_header,
            s.first_page_footer,
            s.even_page_header,
            s.even_page_footer,
        ):
            if not hf.is_linked_to_previous and id(hf._element) not in seen:
                seen.add(id(hf._element))
                roots.append(hf._element)
    return roots


def restamp(doc: DocumentObject, status: str, note: str, old_status: str = "DRAFT", old_note: str = DRAFT_NOTE) -> int:
    """Change the status marks (cover, headers, footers) and the cover's note; returns how many marks changed.

    Each mark is found by its bookmark; where an editor (Word, LibreOffice) has dropped,
    renamed or moved a bookmark, by its words instead: the cover's paragraph that says
    only DRAFT, the word DRAFT in a header or footer, the draft note's sentence. Only
    the marked words change; anything the editor added around them stays.
    """
    done = 0
    paragraphs = qn("w:p")
    for i, root in enumerate(marked_parts(doc)):
        here = sum(replace_words(text_nodes(runs), old_status, status) for runs in tagged_runs(root, STATUS_TAG))
        if not here:
            for p in root.iter(paragraphs):
                nodes = text_nodes(p.iter(qn("w:r")))
                words = "".join(t.text or "" for t in nodes).strip()
                if (words == old_status) if i == 0 else re.search(rf"(?<!\w){old_status}(?!\w)", words):
                    while replace_words(nodes, old_status, status):
                        here += 1
        done += here
    body = doc.element.body
    if not any(replace_words(text_nodes(runs), old_note, note) for runs in tagged_runs(body, APPROVAL_TAG)):
        for p in body.iter(paragraphs):
            nodes = text_nodes(p.iter(qn("w:r")))
            if "".join(t.text or "" for t in nodes).strip() == old_note:
                replace_words(nodes, old_note, note)
                break
    return done


def fill_placeholders(doc: DocumentObject, values: dict[str, str], status: str) -> None:
    """Replace {name} in the header and footer; {status} becomes a tagged run."""
    ids = itertools.count(951)  # bookmark ids: unique in the document, the same on every build
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            if part.is_linked_to_previous and part is not section.header and part is not section.footer:
                continue
            for p in part.paragraphs:
                _fill(p, values, status, ids)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _join_split_placeholders(p: Paragraph) -> None:
    """Word may split "{trust_name}" over several runs after an edit; put each back in one run."""
    for r in p._p.findall(qn("w:r")):
        text = "".join(t.text or "" for t in r.findall(qn("w:t")))
        while text.rfind("{") > text.rfind("}"):
            nxt = r.getnext()
            if nxt is None or nxt.tag != qn("w:r") or nxt.find(qn("w:fldChar")) is not None:
                break
            extra = "".join(t.text or "" for t in nxt.findall(qn("w:t")))
            ts = r.findall(qn("w:t"))
            if not ts:
                break
            ts[-1].text = (ts[-1].text or "") + extra
            ts[-1].set(qn("xml:space"), "preserve")
            nxt.getparent().remove(nxt)
            text += extra


def _fill(p: Paragraph, values: dict[str, str], status: str, ids: Iterator[int]) -> None:
    if "{" not in p.text:
        return
    _join_split_placeholders(p)
    for run in list(p.runs):
        if "{" not in run.text:
            continue
        # One pass, so a value that itself contains "{status}" is printed, not expanded.
        pieces = re.split(r"(\{status\})", run.text)
        text = [_PLACEHOLDER.sub(lambda m: display(values.get(m.group(1), m.group(0))), x) for x in pieces]
        if len(pieces) == 1:
            run.text = text[0]
            continue
        run.text = text[0]
        anchor, rpr = run._r, run._r.rPr
        for piece, shown in zip(pieces[1:], text[1:], strict=True):
            if piece == "{status}":
                marks = tagged(Paragraph(OxmlElement("w:p"), p._parent), STATUS_TAG, status, next(ids), rpr=rpr)
                for el in marks:
                    anchor.addnext(el)
                    anchor = el
            elif shown:
                tail = OxmlElement("w:r")
                if rpr is not None:
                    tail.append(copy.deepcopy(rpr))
                t = OxmlElement("w:t")
                t.text = shown
                t.set(qn("xml:space"), "preserve")
                tail.append(t)
                anchor.addnext(tail)
                anchor = tail
