"""Write a Briefing into the Word template, section by section, in the issue's order."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from docx.document import Document as DocumentObject
from docx.shared import Cm

from tracker.core.dates import day_month_year, stamp_day, weekday_date
from tracker.core.text import display, plural
from tracker.pack import marking, reading
from tracker.pack import word as d
from tracker.pack.briefing import APPENDICES, SECTIONS, Briefing
from tracker.pack.questions import status_words
from tracker.pack.timeline import PICTURE_CM
from tracker.pack.views import Citation

# (fill, text) pairs: every one passes WCAG AA (4.5:1) for normal text; tests check.
MILESTONE_COLOURS = {
    "published": ("007F3B", "FFFFFF"),
    "expected": ("005EB8", "FFFFFF"),
    "delayed": ("FFB81C", "212B32"),
    "superseded": ("425563", "FFFFFF"),
    "withdrawn": ("E8EDEE", "212B32"),
}
RAG_COLOURS = {
    "red": ("C8102E", "FFFFFF"),
    "amber": ("FFB81C", "212B32"),
    "green": ("007F3B", "FFFFFF"),
    "grey": ("E8EDEE", "212B32"),
}
HEALTH_COLOURS = {"OK": RAG_COLOURS["green"], "Stale": RAG_COLOURS["amber"], "Failing": RAG_COLOURS["red"]}
NOT_READ = "Not read yet"


def health_word(h) -> str:
    if h.never_read:
        return NOT_READ  # stale too, but governors are told plainly, without the secretary's command
    if h.stale:
        return "Failing" if h.consecutive_failures else "Stale"
    return "Failing" if h.last_error else "OK"


def render(
    b: Briefing,
    template: Path,
    picture: bytes,
    alt: str,
    version: str,
    now: dt.datetime,
    status: str = "DRAFT",
):
    """The pack as a Word document; the cover's reading time is left for `reading.stamp`, once the main body
    is final (a rebuild may still carry a secretary's paragraphs into it)."""
    doc = d.open_template(template)
    d.set_language(doc)
    marking.fill_placeholders(
        doc,
        {"trust_name": b.trust_name, "protective_marking": b.marking, "meeting": day_month_year(b.meeting)},
        status,
    )
    cover(doc, b, version, status)
    contents(doc)
    heading(doc, SECTIONS[0], 1).paragraph_format.page_break_before = True
    front_sheet(doc, b)
    writers = (changes, tracker, system, questions, earlier,
               lambda doc, b: timeline(doc, b, picture, alt), health, glossary, sources)  # fmt: skip
    for number, (title, write) in enumerate(zip(SECTIONS[1:], writers, strict=True), start=2):
        h = heading(doc, title, number)  # bookmarked _Toc0002... for the contents' links
        # The appendices, which are for reference, start on a new page; the main body flows on.
        h.paragraph_format.page_break_before = title == APPENDICES[0]
        write(doc, b)
    properties(doc, b, version, now, status)
    return doc


def heading(doc: DocumentObject, title: str, number: int, level: int = 1):
    p = d.paragraph(doc, f"Heading {level}")
    d.text(p, title)
    if level == 1:
        d.bookmark(p, f"_Toc{number:04d}", number)
    return p


def para(doc: DocumentObject, value: str, style: str | None = None, lead: str | None = None):
    p = d.paragraph(doc, style)
    if lead:
        p.add_run(display(lead) + ": ").bold = True
    d.text(p, value)
    return p


def together(*paragraphs) -> None:
    """Keep these paragraphs on one page, each whole: a heading never ends a page without its text."""
    for i, p in enumerate(paragraphs):
        d.keep(p, with_next=i < len(paragraphs) - 1)


def meeting_line(b: Briefing) -> str:
    m = b.details
    parts = [weekday_date(b.meeting) + (f" at {m.time}" if m.time else ""), m.venue or ""]
    return ", ".join(x for x in parts if x)


def cover(doc: DocumentObject, b: Briefing, version: str, status: str) -> None:
    para(doc, b.trust_name, "Subtitle")
    d.paragraph(doc, "Title").add_run(display(b.title))
    kind = "Extraordinary meeting of the Council of Governors" if b.details.unscheduled else "Council of Governors"
    para(doc, f"{kind}, {weekday_date(b.meeting)}", "Subtitle")
    p = doc.add_paragraph()
    marking.tagged(p, marking.STATUS_TAG, status, 901, bold=True, size_pt=24)
    p = doc.add_paragraph()
    marking.tagged(p, marking.APPROVAL_TAG, marking.DRAFT_NOTE, 902)
    m = b.details
    rows = [
        ["Meeting", meeting_line(b)],
        ["Session", m.session.words],
        ["Agenda item", f"{m.agenda_item or 'not assigned'}; paper reference {m.paper_reference or 'not assigned'}"],
        ["Version", f"{version}, prepared by {b.secretary}, Company Secretary, on {day_month_year(b.prepared)}"],
        ["Reading time", reading.PENDING],
        ["Protective marking", b.marking],
    ]
    table = d.table(doc, ["Document detail", "Value"], rows, [4.2, 12.4])
    reading.tag_cell(table.rows[rows.index(["Reading time", reading.PENDING]) + 1].cells[1])


def front_sheet(doc: DocumentObject, b: Briefing) -> None:
    m = b.details
    rows = [
        ["Meeting", f"Council of Governors, {meeting_line(b)}; {m.session.words}"],
        ["Agenda item", f"{m.agenda_item or 'Not assigned'}; paper reference {m.paper_reference or 'not assigned'}"],
        ["Presented by", m.presenter or f"{b.secretary}, Company Secretary"],
        ["Purpose", b.front["Purpose"]],
    ]
    d.table(doc, ["Paper", "Detail"], rows, [4.2, 12.4])
    heading(doc, "Executive summary", 0, level=2)
    for key in ("Context", "Question", "Conclusion"):
        para(doc, b.front[key], lead=key)
    for item in b.awaited:
        para(doc, item, "List Bullet")
    heading(doc, "What governors are asked to do", 0, level=2)
    for item in b.asked:
        para(doc, item, "List Bullet")
    heading(doc, "How this relates to governors' statutory duties", 0, level=2)
    para(doc, b.front["Statutory duties"])


def contents(doc: DocumentObject) -> None:
    """Contents as a TOC field whose result we write ourselves: never empty, never a prompt.

    The entries link to the headings. Page numbers are added when a PDF is made
    (pack.pdf reads them from LibreOffice's render); otherwise Word's References >
    Update Table adds them.
    """
    d.paragraph(doc, "TOC Heading").add_run("Contents")
    for i, title in enumerate(SECTIONS, 1):
        p = d.paragraph(doc, "TOC 1")
        if i == 1:
            d.field_chars(p, "begin")
            d.field_chars(p, "", 'TOC \\o "1-1" \\h \\z \\u')
            d.field_chars(p, "separate")
        d.internal_link(p, title, f"_Toc{i:04d}")
        if i == len(SECTIONS):
            d.field_chars(p, "end")


def status_table(doc, header, rows, widths, column, colours) -> None:
    """Rows of (values, status key); the status cell is filled with that key's colours."""
    fills = {(i, column): colours[key] for i, (_, key) in enumerate(rows, start=1)}
    d.table(doc, header, [values for values, _ in rows], widths, colours=fills)


UNCHECKED = "Found by the tracker, not yet checked"


def changes(doc: DocumentObject, b: Briefing) -> None:
    since = day_month_year(b.changes_from)
    if not b.changes:
        para(doc, f"No changes were recorded in the register between {since} and {day_month_year(b.prepared)}.")
    else:
        para(doc, f"Changes recorded in the register since {since}, oldest first, each with the source that shows it.")
        rows = [[c.date.human(), c.text, c.source or "No source recorded"] for c in b.changes]
        links = {(i, 2): c.url for i, c in enumerate(b.changes, start=1) if c.url}
        d.table(doc, ["Date", "What changed", "Source"], rows, [3.0, 8.6, 5.0], links=links)
    if b.unchecked and b.show_unchecked:
        heading(doc, UNCHECKED, 0, level=2)
        para(doc, "The tracker found these in public feeds or in the register's own dates, but nobody has checked them yet, so "
             "this pack does not report them as fact. The company secretary reviews each one before it changes the register.")  # fmt: skip
        for text in b.unchecked:
            para(doc, text, "List Bullet")


def tracker(doc: DocumentObject, b: Briefing) -> None:
    counts = ", ".join(f"{n} {s}" for s, n in b.counts.items() if n)
    counts = " and ".join(counts.rsplit(", ", 1))
    shown = sum(len(g.rows) for g in b.groups)
    rest = sum(len(g.rows) for g in b.earlier)
    since = f"{b.recent_from:%B %Y}"
    para(doc, f"The register holds {sum(b.counts.values())} milestones: {counts}. "
         f"{plural(shown, 'milestone is', 'milestones are')} awaited or published since {since}: "
         "they are listed here by category, delayed and expected items first, each status in words as well as "
         f"colour. The {plural(rest, 'earlier one', 'earlier ones')}, including every superseded edition, "
         f"{'is' if rest == 1 else 'are'} in Appendix A.")  # fmt: skip
    milestone_tables(doc, b.groups)


def earlier(doc: DocumentObject, b: Briefing) -> None:
    para(doc, f"Milestones published before {b.recent_from:%B %Y}, and every edition a newer one has superseded, "
         "kept for reference. What is awaited or recent is in the policy milestone tracker.")  # fmt: skip
    milestone_tables(doc, b.earlier)


def milestone_tables(doc: DocumentObject, groups) -> None:
    for g in groups:
        heading(doc, g.label, 0, level=2)
        rows = [
            ([r.title + (f" – {r.note}" if r.note else ""), r.status.capitalize(), r.when, r.source], r.status)
            for r in g.rows
        ]
        status_table(doc, ["Milestone", "Status", "Date", "Source"], rows, [6.4, 2.6, 3.4, 4.2], 1, MILESTONE_COLOURS)


def system(doc: DocumentObject, b: Briefing) -> None:
    s = b.system
    para(doc, s.name, lead="Our integrated care system")
    if s.place:
        para(doc, s.place, lead="Our place in it")
    para(doc, s.stage, lead="Current status")
    para(doc, s.icb, lead="Integrated care board")
    if s.description:
        para(doc, s.description)
    if s.change:
        heading(doc, "Change to our footprint", 0, level=2)
        para(doc, s.change, lead="The change")
        para(doc, s.change_status, lead="Status")
        if s.after:
            para(doc, s.after, lead="After the change")
    if s.news:
        heading(doc, "News about our system, checked", 0, level=2)
        rows = [[n.when, n.what, n.stage, n.source] for n in s.news]
        links = {(i, 3): n.url for i, n in enumerate(s.news, start=1) if n.url}
        d.table(doc, ["Told", "What", "Where it stands", "Source"], rows, [3.0, 5.8, 3.6, 4.2], links=links)
    if s.note:
        para(doc, s.note, lead="Note")
    heading(doc, "Designation history", 0, level=2)
    rows = [[h.when, h.stage, h.what, h.source] for h in s.history] or [["", "", "No designations recorded", ""]]
    links = {(i, 3): h.url for i, h in enumerate(s.history, start=1) if h.url}
    d.table(doc, ["Date", "Stage", "What happened", "Source"], rows, [3.0, 3.6, 5.8, 4.2], links=links)
    heading(doc, "Key partners", 0, level=2)
    d.table(doc, ["Partner", "Role"], [[n, r] for n, r in s.partners], [7.6, 9.0])


def questions(doc: DocumentObject, b: Briefing) -> None:
    since = f"the last meeting on {day_month_year(b.previous_meeting)}" if b.previous_meeting else "the last meeting"
    para(doc, f"The eight helpful questions for governors to ask, word for word, from {b.attribution}. For each: "
         f"the trust's position, how it has changed since {since}, and the next step.")  # fmt: skip
    rows = [([str(q.number), q.text, status_words(q.status), q.change], q.status.rag) for q in b.questions]
    status_table(doc, ["No.", "Question", "Status", "Since the last meeting"], rows, [1.1, 9.3, 2.7, 3.5], 2,
                 RAG_COLOURS)  # fmt: skip
    for q in b.questions:
        question(doc, q)


def question(doc: DocumentObject, q) -> None:
    """One question: heading, the question, and the position, kept together on one page."""
    block = [d.paragraph(doc, "Heading 2")]
    d.text(block[0], f"Question {q.number}")
    block.append(para(doc, q.text, "Intense Quote"))
    status = d.paragraph(doc)
    fill, ink = RAG_COLOURS[q.status.rag]
    d.shaded(status, status_words(q.status), fill, ink)
    status.add_run(" " + display(q.since.removeprefix(status_words(q.status))))
    block.append(status)
    if q.not_reviewed:
        block.append(para(doc, q.not_reviewed, lead="Flag"))
    block.append(para(doc, q.answer, lead="Our position"))
    for step in q.earlier_steps:
        lead, rest = step.split(": ", 1)
        block.append(para(doc, rest, lead=lead))
    reviewed = q.last_reviewed + (f" by {q.reviewed_by}" if q.reviewed_by else "")
    block.append(para(doc, f"{q.next_step} Owner: {q.owner}. Last reviewed {reviewed}.", lead="Next step"))
    block.append(para(doc, "; ".join(q.milestones) or "None", lead="Linked milestones"))
    together(*block)


def timeline(doc: DocumentObject, b: Briefing, picture: bytes, alt: str) -> None:
    intro = para(doc, "National policy and our system's designations since 2014. Today is marked with a dashed line.")
    intro.paragraph_format.keep_with_next = True
    doc.add_picture(io.BytesIO(picture), width=Cm(PICTURE_CM))
    d.picture_alt_text(doc, alt, "Timeline of the policy journey since 2014")
    para(doc, "Figure 1: the policy journey since 2014. Filled markers are published, hollow markers expected "
         "or delayed. Numbers refer to the table below; where markers crowd, the table carries the numbers "
         "the picture has no room for.", "Caption")  # fmt: skip
    heading(doc, "The timeline as a table", 0, level=2)
    rows = [[str(n), e.date.human(), e.lane, e.label, e.status.capitalize()] for n, e in enumerate(b.events, 1)]
    d.table(doc, ["No.", "Date", "Row", "Event", "Status"], rows or [["", "", "", "No dated events", ""]],
            [1.1, 2.8, 3.4, 6.4, 2.9])  # fmt: skip


def health(doc: DocumentObject, b: Briefing) -> None:
    unread = [h.title for h in b.health if h.never_read]
    stale = [h.title for h in b.health if h.stale and not h.never_read]
    said = [f"Needs attention: {'; '.join(stale)}."] if stale else []
    if unread:
        said.append(f"{plural(len(unread), 'source')} not read yet: {'; '.join(unread)}.")
    said = said or ["No source is failing or stale."]
    para(doc, "When the tracker last read each public feed. " + " ".join(said))
    rows = []
    for h in b.health:
        word = health_word(h)
        note = "Not read yet by the tracker." if word == NOT_READ else h.reason or h.last_error or ""
        rows.append(
            (
                [
                    h.title,
                    stamp_day(h.last_success, never="Never"),
                    stamp_day(h.newest_item, never="Never"),
                    word,
                    note,
                ],
                word,
            )
        )
    colours = {**HEALTH_COLOURS, NOT_READ: RAG_COLOURS["grey"]}
    if not rows:
        para(doc, "No feed sources are configured.")
        return
    status_table(
        doc, ["Source", "Last read", "Newest item", "State", "Notes"], rows, [4.4, 2.8, 2.8, 2.2, 4.4], 3, colours
    )


def glossary(doc: DocumentObject, b: Briefing) -> None:
    para(doc, "The terms used in this pack, in plain words.")
    d.table(doc, ["Term", "In plain words", "Written from"], [[t.term, t.meaning, t.source] for t in b.glossary],
            [4.0, 8.6, 4.0])  # fmt: skip


NO_ADDRESS = "No web address found"


def sources(doc: DocumentObject, b: Briefing) -> None:
    para(doc, "Every document this pack cites, once each, by its own title, with its own address. Where no "
         "address of its own was found the table says so; a site's home page is never given instead. Only a "
         "page the tracker fetched itself is marked as retrieved; what was taken from the reference briefings "
         "says so in its notes.")  # fmt: skip
    rows = [[_document(c), c.url or NO_ADDRESS, c.note] for c in b.sources]
    links = {(i, 1): c.url for i, c in enumerate(b.sources, start=1) if c.url}
    d.table(doc, ["Document", "Address", "Notes"], rows, [6.4, 5.4, 4.8], links=links)


def _document(c: Citation) -> str:
    """'Title. Publisher, 7 January 2019.': the document as a reader asks for it."""
    about = ", ".join(x for x in (c.publisher, c.date) if x)
    if not about:
        return c.title
    return f"{c.title}{'' if c.title.endswith(('.', '?', '!')) else '.'} {about}."


def properties(doc: DocumentObject, b: Briefing, version: str, now: dt.datetime, status: str) -> None:
    p = doc.core_properties
    p.title = display(f"{b.title}: Council of Governors, {day_month_year(b.meeting)}")
    p.subject = "Council of Governors briefing pack"
    p.author = display(f"Company Secretary, {b.trust_name}")
    p.last_modified_by = p.author
    p.language = "en-GB"
    p.category = "Council of Governors"
    p.keywords = "integrated care system; policy tracker; governors"
    p.content_status = status.capitalize()
    p.version = version
    p.revision = 1
    p.comments = f"Generated by the NHS governors' policy tracker for {b.short_name}, meeting {b.meeting}."
    moment = now.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)  # python-docx writes naive as UTC
    p.created = p.modified = moment
