"""Every shipped config file, mutated a few hundred ways (seeded): the tools never crash,
never hang, write nothing, and say what is wrong in one line naming the file and line.

Each mutation is what a careless editor or a hostile copy does: a line lost, doubled,
moved or re-indented, the file cut short, stray bytes (not UTF-8, NUL, tabs, a lone
carriage return), or a value replaced by something nasty (nested 300 deep, an alias
bomb, a megabyte of text, an RFC 2047 encoded word, the year 9999, a recursive alias, a
Python tag). Each is checked through the same reader the tools use for that file; every
fortieth also through `tracker validate` as a user runs it and, when `validate` refuses
it, through `tracker pack`, which must refuse with the same first line. A failure names
the file and the mutation: `mutate(pristine, Random(f"{name}-{n}"))` reproduces it.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import report, run, workspace
from tracker.config.governors import check_governors
from tracker.config.loading import LoadedRegister, check_register, check_trust_files
from tracker.config.matching import parse_vocabulary
from tracker.config.profiles import parse_sources
from tracker.core.errors import Problem
from tracker.core.schema import check_file

MUTATIONS = 200  # per file; 6 files
SLOW = 10.0  # seconds: no single check of one file may take longer (the register's takes about 0.5 s)
CLI_EVERY = 40
NOW = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)

ALIAS_BOMB = 'b0: &b0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]\n" for i in range(1, 12)
)

# Values a field may be replaced by: each once crashed, hung or flooded a tool somewhere.
NASTY = [
    "[" * 300 + "]" * 300,
    "{a: " * 120 + "1" + "}" * 120,
    "*b11",  # an alias bomb (its anchors are put at the top of the file)
    "*nowhere",  # an alias that was never defined
    "&loop [*loop]",
    "x" * 1_000_000,
    "=?utf-8?q?Evil=0D=0ABcc=3A_evil=40x.com?=",
    '"Evil\\r\\nBcc: evil@x.com"',
    "9999-12-31",
    "2019-02-30",
    "0000-01-01",
    "!!python/object/apply:os.system ['echo pwned']",
    "!!binary AAAA",
    "~",
    "[]",
    "{}",
    "-1",
    ".inf",
    "0x10",
    "yes",
    "javascript:alert(1)",
    "http://user:pw@127.0.0.1/\u202egnp.exe",
    "'unterminated",
    "|",
    "? complex key",
    "- a list item",
]
BYTES = [
    b"\xff",
    b"\xc3",
    b"\x00",
    b"\t",
    b"\r",
    b"\x1b[31m",
    b"\xe2\x80\xae",
    b"\xef\xbb\xbf",
    b":",
    b"- ",
    b"&a",
    b"*",
]


def mutate(raw: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One mutation of a file's bytes, and what it was (for a failure's message)."""
    lines = raw.splitlines(keepends=True)
    at = rng.randrange(len(lines))
    kind = rng.choice(["drop", "double", "move", "indent", "cut", "bytes", "value", "value", "key"])
    if kind == "drop":
        del lines[at]
    elif kind == "double":
        lines.insert(at, lines[at])
    elif kind == "move":
        lines.insert(rng.randrange(len(lines)), lines.pop(at))
    elif kind == "indent":
        change = rng.choice([-4, -2, -1, 1, 2, 3])
        lines[at] = b" " * change + lines[at] if change > 0 else lines[at][-change:]
    elif kind == "cut":
        cut = rng.randrange(len(raw))
        return raw[:cut], f"cut at byte {cut}"
    elif kind == "bytes":
        line = lines[at]
        pos = rng.randrange(len(line) + 1)
        junk = rng.choice(BYTES)
        lines[at] = line[:pos] + junk + line[pos:]
        return b"".join(lines), f"{junk!r} inserted in line {at + 1}"
    elif kind in ("value", "key"):
        line = lines[at].decode("utf-8", "replace")
        match = re.match(r"^(\s*(?:- )?)([^:#\s][^:#]*):(\s*)(.*?)(\r?\n)?$", line)
        if not match:
            lines.insert(at, b"key: value\n")
            return b"".join(lines), f"a stray 'key: value' before line {at + 1}"
        lead, key, _, _, end = match.groups()
        nasty = rng.choice(NASTY)
        if kind == "key":
            new = f"{lead}{nasty[:200]}: {match.group(4)}{end or ''}"
        else:
            new = f"{lead}{key}: {nasty}{end or ''}"
        lines[at] = new.encode("utf-8")
        out = b"".join(lines)
        if "*b11" in nasty:
            out = ALIAS_BOMB.encode() + out
        return out, f"{kind} of line {at + 1} set to {nasty[:40]!r}"
    return b"".join(lines), f"{kind} at line {at + 1}"


def checks(ws, register: LoadedRegister) -> dict[str, Callable[[], list[Problem]]]:
    """Each shipped file's own reader, as the loaders call it (the trust's files checked against the register)."""
    return {
        "register.yaml": lambda: check_register(ws)[1],
        "trust.yaml": lambda: check_trust_files(ws, register)[2],
        "questions.yaml": lambda: check_trust_files(ws, register)[2],
        "sources.yaml": lambda: list(check_file(ws.sources, parse_sources).problems),
        "matching.yaml": lambda: list(check_file(ws.matching, parse_vocabulary).problems),
        "governors.yaml": lambda: list(check_governors(ws.governors, "fernbrook", required=False).problems),
    }


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


ONE_LINE = re.compile(r"^(?P<file>[^\n]+?\.yaml):(?P<line>\d+): [^\n]+$")


def assert_well_said(problem: str, path: Path, lines: int, what: str) -> None:
    found = ONE_LINE.match(problem)
    assert found, f"{what}: not one line with file:line: {problem[:300]!r}"
    assert found["file"] == str(path), f"{what}: names {found['file']}, not {path}"
    assert 1 <= int(found["line"]) <= lines + 1, f"{what}: line {found['line']} of a {lines}-line file"
    assert len(problem) < 1_000, f"{what}: a {len(problem)}-character message"


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    "name", ["register.yaml", "trust.yaml", "questions.yaml", "sources.yaml", "matching.yaml", "governors.yaml"]
)
def test_mutated_config_is_refused_in_one_line_each_without_a_crash_a_hang_or_a_write(config_dir, tmp_path, name):
    shutil.copy(config_dir / "governors.example.yaml", config_dir / "governors.yaml")
    outputs = tmp_path / "outputs"
    ws = workspace(config_dir, outputs, NOW)
    register, problems = check_register(ws)
    assert register is not None and not problems, problems
    check = checks(ws, register)[name]
    path = config_dir / name
    pristine = path.read_bytes()
    others = {k: v for k, v in snapshot(config_dir).items() if k != name}
    refused = slowest = cli_runs = 0.0
    for n in range(MUTATIONS):
        mutated, how = mutate(pristine, random.Random(f"{name}-{n}"))
        what = f"{name} mutation {n} ({how})"
        path.write_bytes(mutated)
        start = time.monotonic()
        found = check()
        took = time.monotonic() - start
        slowest = max(slowest, took)
        assert took < SLOW, f"{what}: took {took:.1f} s"
        lines = len(re.split(rb"\r\n|\r|\n", mutated))
        mine = [str(p) for p in found if p.file == str(path)]
        for problem in mine:
            assert_well_said(problem, path, lines, what)
        refused += bool(mine)
        if n % CLI_EVERY == 0:
            cli_runs += 1
            result = run("validate", "--config", config_dir, "--outputs", outputs)
            assert result.exception is None or isinstance(result.exception, SystemExit), f"{what}: {result.exception!r}"
            assert "Traceback" not in result.output, what
            said = [line for line in result.stdout.splitlines() if line.strip()]
            if result.exit_code == 0:
                assert not mine, f"{what}: validate passed what the reader refused: {mine[0]}"
                continue
            assert result.exit_code == 2, f"{what}: exit {result.exit_code}: {result.output[-300:]}"
            for line in said:
                assert ONE_LINE.match(line) and len(line) < 1_000, f"{what}: validate said {line[:300]!r}"
            assert set(mine) <= set(said), f"{what}: validate did not say {sorted(set(mine) - set(said))[:1]}"
            if name == "governors.yaml":
                continue  # a pack does not read the governors list (send does)
            packed = run("pack", "--config", config_dir, "--outputs", outputs, "--meeting", "2026-12-10")
            assert packed.exit_code == 2 and "Traceback" not in packed.output, f"{what}: pack: {packed.output[-300:]}"
            first = packed.stderr.strip().removeprefix("Error: ").split(" (and ")[0]
            assert first == said[0], f"{what}: pack said {first!r}, validate {said[0]!r}"
        assert {k: v for k, v in snapshot(config_dir).items() if k != name} == others, f"{what}: another file changed"
        assert path.read_bytes() == mutated, f"{what}: the mutated file was rewritten"
        assert not outputs.exists(), f"{what}: something was written to outputs/"
    report(
        f"config fuzz {name}: {MUTATIONS} mutations, {int(refused)} refused, {int(cli_runs)} through the CLI,"
        f" slowest check {slowest:.2f} s"
    )
    assert refused > MUTATIONS // 4  # the mutations really do break the file
