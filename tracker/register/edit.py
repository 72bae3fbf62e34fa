"""Safe, transactional edits of the register file.

Edits go through `update()`, which takes the lock, re-reads the file, lets the caller
change the round-trip tree, and writes it back atomically only if the text changed;
so two writers never lose each other's work, a crash never leaves half a file, and a
no-op run leaves the bytes alone. Comments, key order and quoting survive.

A person editing the file takes no lock, so the write is also a compare-and-swap
(core.files.edit_yaml): it replaces the file only if it still holds the bytes the
transaction read. If the secretary saved meanwhile, their file stays and the
transaction raises FileChanged; `retrying()` runs it again on top of their version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from tracker.core.dates import PartialDate
from tracker.core.files import edit_yaml
from tracker.core.files import retrying as retrying  # a transaction, again on top of a save made meanwhile
from tracker.register.model import Evidence
from tracker.register.parse import MILESTONE_KEYS, Parsed


class RegisterEditor:
    """Changes to the round-trip tree that keep comments, order and history."""

    def __init__(self, tree: CommentedMap):
        self.tree = tree
        self.written = False  # set by `update()` once the transaction has ended
        self.text: str | None = None  # the file's text after the transaction

    def _node(self, milestone_id: str) -> CommentedMap:
        for node in self.tree.get("milestones") or []:
            if node.get("id") == milestone_id:
                return node
        raise KeyError(milestone_id)

    @staticmethod
    def _block_list(node: CommentedMap, key: str) -> CommentedSeq:
        seq = node.get(key)
        if not isinstance(seq, CommentedSeq):
            seq = CommentedSeq(seq or [])
            node[key] = seq
        seq.fa.set_block_style()  # `[]` in the file must not turn into a flow list
        return seq

    def get(self, milestone_id: str, name: str) -> Any:
        """A field's current value in the tree, including this transaction's edits."""
        return self._node(milestone_id).get(name)

    def add_evidence(self, milestone_id: str, ev: Evidence) -> bool:
        """Attach evidence once: the same link or guid from any feed is the same item."""
        seq = self._block_list(self._node(milestone_id), "evidence")
        for old in seq:
            if old.get("url") == ev.url or (ev.guid and old.get("guid") == ev.guid):
                return False
        item = CommentedMap(title=ev.title, url=ev.url, source=ev.source)
        if ev.publisher:
            item["publisher"] = ev.publisher
        if ev.published:
            item["published"] = ev.published
        item["first_seen"] = ev.first_seen
        if ev.guid and ev.guid != ev.url:
            item["guid"] = ev.guid
        seq.append(item)
        return True

    def set_field(
        self,
        milestone_id: str,
        name: str,
        value: Any,
        *,
        why: str,
        when: str,
        evidence: str | None = None,
        by: str | None = None,
    ) -> bool:
        """Change one field and record from, to, why and the evidence in history."""
        node = self._node(milestone_id)
        if isinstance(value, PartialDate):
            value = value.to_yaml()
        old = node.get(name)
        if _plain(old) == _plain(value):
            return False
        if name in node:
            node[name] = value
        else:  # keep the schema's key order for a field that was absent
            keys = list(MILESTONE_KEYS)
            after = [k for k in keys[: keys.index(name)] if k in node] if name in keys else list(node)
            node.insert(list(node).index(after[-1]) + 1 if after else len(node), name, value)
        entry = CommentedMap(when=when, field=name)
        entry["from"] = old
        entry["to"] = _fresh(value)  # a shared object would be written as a YAML &anchor / *alias
        entry["why"] = why
        if evidence:
            entry["evidence"] = evidence
        if by:
            entry["by"] = by
        self._block_list(node, "history").append(entry)
        return True

    def add_milestone(self, data: dict[str, Any]) -> None:
        ids = {m.get("id") for m in self.tree.get("milestones") or []}
        if data["id"] in ids:
            raise ValueError(f"milestone {data['id']!r} already exists")
        node = CommentedMap((k, data[k]) for k in MILESTONE_KEYS if k in data)
        for key in ("evidence", "history"):
            node.setdefault(key, CommentedSeq())
        self._block_list(self.tree, "milestones").append(node)


def _fresh(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.date(value.year, value.month, value.day)
    return value


def _plain(value: Any) -> str | None:
    return None if value is None else str(PartialDate.parse(value)) if _is_date(value) else str(value)


def _is_date(value: Any) -> bool:
    try:
        PartialDate.parse(value)
        return not isinstance(value, str) or value.count("-") > 0 or len(value) == 4
    except ValueError:
        return False


@contextmanager
def update(path: Path, timeout: float = 30.0, reuse: Parsed | None = None) -> Iterator[RegisterEditor]:
    """Lock, re-read, edit, and write back atomically if (and only if) it changed (core.files.edit_yaml).

    `reuse` is a tree parsed earlier; it is used only if the file still holds exactly
    the text it was parsed from (parsing the register is a run's biggest fixed cost).
    Afterwards the editor says whether the file was written and what it now holds.
    FileChanged if someone saved the file while the transaction ran (see the module).
    """
    with edit_yaml(path, timeout, (reuse.text, reuse.tree) if reuse is not None else None) as doc:
        editor = RegisterEditor(doc.tree)
        yield editor
    editor.written, editor.text = doc.written, doc.text
