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
    key = str(ident)
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), key)
    start.set(qn("w:name"), f"_{tag}_{key}")
    end.set(qn("w:id"), key)
    run._r.addprevious(start)
    run._r.addnext(end)
    return start, run._r, end


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
