"""The DRAFT/FINAL marks and the header and footer placeholders.

The build writes each mark as a run inside a hidden bookmark named after its tag;
approval finds those bookmarks and changes only their words.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator

from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from tracker.text import display

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
    ident = str(ident)
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), ident)
    start.set(qn("w:name"), f"_{tag}_{ident}")
    end.set(qn("w:id"), ident)
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


def _fill(p: Paragraph, values: dict[str, str], status: str, ids: Iterator[int]) -> None:
    if "{" not in p.text:
        return
    for run in list(p.runs):
        if "{" not in run.text:
            continue
        value = run.text
        for key, v in values.items():
            value = value.replace("{" + key + "}", display(v))
        if "{status}" not in value:
            run.text = value
            continue
        before, after = value.split("{status}", 1)
        run.text = before
        rpr = run._r.rPr
        start, middle, end = tagged(Paragraph(OxmlElement("w:p"), p._parent), STATUS_TAG, status, next(ids), rpr=rpr)
        run._r.addnext(start)
        start.addnext(middle)
        middle.addnext(end)
        if after:
            tail = OxmlElement("w:r")
            if rpr is not None:
                tail.append(copy.deepcopy(rpr))
            t = OxmlElement("w:t")
            t.text = after
            t.set(qn("xml:space"), "preserve")
            tail.append(t)
            end.addnext(tail)
