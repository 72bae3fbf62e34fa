"""Files: YAML that keeps a person's comments and layout, JSON, checksums, and writes that never leave half a file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock, Timeout
from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

from tracker.core.errors import FileChanged, FileProblem, Problem, RegisterLocked, TrackerError
from tracker.core.text import quoted

# A person's config file nests fewer than ten levels and holds a few thousand values.
# These bounds refuse what is only ever an accident or an attack, before anything walks
# the tree: a value nested hundreds deep (Python's recursion limit), and aliases
# (`*name`) that expand exponentially (each copy is the same object to the parser, but
# not to whatever prints, compares or copies it).
MAX_DEPTH = 50
MAX_VALUES = 200_000


class _Constructor(RoundTripConstructor):
    """Keeps an impossible date such as 2019-02-30 as text, so validation can name its line;
    and says a key is duplicated without printing its value (which may be an alias bomb)."""

    def construct_yaml_timestamp(self, node, values=None):
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return str(self.construct_scalar(node))

    def check_mapping_key(self, node, key_node, mapping, key, value) -> bool:
        if _present(key, mapping, key_node):
            raise ConstructorError(None, None, f"duplicate key {quoted(key)}", key_node.start_mark)
        return True

    def check_set_key(self, node, key_node, setting, key) -> None:
        if _present(key, setting, key_node):
            raise ConstructorError(None, None, f"duplicate key {quoted(key)}", key_node.start_mark)


def _present(key: Any, mapping: Any, key_node: Any) -> bool:
    """Whether the key is there already; a key that is itself a mapping or list (`? {a: 1}`),
    which cannot be looked up, is a problem at its line rather than a TypeError."""
    try:
        return key in mapping
    except TypeError:
        raise ConstructorError(
            None, None, "a key here is a mapping or a list, which no config file uses", key_node.start_mark
        ) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


class _Composer(Composer):
    """Refuses an anchor (`&name`) defined twice, which YAML allows but ruamel only warns of
    (a warning of several lines, not one sentence): in a file a person edits it is a line
    copied by accident, and every later `*name` would silently mean the copy."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            first = self.anchors.get(event.anchor) if event.anchor is not None else None
            if first is not None:
                raise ComposerError(
                    None,
                    None,
                    f"the anchor &{event.anchor} is defined twice (first at line {first.start_mark.line + 1}); rename one",
                    event.start_mark,
                )
        return super().compose_node(parent, index)


def _yaml() -> YAML:
    # Round-trip mode keeps comments, key order, quoting and block scalars, so an
    # automated change to a hand-edited file is a small, readable diff.
    y = YAML(typ="rt")
    y.Constructor = _Constructor
    y.Composer = _Composer
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096
    return y


def parse_yaml(text: str, file: str) -> Any:
    """Parse YAML text; a syntax error, or a tree too deep or too big once its aliases are
    expanded, becomes one sentence with file and line (FileProblem)."""
    try:
        tree = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = (exc.problem or exc.context or "invalid YAML").strip()
        raise FileProblem(Problem(file, line, "", f"YAML syntax error: {what}")) from None
    except RecursionError:
        raise FileProblem(Problem(file, _too_deep_at(text), "", _TOO_DEEP)) from None
    except YAMLError as exc:  # errors without a mark, e.g. a character YAML does not allow
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid YAML"
        position = getattr(exc, "position", None)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else 1
        raise FileProblem(Problem(file, line, "", f"YAML syntax error: {first}")) from None
    check_shape(tree, file)
    return tree


_TOO_DEEP = f"YAML nested more than {MAX_DEPTH} levels deep; no config file needs that"


def _too_deep_at(text: str) -> int:
    """The line where the text first nests too deep, read from the parser's events (which,
    unlike building the tree, does not recurse)."""
    depth = 0
    try:
        for event in _yaml().parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except (YAMLError, RecursionError):
        pass
    return 1


def check_shape(tree: Any, file: str) -> None:
    """FileProblem if the tree nests deeper than MAX_DEPTH or holds more than MAX_VALUES
    values once its aliases are expanded; walked without recursion, each shared value once."""
    sizes: dict[int, tuple[int, int]] = {}  # id -> (values once expanded, height)
    on_path: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(tree, 1, False)]
    while stack:
        node, depth, finished = stack.pop()
        if not isinstance(node, (dict, list)):
            continue  # a file that is one scalar, or empty
        key = id(node)
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        if finished:
            on_path.discard(key)
            known = [sizes.get(id(c), (1, 0)) for c in children]
            size = 1 + sum(k[0] for k in known)
            height = 1 + max((k[1] for k in known), default=0)
            sizes[key] = (size, height)
            if size > MAX_VALUES:
                raise FileProblem(Problem(file, _line(node), "", _TOO_BIG))
            continue
        if key in sizes:  # met again through an alias: counted already; only its depth here matters
            if depth + sizes[key][1] - 1 > MAX_DEPTH:
                raise FileProblem(Problem(file, _line(node), "", _TOO_DEEP))
            continue
        if key in on_path:
            raise FileProblem(Problem(file, _line(node), "", "a YAML alias here refers to the value that holds it"))
        if depth > MAX_DEPTH:
            raise FileProblem(Problem(file, _line(node), "", _TOO_DEEP))
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in children if isinstance(c, (dict, list)))


_TOO_BIG = (
    f"YAML aliases (*name) here expand to more than {MAX_VALUES:,} values, which no config file holds"
    " (an alias bomb?); write the values out"
)


def _line(node: Any) -> int:
    lc = getattr(node, "lc", None)
    return (lc.line or 0) + 1 if lc is not None and lc.line is not None else 1


def read_text(path: Path) -> str:
    return read_source(path)[1]


def read_source(path: Path) -> tuple[bytes, str]:
    """A text file's exact bytes (their sha256 identifies the version) and its text.

    The text has universal newlines, as `open()` gives; a file that is not UTF-8 is
    one FileProblem naming the line and the byte.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise TrackerError(f"{path}: file not found") from None
    except OSError as exc:
        raise TrackerError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = Problem(str(path), line, "", f"not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8")
        raise FileProblem(problem) from None
    return raw, text.replace("\r\n", "\n").replace("\r", "\n")


def load_yaml(path: Path) -> Any:
    return parse_yaml(read_text(path), str(path))


def dump_yaml(data: Any) -> str:
    buf = io.StringIO()
    _yaml().dump(data, buf)
    return buf.getvalue()


def atomic_write(path: Path, data: str | bytes, expect: bytes | None = None) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it.

    A reader (or a crash) sees the old file or the new one, never a mixture. With
    `expect`, this is a compare-and-swap: the rename happens only if the file still
    holds exactly those bytes (checked as late as possible, after the fsync), so a
    person's save made meanwhile is never overwritten: FileChanged instead.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        if expect is not None and _current(path) != expect:
            raise FileChanged(
                f"{path} was changed while this update ran (someone saved it); their version is kept and this"
                " update was not written: run it again"
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


_NO_DEFAULT: Any = object()


def read_json(path: Path, what: str, missing: Any = _NO_DEFAULT) -> Any:
    """A JSON file the tools wrote; `missing` if it does not exist, else one TrackerError naming it.

    `what` names the file for the reader ("the pack manifest", "the delivery log").
    """
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing is _NO_DEFAULT:
            raise TrackerError(f"{path}: {what} is missing") from None
        return missing
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TrackerError(f"{path}: {what} cannot be read ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return " ".join(text.split())[:200]


def inside(root: Path, path: Path) -> Path:
    """`path` itself, if it stays inside `root` once symbolic links are followed; else TrackerError.

    The one rule for every file the tools read or write under outputs/: a link may point
    elsewhere inside (an archive folder), never out of it (a pack that is a link to a
    private file would be emailed; an outbox that is a link to another folder would have
    its .eml files deleted by `send --dry-run`). `root` itself may be a link.
    """
    try:
        real_root, real = Path(root).resolve(), Path(path).resolve()
    except (OSError, RuntimeError):  # a loop of links
        raise TrackerError(f"{path}: cannot be followed (a loop of symbolic links?); remove the link") from None
    if real != real_root and not real.is_relative_to(real_root):
        raise TrackerError(
            f"{path} leads outside {root} (to {real}) through a symbolic link, so it is neither read nor written;"
            " remove the link"
        )
    return Path(path)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """The file's sha256, read in blocks (a pack may be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class YAMLEdit:
    """A YAML file's round-trip tree inside `edit_yaml`; afterwards, whether it was written and its text."""

    def __init__(self, tree: Any):
        self.tree = tree
        self.written = False
        self.text: str | None = None


@contextmanager
def edit_yaml(path: Path, timeout: float = 30.0, reuse: tuple[str, Any] | None = None) -> Iterator[YAMLEdit]:
    """Lock, re-read, let the caller change the tree, and write back atomically if (and only if) it changed.

    The one safe write of a file a person also edits: two writers never lose each
    other's work, a crash never leaves half a file, a no-op leaves the bytes alone, and
    comments, key order and quoting survive. `reuse` is (text, tree) parsed earlier; the
    tree is used only if the file still holds exactly that text. An exception inside
    the block writes nothing. A person's editor takes no lock, so the write is a
    compare-and-swap: FileChanged, and nothing written, if the file no longer holds
    what was read (see `atomic_write`, and `retrying`).
    """
    path = Path(path)
    with locked(path, timeout):
        raw, before = read_source(path)
        tree = reuse[1] if reuse is not None and reuse[0] == before else parse_yaml(before, str(path))
        edit = YAMLEdit(tree)
        yield edit
        after = dump_yaml(tree)
        if after != before:
            atomic_write(path, after, expect=raw)  # a person's save made meanwhile is never overwritten
        edit.written, edit.text = after != before, after


T = TypeVar("T")
ATTEMPTS = 5


def retrying(transaction: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run a transaction (a function using `edit_yaml`) again from the top if a person saved
    the file while it ran, so it is applied to their version, never over it."""
    for attempt in range(1, attempts + 1):
        try:
            return transaction()
        except FileChanged:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def locked(path: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold `.<name>.lock` beside `path` so only one writer changes it at a time."""
    path = Path(path)
    lock = FileLock(str(path.parent / f".{path.name}.lock"), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise RegisterLocked(f"{path}: another tracker run is updating this file; try again when it finishes") from None
    try:
        yield
    finally:
        lock.release()
